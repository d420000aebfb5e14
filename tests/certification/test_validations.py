"""Validation on record over HTTP, on SQLite and PostgreSQL: a regulator records and withdraws, anyone
reads, refusals name the field, and a registered panel's verdict follows the record (through the event)."""

import datetime as dt

from registry.audit import urls as audit_urls
from registry.catalog import urls as catalog_urls
from registry.catalog.service import import_catalogue
from registry.certification import urls
from registry.certification.model.validations import ValidationInput, ValidationRecord, coverage_changes, dates_problem
from registry.kernel.clock import today_in_korea
from registry.panels import urls as panel_urls
from tests.conftest import rules_path
from tests.workflow import announcement, assert_problem, certify, make_staff, register_lab

DISEASE_ITEM = {
    "code": "DIS-T2D",
    "name_ko": "제2형 당뇨병",
    "name_en": "Type 2 diabetes",
    "category": "disease",
    "tier": "disease",
    "status": "permitted",
    "minors": "not_permitted",
    "confidence": "C",
}


D = dt.date.fromisoformat


def test_a_record_covers_from_the_committee_decision_until_its_withdrawal_whatever_the_sandbox_period():
    record = ValidationRecord(1, "DIS-T2D", D("2026-01-15"), D("2026-09-01"))
    assert [record.covers(D(d)) for d in ("2026-01-14", "2026-01-15", "2026-08-31", "2026-09-01")] == [
        False,
        True,
        True,
        False,
    ]
    assert ValidationRecord(1, "DIS-T2D", D("2026-01-15")).covers(D("2040-01-01"))
    later = ValidationRecord(1, "DIS-T2D", D("2026-06-01"))
    assert coverage_changes([record, later]) == [
        (1, "DIS-T2D", dt.date.min, False),
        (1, "DIS-T2D", D("2026-01-15"), True),
        (1, "DIS-T2D", D("2026-06-01"), True),
        (1, "DIS-T2D", D("2026-09-01"), True),
    ]


def test_dates_that_cannot_be_are_named():
    good = ValidationInput.model_validate(validation(1, decided_on=D("2022-01-01")))
    assert dates_problem(good) is None
    assert dates_problem(good.model_copy(update={"sandbox_until": D("2019-01-01")})) == (
        "period_reversed",
        "sandbox_until",
    )
    early = good.model_copy(update={"committee_decided_on": D("2019-02-10")})
    assert dates_problem(early) == ("decided_before_designation", "committee_decided_on")


def validation(provider_id: int, code: str = "DIS-T2D", decided_on: dt.date | None = None, **changes) -> dict:
    return {
        "provider_id": provider_id,
        "code": code,
        "sandbox_designation": "2019-001",
        "sandbox_granted_by": "산업융합 규제특례심의위원회",
        "sandbox_from": "2019-02-11",
        "sandbox_until": "2021-02-10",
        "committee_decided_on": (decided_on or today_in_korea()).isoformat(),
        "committee_reference": "2026-3",
        "note": "demonstration results reviewed",
        **changes,
    }


