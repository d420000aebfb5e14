"""No lost updates and no duplicates under real concurrent requests, on SQLite and PostgreSQL."""

import asyncio
import datetime as dt

from registry.audit.tables import AuditEvent
from registry.certification import urls
from registry.certification.tables import Application
from registry.kernel.clock import today_in_korea
from registry.providers import urls as providers_urls
from tests.workflow import (
    EVALUATION,
    certify,
    create_application,
    evidence_item,
    make_staff,
    register_lab,
    through_review,
    unique,
)

ATTEMPTS = 8


async def test_concurrent_decisions_exactly_one_wins(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    assert (await client.post(urls.submit(app["id"]), headers=lab.headers)).status_code == 200
    view = await through_review(client, staff, app["id"])
    decision = {"items": [{"code": "NUT-VITD", "outcome": "approved"}]}
    headers = {**staff.regulator, "If-Match": view["etag"]}

    responses = await asyncio.gather(
        *[client.post(urls.decision(app["id"]), json=decision, headers=headers) for _ in range(ATTEMPTS)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (ATTEMPTS - 1), [r.text[:200] for r in responses]
    assert all(r.json()["code"] == "PRECONDITION_FAILED" for r in responses if r.status_code == 412)
    # One certificate, one decision event.
    provider = (await client.get(providers_urls.provider(lab.provider_id))).json()
    assert len(provider["certificates"]) == 1
    decided = await AuditEvent.count().where(
        AuditEvent.action == "application.decided", AuditEvent.entity_id == app["number"]
    )
    assert decided == 1


async def test_same_idempotency_key_concurrently_makes_one_submission(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    headers = {**lab.headers, "Idempotency-Key": unique("key")}

    responses = await asyncio.gather(*[client.post(urls.submit(app["id"]), headers=headers) for _ in range(ATTEMPTS)])
    assert [r.status_code for r in responses] == [200] * ATTEMPTS, [r.text[:200] for r in responses]
    assert len({r.text for r in responses}) == 1
    assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") == "true") == ATTEMPTS - 1
    submitted = await AuditEvent.count().where(
        AuditEvent.action == "application.submitted", AuditEvent.entity_id == app["number"]
    )
    assert submitted == 1

    # The key belongs to that request: reused for another body, it is refused.
    r = await client.post(urls.submit(app["id"]), json={"response": "different"}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_concurrent_submissions_without_a_key_submit_once(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    responses = await asyncio.gather(
        *[client.post(urls.submit(app["id"]), headers=lab.headers) for _ in range(ATTEMPTS)]
    )
    statuses = sorted(r.status_code for r in responses)
    # The losers see either the submitted state (409) or a version that moved under them (412).
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409, 412}, statuses
    submitted = await AuditEvent.count().where(
        AuditEvent.action == "application.submitted", AuditEvent.entity_id == app["number"]
    )
    assert submitted == 1


async def test_concurrent_suspensions_one_wins(client):
    from tests.workflow import certify

    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    cert = (await client.get(urls.certificate(number))).json()
    import datetime as dt

    from registry.kernel.clock import today_in_korea

    soon = (today_in_korea() + dt.timedelta(days=30)).isoformat()
    until = (today_in_korea() + dt.timedelta(days=120)).isoformat()
    body = {"reason": "EQA failure", "ground": 2, "effective_date": soon, "until": until}
    headers = {**staff.regulator, "If-Match": cert["etag"]}
    responses = await asyncio.gather(
        *[client.post(urls.suspend(number), json=body, headers=headers) for _ in range(ATTEMPTS)]
    )
    assert sorted(r.status_code for r in responses) == [200] + [412] * (ATTEMPTS - 1)
    history = (await client.get(urls.history(number))).json()
    assert [e["kind"] for e in history["events"]].count("suspended") == 1


# --- races found by a fault run: each must give no 5xx, the right winners, one audit event per change ----


def no_server_errors(responses) -> None:
    assert not [r for r in responses if r.status_code >= 500], [r.text[:300] for r in responses if r.status_code >= 500]


async def test_fifty_applications_at_once_get_fifty_numbers(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    body = {"kind": "initial", "items": [evidence_item("NUT-VITD")]}
    responses = await asyncio.gather(
        *[client.post(urls.APPLICATIONS, json=body, headers=lab.headers) for _ in range(50)]
    )
    no_server_errors(responses)
    assert [r.status_code for r in responses] == [201] * 50
    numbers = {r.json()["number"] for r in responses}
    assert len(numbers) == 50
    stored = {
        r["number"] for r in await Application.select(Application.number).where(Application.number.is_in(list(numbers)))
    }
    assert stored == numbers  # every acknowledged write is there
    created = await AuditEvent.count().where(
        AuditEvent.action == "application.created", AuditEvent.entity_id.is_in(list(numbers))
    )
    assert created == 50


async def test_approvals_of_different_applications_at_once_issue_distinct_certificates(client):
    staff = await make_staff(client)
    ready = []
    for _ in range(8):
        lab = await register_lab(client, staff)
        app = await create_application(client, lab, [evidence_item("NUT-VITD")])
        assert (await client.post(urls.submit(app["id"]), headers=lab.headers)).status_code == 200
        ready.append((app, await through_review(client, staff, app["id"])))
    decision = {"items": [{"code": "NUT-VITD", "outcome": "approved"}]}
    responses = await asyncio.gather(
        *[
            client.post(urls.decision(app["id"]), json=decision, headers={**staff.regulator, "If-Match": view["etag"]})
            for app, view in ready
        ]
    )
    no_server_errors(responses)
    assert [r.status_code for r in responses] == [200] * len(ready)
    numbers = [
        (await client.get(providers_urls.provider(r.json()["provider_id"]))).json()["certificate_number"]
        for r in responses
    ]
    assert len(set(numbers)) == len(ready) and all(numbers), numbers
    issued = await AuditEvent.count().where(
        AuditEvent.action == "certificate.issued", AuditEvent.entity_id.is_in(numbers)
    )
    assert issued == len(ready)


async def test_a_decision_and_a_status_change_on_one_certificate_at_once(client):
    staff = await make_staff(client)
    for _ in range(4):
        lab = await register_lab(client, staff)
        number = await certify(client, staff, lab, ["NUT-VITD"])
        change = await create_application(client, lab, [evidence_item("EXE-STR")], kind="change", certificate=number)
        assert (await client.post(urls.submit(change["id"]), headers=lab.headers)).status_code == 200
        view = await through_review(client, staff, change["id"])
        certificate = (await client.get(urls.certificate(number))).json()
        suspension = {
            "reason": "EQA failure",
            "ground": 2,
            "effective_date": (today_in_korea() + dt.timedelta(days=30)).isoformat(),
            "until": (today_in_korea() + dt.timedelta(days=120)).isoformat(),
        }
        decision, suspend = await asyncio.gather(
            client.post(
                urls.decision(change["id"]),
                json={"items": [{"code": "EXE-STR", "outcome": "approved"}]},
                headers={**staff.regulator, "If-Match": view["etag"]},
            ),
            client.post(
                urls.suspend(number), json=suspension, headers={**staff.regulator2, "If-Match": certificate["etag"]}
            ),
        )
        no_server_errors([decision, suspend])
        assert decision.status_code == 200, decision.text
        assert suspend.status_code in (200, 412), suspend.text  # a decision that touched the certificate first wins


async def test_parallel_verifications_of_one_organisation_verify_it_once(client):
    staff = await make_staff(client)
    lab = await register_lab(client)  # not verified yet
    responses = await asyncio.gather(
        *[client.post(providers_urls.verify(lab.provider_id), headers=staff.regulator) for _ in range(20)]
    )
    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 19
    verified = await AuditEvent.count().where(
        AuditEvent.action == "provider.verified", AuditEvent.entity_id == str(lab.provider_id)
    )
    assert verified == 1


async def test_no_earlier_evaluator_may_decide(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    assert (await client.post(urls.submit(app["id"]), headers=lab.headers)).status_code == 200
    assert (await client.post(urls.start_review(app["id"]), headers=staff.regulator)).status_code == 200
    # Regulator A evaluates, regulator B evaluates again; A may still not decide.
    assert (await client.post(urls.evaluation(app["id"]), json=EVALUATION, headers=staff.regulator)).status_code == 200
    view = await client.post(urls.evaluation(app["id"]), json=EVALUATION, headers=staff.regulator2)
    assert view.status_code == 200
    r = await client.post(
        urls.decision(app["id"]),
        json={"items": [{"code": "NUT-VITD", "outcome": "approved"}]},
        headers={**staff.regulator, "If-Match": view.json()["etag"]},
    )
    assert r.status_code == 403 and r.json()["code"] == "DECIDER_IS_EVALUATOR"


async def test_a_draft_cannot_be_edited_to_name_another_organisation_s_certificate(client):
    staff = await make_staff(client)
    lab, other = await register_lab(client, staff), await register_lab(client, staff)
    mine = await certify(client, staff, lab, ["NUT-VITD"])
    theirs = await certify(client, staff, other, ["NUT-VITD"])
    draft = await create_application(client, lab, [evidence_item("EXE-STR")], kind="change", certificate=mine)
    body = {"kind": "change", "certificate_number": theirs, "items": [evidence_item("EXE-STR")]}
    r = await client.put(urls.application(draft["id"]), json=body, headers={**lab.headers, "If-Match": draft["etag"]})
    assert (
        r.status_code == 404
        and r.json()["code"] == "NOT_FOUND"
        and r.json()["errors"][0]["field"] == "certificate_number"
    )
    stored = (await client.get(urls.application(draft["id"]), headers=lab.headers)).json()
    assert stored["certificate_number"] == mine
