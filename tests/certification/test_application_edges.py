"""Applications at the edges people hit first: named by id or number wherever a path takes one, the
certificate a decision produced shown on the application, a regulator's queue with provider names, item
counts and days waiting over several states, and dry runs that say they are dry runs."""

from registry.certification import urls
from registry.certification.tables import Application
from tests.workflow import (
    assert_problem,
    certify,
    create_application,
    evidence_item,
    make_staff,
    register_lab,
    through_review,
)


async def test_the_number_works_wherever_the_id_does(client):
    staff = await make_staff(client)
    lab, other = await register_lab(client, staff), await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    number = app["number"]
    by_id = (await client.get(urls.application(app["id"]), headers=lab.headers)).json()
    for reference in (number, number.lower()):
        r = await client.get(urls.application(reference), headers=lab.headers)
        assert r.status_code == 200 and r.json() == by_id, reference
    r = await client.post(urls.submit(number), headers=lab.headers)
    assert r.status_code == 200 and r.json()["state"] == "submitted", r.text
    view = await through_review(client, staff, number)
    decided = await client.post(
        urls.decision(number),
        json={"items": [{"code": "NUT-VITD", "outcome": "approved"}]},
        headers={**staff.regulator, "If-Match": view["etag"]},
    )
    assert decided.status_code == 200, decided.text
    # Another organisation's application is not there, by number as by id; nor is a malformed number.
    for reference in (number, str(app["id"])):
        assert_problem(await client.get(urls.application(reference), headers=other.headers), 404, "NOT_FOUND")
    for reference in ("APP-20X6-00001", "APP-1999-00001", "app-", "12abc"):
        assert_problem(await client.get(urls.application(reference), headers=staff.regulator), 404, "NOT_FOUND")


async def test_a_decided_application_shows_the_certificate_it_produced(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    page = (await client.get(urls.APPLICATIONS, headers=lab.headers)).json()
    initial = page["data"][-1]
    body = (await client.get(initial["href"], headers=lab.headers)).json()
    assert body["state"] == "decided" and body["certificate_number"] is None  # an initial application names none
    produced = body["decided_certificate"]
    assert (produced["number"], produced["effect"], produced["href"]) == (number, "issued", urls.certificate(number))
    assert (await client.get(produced["href"])).json()["result"] == "certified"
    # A change adds items to the certificate it names: the decision shows the same certificate, items added.
    change = await create_application(client, lab, [evidence_item("NUT-VITC")], kind="change", certificate=number)
    assert change["decided_certificate"] is None
    assert (await client.post(urls.submit(change["number"]), headers=lab.headers)).status_code == 200
    view = await through_review(client, staff, change["id"])
    r = await client.post(
        urls.decision(change["id"]),
        json={"items": [{"code": "NUT-VITC", "outcome": "approved"}]},
        headers={**staff.regulator, "If-Match": view["etag"]},
    )
    assert (r.json()["decided_certificate"]["number"], r.json()["decided_certificate"]["effect"]) == (
        number,
        "items_added",
    )


async def test_a_regulator_s_queue_over_several_states(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    draft = await create_application(client, lab, [evidence_item("NUT-VITD")])
    waiting = await create_application(client, lab, [evidence_item("NUT-VITD"), evidence_item("NUT-VITC")])
    reviewed = await create_application(client, lab, [evidence_item("NUT-VITD")])
    for app in (waiting, reviewed):
        assert (await client.post(urls.submit(app["id"]), headers=lab.headers)).status_code == 200
    assert (await client.post(urls.start_review(reviewed["id"]), headers=staff.reviewer)).status_code == 200

    queue = await client.get(
        urls.APPLICATIONS, params=[("state", "submitted"), ("state", "under_review"), ("limit", "200")],
        headers=staff.regulator,
    )  # fmt: skip
    assert queue.status_code == 200, queue.text
    mine = {a["number"]: a for a in queue.json()["data"] if a["provider_id"] == lab.provider_id}
    assert set(mine) == {waiting["number"], reviewed["number"]}  # the draft is not in the queue
    row = mine[waiting["number"]]
    assert (row["provider_name_en"], row["provider_name_ko"]) == (lab.name_en, row["provider_name_ko"])
    assert row["provider_name_ko"].endswith("유전체")
    assert (row["item_count"], row["proposal_count"], row["waiting_days"]) == (2, 0, 0)
    assert (mine[reviewed["number"]]["state"], mine[reviewed["number"]]["waiting_days"]) == ("under_review", 0)
    assert queue.json()["total"] == await Application.count().where(
        Application.state.is_in(["submitted", "under_review"])
    )
    drafts = (await client.get(urls.APPLICATIONS, params={"state": "draft"}, headers=lab.headers)).json()["data"]
    assert [a["number"] for a in drafts] == [draft["number"]] and drafts[0]["waiting_days"] is None
    # Unknown states are refused, each named, with the states there are.
    for params in ([("state", "submitted"), ("state", "pending"), ("state", "done")], [("state", "a,b")]):
        body = assert_problem(await client.get(urls.APPLICATIONS, params=params, headers=staff.regulator), 400,
                              "UNKNOWN_VALUE")  # fmt: skip
        unknown = [v for k, v in params if k == "state" and v != "submitted"]
        assert body["unknown"] == unknown and "under_review" in body["allowed"]
        assert all(u in body["detail"] for u in unknown) and [e["field"] for e in body["errors"]] == ["state"] * len(
            unknown
        )


async def test_a_dry_run_says_it_is_one(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    good = {"kind": "initial", "items": [evidence_item("NUT-VITD")]}
    r = await client.post(urls.APPLICATIONS, params={"dry_run": "true"}, json=good, headers=lab.headers)
    assert (r.status_code, r.headers.get("Dry-Run"), r.json()["dry_run"]) == (200, "true", True)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    assert "Dry-Run" not in (await client.get(urls.application(app["id"]), headers=lab.headers)).headers
    r = await client.post(urls.submit(app["number"]), params={"dry_run": "true"}, headers=lab.headers)
    assert (r.status_code, r.headers.get("Dry-Run"), r.json()["dry_run"], r.json()["valid"]) == (
        200,
        "true",
        True,
        True,
    )
    assert (await client.get(urls.application(app["id"]), headers=lab.headers)).json()["state"] == "draft"
    # A refused dry run is a dry run too: the problem says so.
    bad = {"kind": "change", "certificate_number": "DTC-1999-0001", "items": [evidence_item("NUT-VITD")]}
    r = await client.post(urls.APPLICATIONS, params={"dry_run": "true"}, json=bad, headers=lab.headers)
    body = assert_problem(r, 404, "NOT_FOUND")  # a certificate not yours is none you can name
    assert body["dry_run"] is True and r.headers["Dry-Run"] == "true"
