"""No lost updates and no duplicates under real concurrent requests, on SQLite and PostgreSQL."""

import asyncio

from registry.audit.tables import AuditEvent
from registry.certification import urls
from registry.providers import urls as providers_urls
from tests.workflow import create_application, evidence_item, make_staff, register_lab, through_review, unique

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
    body = {"reason": "EQA failure", "ground": 2, "effective_date": soon}
    headers = {**staff.regulator, "If-Match": cert["etag"]}
    responses = await asyncio.gather(
        *[client.post(urls.suspend(number), json=body, headers=headers) for _ in range(ATTEMPTS)]
    )
    assert sorted(r.status_code for r in responses) == [200] + [412] * (ATTEMPTS - 1)
    history = (await client.get(urls.history(number))).json()
    assert [e["kind"] for e in history["events"]].count("suspended") == 1
