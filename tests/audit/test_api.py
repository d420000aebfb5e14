"""The audit log over HTTP: `before` and `after` as JSON objects, newest first, filtered by entity,
action, actor and Korean days, page by page."""

import datetime as dt

from registry.audit import urls
from registry.certification import urls as certification_urls
from registry.kernel.clock import today_in_korea
from tests.workflow import assert_problem, create_application, evidence_item, make_staff, register_lab


async def test_events_newest_first_with_filters(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    assert (await client.post(certification_urls.submit(app["id"]), headers=lab.headers)).status_code == 200
    assert (await client.post(certification_urls.start_review(app["id"]), headers=staff.reviewer)).status_code == 200

    def get(**params):
        return client.get(urls.EVENTS, params=params, headers=staff.regulator)

    body = (await get(entity_type="application", entity_id=app["number"])).json()
    assert [e["action"] for e in body["data"]] == [
        "application.review_started",
        "application.submitted",
        "application.created",
    ]
    assert body["total"] == 3
    submitted = body["data"][1]
    assert submitted["before"] == {"state": "draft"} and submitted["after"]["state"] == "submitted"
    assert isinstance(body["data"][2]["after"]["items"], list) and body["data"][2]["before"] is None
    seqs = [e["seq"] for e in body["data"]]
    assert seqs == sorted(seqs, reverse=True)

    # By action and actor: the reviewer's review_started events; another actor has none of this one.
    reviewer_id = body["data"][0]["actor_id"]
    mine = (await get(action="application.review_started", actor_id=reviewer_id)).json()
    assert [e["entity_id"] for e in mine["data"]] == [app["number"]]
    none = (await get(action="application.review_started", actor_id=staff.regulator_id)).json()
    assert none["data"] == [] and none["total"] == 0

    # By Korean days: today holds them, tomorrow none.
    today = today_in_korea()
    assert (await get(entity_id=app["number"], since=today.isoformat(), until=today.isoformat())).json()["total"] == 3
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert (await get(entity_id=app["number"], since=tomorrow)).json()["total"] == 0
    assert (await get(entity_id=app["number"], until=(today - dt.timedelta(days=1)).isoformat())).json()["total"] == 0

    # Page by page, newest first: the pages join into the whole.
    first = (await get(entity_id=app["number"], limit=2)).json()
    rest = (await get(entity_id=app["number"], limit=2, cursor=first["next_cursor"])).json()
    assert [e["seq"] for e in first["data"] + rest["data"]] == seqs and rest["next_cursor"] is None

    assert_problem(await get(since="yesterday"), 400, "INVALID_PARAMETER")
    assert_problem(await get(actor_id="0"), 400, "INVALID_PARAMETER")
    assert_problem(await get(who="me"), 400, "UNKNOWN_PARAMETER")