async def test_only_a_regulator_records_and_bad_records_are_refused_by_field(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    body = validation(lab.provider_id, "NUT-VITD")
    assert_problem(await client.post(urls.VALIDATIONS, json=body), 401, "AUTHENTICATION_REQUIRED")
    for headers in (lab.headers, staff.reviewer):
        assert_problem(await client.post(urls.VALIDATIONS, json=body, headers=headers), 403, "ROLE_NOT_ALLOWED")

    async def refused(record: dict, field: str, code: str = "VALIDATION_REFUSED", status: int = 422) -> dict:
        problem = assert_problem(
            await client.post(urls.VALIDATIONS, json=record, headers=staff.regulator), status, code
        )
        assert [e["field"] for e in problem["errors"]] == [field], problem
        return problem

    problem = await refused(body, "code")
    assert "not a disease item" in problem["detail"] and "질병 항목이 아니므로" in problem["detail_ko"]
    assert "Art. 50(3)" in problem["basis_en"]
    await refused({**body, "code": "DIS-NOPE"}, "code")
    await refused({**body, "sandbox_until": "2019-02-10"}, "sandbox_until")
    problem = await refused({**body, "committee_decided_on": "2019-01-31"}, "committee_decided_on")
    assert "(2019-01-31)" in problem["detail"] and "(2019-02-11)" in problem["detail"]
    await refused({**body, "provider_id": 2_000_000_000}, "provider_id", "INVALID_BODY")
    r = await client.post(urls.VALIDATIONS, json={**body, "committee_decided_on": "someday"}, headers=staff.regulator)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "committee_decided_on"
    # Nothing was stored by any of them.
    listed = (await client.get(urls.VALIDATIONS, params={"provider_id": lab.provider_id})).json()
    assert listed["total"] == 0 and listed["data"] == []
    withdrawal = {"withdrawn_on": today_in_korea().isoformat(), "reason": "recorded in error"}
    assert_problem(
        await client.post(urls.withdraw_validation(2_000_000), json=withdrawal, headers=staff.regulator),
        404,
        "NOT_FOUND",
    )


async def test_a_record_flips_a_registered_panel_and_its_withdrawal_flips_it_back(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    today = today_in_korea()
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        # An edition from today on with a disease item (none is on the reviewed list yet).
        draft = {"version": today.isoformat(), "add": [DISEASE_ITEM], **announcement(191)}
        assert (await client.post(catalog_urls.VERSIONS, json=draft, headers=staff.regulator)).status_code == 201
        r = await client.post(catalog_urls.publish(today), headers=staff.regulator)
        assert r.status_code == 200, r.text
        lab = await register_lab(client, staff)
        other = await register_lab(client, staff)
        await certify(client, staff, lab, ["DIS-T2D"])
        await certify(client, staff, other, ["DIS-T2D"])
        item = {"code": "DIS-T2D", "genes": ["TCF7L2"]}
        panel = await client.post(panel_urls.PANELS, json={"name": "T2D risk", "items": [item]}, headers=lab.headers)
        assert panel.status_code == 201, panel.text
        assert panel.json()["latest_check"]["verdict"] == "not_permitted"
        assert [f["code"] for f in panel.json()["latest_check"]["findings"]] == ["VALIDATION_REQUIRED"]
        panel_id = panel.json()["id"]

        r = await client.post(urls.VALIDATIONS, json=validation(lab.provider_id), headers=staff.regulator)
        assert r.status_code == 201, r.text
        recorded = r.json()
        assert recorded["covers_as_of"] is True and recorded["withdrawn_on"] is None
        assert recorded["sandbox_granted_by"] == "산업융합 규제특례심의위원회"
        audit = (
            await client.get(audit_urls.EVENTS, params={"entity_type": "validation_record"}, headers=staff.regulator)
        ).json()
        assert [e["action"] for e in audit["data"]] == ["validation.recorded"]

        # The provider's registered panel was re-checked through the announced event.
        stored = (await client.get(panel_urls.panel(panel_id), headers=lab.headers)).json()
        assert stored["latest_check"]["verdict"] == "permitted" and stored["latest_check"]["findings"] == []
        # Single and batch checks agree; another provider's record does not help, nor does yesterday.
        single = await client.post(panel_urls.CHECK, json={"items": [item]}, headers=lab.headers)
        assert single.json()["verdict"] == "permitted"
        csv = f"panel_id,code,genes,as_of\np,DIS-T2D,TCF7L2,{today}\n".encode()
        batch = await client.post(panel_urls.BATCH, content=csv, headers={**lab.headers, "Content-Type": "text/csv"})
        assert batch.status_code == 200 and "VALIDATION_REQUIRED" not in batch.text and "permitted" in batch.text
        theirs = await client.post(panel_urls.CHECK, json={"items": [item]}, headers=other.headers)
        assert [f["code"] for f in theirs.json()["findings"]] == ["VALIDATION_REQUIRED"]

        # Public reading: the list per provider, one record, coverage on the date asked.
        listed = (await client.get(urls.VALIDATIONS, params={"provider_id": lab.provider_id})).json()
        assert [v["id"] for v in listed["data"]] == [recorded["id"]]
        yesterday = (today - dt.timedelta(days=1)).isoformat()
        earlier = (await client.get(urls.validation(recorded["id"]), params={"as_of": yesterday})).json()
        assert earlier["covers_as_of"] is False

        # Withdrawal: no earlier than the committee decision; once; the panel follows.
        too_early = {"withdrawn_on": yesterday, "reason": "recorded in error"}
        problem = assert_problem(
            await client.post(urls.withdraw_validation(recorded["id"]), json=too_early, headers=staff.regulator),
            422,
            "VALIDATION_REFUSED",
        )
        assert problem["errors"][0]["field"] == "withdrawn_on"
        withdrawal = {"withdrawn_on": today.isoformat(), "reason": "committee decision annulled"}
        r = await client.post(urls.withdraw_validation(recorded["id"]), json=withdrawal, headers=lab.headers)
        assert r.status_code == 403
        r = await client.post(urls.withdraw_validation(recorded["id"]), json=withdrawal, headers=staff.regulator)
        assert r.status_code == 200, r.text
        assert r.json()["withdrawn_on"] == today.isoformat() and r.json()["covers_as_of"] is False
        stored = (await client.get(panel_urls.panel(panel_id), headers=lab.headers)).json()
        assert stored["latest_check"]["verdict"] == "not_permitted"
        assert_problem(
            await client.post(urls.withdraw_validation(recorded["id"]), json=withdrawal, headers=staff.regulator),
            409,
            "VALIDATION_ALREADY_WITHDRAWN",
        )
        audit = (
            await client.get(audit_urls.EVENTS, params={"entity_type": "validation_record"}, headers=staff.regulator)
        ).json()
        assert [e["action"] for e in audit["data"]] == ["validation.withdrawn", "validation.recorded"]  # newest first
