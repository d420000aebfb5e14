"""Certificate measures over HTTP, as the Bioethics and Safety Act has them: a business suspension with its
end (Art. 56(1), at most one year, never for ground 1), the surcharge replacing it (Art. 58), a hearing
(Art. 57) before a revocation on an Art. 49-2(4) ground, If-Match and date order; and the dates of the law
for certificates brought in from before the registry."""

import datetime as dt

import pytest

from registry.certification import urls
from registry.certification.history_import import import_history
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError
from registry.panels import urls as panels_urls
from tests.workflow import (
    assert_problem,
    business_number,
    certify,
    create_application,
    evidence_item,
    make_staff,
    register_lab,
    unique,
)


async def _post(client, staff, url, number, body):
    etag = (await client.get(urls.certificate(number))).json()["etag"]
    return await client.post(url, json=body, headers={**staff.regulator, "If-Match": etag})


def _iso(day: dt.date) -> str:
    return day.isoformat()


async def test_a_suspension_names_its_end_lasts_at_most_a_year_and_never_answers_fraud(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    today = today_in_korea()
    body = {"reason": "EQA failure", "ground": 2, "effective_date": _iso(today)}
    r = await _post(client, staff, urls.suspend(number), number, body)  # no end
    assert "until" in str(assert_problem(r, 422, "INVALID_BODY")["errors"])
    r = await _post(client, staff, urls.suspend(number), number, {**body, "ground": 1, "until": _iso(today)})
    problem = assert_problem(r, 422, "REVOCATION_MANDATORY")
    assert [e["field"] for e in problem["errors"]] == ["ground"] and "제49조의2제4항 단서" in problem["basis_ko"]
    year_on = today.replace(year=today.year + 1)
    r = await _post(client, staff, urls.suspend(number), number, {**body, "until": _iso(year_on)})
    problem = assert_problem(r, 422, "SUSPENSION_PERIOD")
    assert [e["field"] for e in problem["errors"]] == ["until"] and "제56조제1항" in problem["basis_ko"]
    r = await _post(client, staff, urls.reinstate(number), number, {"reason": "x", "effective_date": _iso(today)})
    body_ko = assert_problem(r, 409, "ILLEGAL_TRANSITION")["detail_ko"]
    assert "'업무정지 조기 종료'" in body_ko and "reinstated" not in body_ko
    history = (await client.get(urls.history(number))).json()
    assert [e["kind"] for e in history["events"]] == ["issued"], "a refused request leaves nothing behind"


async def test_a_suspension_ends_by_itself_the_day_after_its_last_day(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    start = today_in_korea() + dt.timedelta(days=10)
    end = start + dt.timedelta(days=29)
    body = {"reason": "misleading report", "ground": 4, "effective_date": _iso(start), "until": _iso(end)}
    r = await _post(client, staff, urls.suspend(number), number, body)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_until"]) == ("suspended", _iso(end))
    assert "제56조제1항" in r.json()["basis_ko"] and "Art. 58" in r.json()["basis_en"]
    assert r.json()["ground_ko"].startswith("제49조의2제4항제4호: 검사대상자의 개인정보를 유출하거나")
    for day, status, finding in ((end, "suspended", True), (end + dt.timedelta(days=1), "active", False)):
        verification = (await client.get(f"{urls.certificate(number)}?as_of={_iso(day)}")).json()
        assert verification["status"] == status, day
        check = await client.post(
            panels_urls.CHECK,
            json={"provider_id": lab.provider_id, "as_of": _iso(day), "items": [{"code": "NUT-VITD"}]},
            headers=staff.regulator,
        )
        codes = {f["code"] for f in check.json()["findings"]}
        assert ("CERTIFICATE_SUSPENDED" in codes) is finding, (day, codes)
        assert check.json()["certificate"]["status"] == status
    event = (await client.get(urls.history(number))).json()["events"][-1]
    assert (event["kind"], event["until"], event["ground"]) == ("suspended", _iso(end), 4)


async def test_a_surcharge_replaces_the_suspension_and_does_not_suspend(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    today = today_in_korea()
    body = {
        "reason": "records",
        "ground": 5,
        "effective_date": _iso(today),
        "until": _iso(today + dt.timedelta(days=60)),
    }
    r = await _post(client, staff, urls.suspend(number), number, {**body, "surcharge_instead": 200_000_001})
    assert "surcharge_instead" in str(assert_problem(r, 422, "INVALID_BODY")["errors"])
    r = await _post(client, staff, urls.suspend(number), number, {**body, "surcharge_instead": 30_000_000})
    assert r.status_code == 200 and r.json()["result"] == "certified", r.text
    event = (await client.get(urls.history(number))).json()["events"][-1]
    assert (event["kind"], event["surcharge"]) == ("surcharged", 30_000_000) and "제58조" in event["basis_ko"]


async def test_a_revocation_needs_a_hearing_and_shows_its_ground_in_both_languages(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    today = today_in_korea()
    revoke = {"reason": "forged validation data", "ground": 1, "effective_date": _iso(today)}
    r = await client.post(urls.revoke(number), json=revoke, headers=staff.regulator)
    assert r.status_code == 428
    r = await _post(client, staff, urls.revoke(number), number, revoke)
    problem = assert_problem(r, 409, "HEARING_REQUIRED")
    assert [e["field"] for e in problem["errors"]] == ["effective_date"] and "제57조" in problem["basis_ko"]
    hearing = {"held_on": _iso(today + dt.timedelta(days=1)), "outcome": "held", "note": "the holder was heard"}
    r = await _post(client, staff, urls.hearings(number), number, hearing)
    assert r.status_code == 201, r.text
    assert r.json()["events"][-1]["hearing_outcome"] == "held"
    r = await _post(client, staff, urls.revoke(number), number, revoke)  # the hearing is after the revocation day
    assert_problem(r, 409, "HEARING_REQUIRED")
    r = await _post(client, staff, urls.hearings(number), number, {"held_on": _iso(today), "outcome": "bogus"})
    assert "outcome" in str(assert_problem(r, 422, "INVALID_BODY")["errors"])
    r = await _post(
        client, staff, urls.hearings(number), number, {"held_on": _iso(today), "outcome": "waived_by_holder"}
    )
    assert r.status_code == 201, r.text
    r = await _post(client, staff, urls.revoke(number), number, revoke)
    assert r.status_code == 200 and r.json()["status"] == "revoked", r.text
    verification = (await client.get(urls.certificate(number))).json()
    assert verification["ground_ko"] == "제49조의2제4항제1호: 거짓이나 부정한 방법으로 인증을 받은 경우"
    assert verification["ground_en"].startswith("Art. 49-2(4) item 1: the certification was obtained by falsehood")
    assert "제57조" in verification["basis_ko"]
    events = (await client.get(urls.history(number))).json()["events"]
    assert [e["kind"] for e in events] == ["issued", "hearing", "revoked", "hearing"]
    revoked = events[2]
    assert revoked["ground_ko"] == verification["ground_ko"] and revoked["ground_en"] == verification["ground_en"]
    r = await _post(client, staff, urls.reinstate(number), number, {"reason": "x", "effective_date": _iso(today)})
    problem = assert_problem(r, 409, "ILLEGAL_TRANSITION")
    assert "final" in problem["detail"] and "revoked" not in problem["detail_ko"]
    # A Korean sentence with a standing writes the standing in Korean.
    change = await create_application(client, lab, [evidence_item("EXE-STR")], kind="change", certificate=number)
    r = await client.post(urls.submit(change["id"]), headers=lab.headers)
    problem = assert_problem(r, 409, "CERTIFICATE_NOT_ACTIVE")
    assert "'취소' 상태" in problem["detail_ko"] and "revoked" not in problem["detail_ko"]
    assert "is revoked on" in problem["detail"] and problem["standing"] == "revoked"


def _history(number: str, kind: str, valid_from: str, valid_until: str, events=()) -> dict:
    return {
        "providers": [
            {
                "name_ko": "이전 기관",
                "name_en": "Earlier Lab",
                "business_number": business_number(),
                "contact_email": f"{unique('early')}@lab.example",
                "certificates": [
                    {
                        "number": number,
                        "kind": kind,
                        "valid_from": valid_from,
                        "valid_until": valid_until,
                        "items": [{"code": "NUT-VITD"}],
                        "events": list(events),
                    }
                ],
            }
        ]
    }


def _serial() -> int:
    return int(unique("n").split("-")[1]) % 9000 + 1000


@pytest.mark.parametrize(
    ("kind", "valid_from"), [("certification", "2022-12-29"), ("pilot", "2019-06-01"), ("pilot", "2022-12-30")]
)
async def test_no_certificate_is_brought_in_from_before_its_regime(database, kind, valid_from):
    number = f"DTC-{'P' if kind == 'pilot' else ''}2022-{_serial()}"
    with pytest.raises(DomainError) as refused:
        await import_history(_history(number, kind, valid_from, "2025-12-28"))
    assert refused.value.problem == "INVALID_BODY.fields"
    assert [e.field for e in refused.value.errors] == ["providers.0.certificates.0.valid_from"]


async def test_imported_measures_follow_the_same_rules(database):
    number = f"DTC-2022-{_serial()}"
    revocation = {"kind": "revoked", "effective_date": "2024-01-10", "ground": 3, "reason": "items outside"}
    with pytest.raises(DomainError) as refused:
        await import_history(_history(number, "certification", "2022-12-30", "2025-12-29", [revocation]))
    assert "hearing" in refused.value.errors[0].reason
    fraud = {"kind": "suspended", "effective_date": "2023-05-01", "until": "2023-06-01", "ground": 1}
    with pytest.raises(DomainError) as refused:
        await import_history(_history(number, "certification", "2022-12-30", "2025-12-29", [fraud]))
    assert "revocation" in refused.value.errors[0].reason
    hearing = {"kind": "hearing", "effective_date": "2024-01-05", "outcome": "not_attended"}
    assert await import_history(
        _history(number, "certification", "2022-12-30", "2025-12-29", [hearing, revocation])
    ) == [number]
