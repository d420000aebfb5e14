"""New items certified to an institution (Art. 49-2(2)): from the day of approval the laboratory's own
certificate decides, and the catalogue shows the item in the union; the announced editions stay as they are."""

import datetime as dt

from registry.catalog import urls as catalog_urls
from registry.kernel.clock import today_in_korea
from registry.panels import urls as panel_urls
from tests.workflow import (
    approve_with_proposal,
    certify,
    make_staff,
    proposal,
    register_lab,
    unique,
)


async def test_an_approved_new_item_passes_that_laboratory_s_check_the_same_day(client):
    staff = await make_staff(client)
    lab, other = await register_lab(client, staff), await register_lab(client, staff)
    await certify(client, staff, other, ["NUT-VITD"])
    new_code = f"TRT-{unique('N').replace('-', '')[:10].upper()}"
    today = today_in_korea()
    item = {"code": new_code, "genes": [], "markers": ["rs671"]}
    # Registered before the approval: refused (no certificate, and no one is certified for the item yet).
    r = await client.post(panel_urls.PANELS, json={"name": "New", "items": [item]}, headers=lab.headers)
    assert r.status_code == 201, r.text
    panel = r.json()
    assert panel["latest_check"]["verdict"] == "not_permitted"
    editions_before = (await client.get(catalog_urls.VERSIONS)).json()

    decided = await approve_with_proposal(client, staff, lab, new_code)

    # The same day, with no other step: the laboratory's own certificate decides.
    r = await client.post(panel_urls.CHECK, json={"items": [item]}, headers=lab.headers)
    assert r.json()["verdict"] == "permitted", r.text
    r = await client.post(panel_urls.CHECK, json={"items": [item]}, headers=other.headers)
    assert r.json()["verdict"] == "not_permitted"
    assert [f["code"] for f in r.json()["findings"]] == ["ITEM_NOT_CERTIFIED"]
    # The registered panel was re-checked by the approval's events.
    again = (await client.get(panel_urls.panel(panel["id"]), headers=lab.headers)).json()
    assert again["latest_check"]["verdict"] == "permitted", again["latest_check"]

    # The catalogue shows it in the union from the day of approval, with its source; not the day before.
    now = (await client.get(f"{catalog_urls.CURRENT}?as_of={today}")).json()
    listed = {c["code"]: c for c in now["certified_items"]}
    assert listed[new_code]["first_certified_on"] == today.isoformat()
    assert listed[new_code]["source_application"] == decided["number"]
    assert listed[new_code]["in_edition"] == "not_listed" and listed[new_code]["name_ko"] == "시험용 제안 항목"
    assert now["items_in_union"] >= now["items_known"] + 1
    yesterday = (await client.get(f"{catalog_urls.CURRENT}?as_of={today - dt.timedelta(days=1)}")).json()
    assert new_code not in {c["code"] for c in yesterday["certified_items"]}
    before_2022 = (await client.get(f"{catalog_urls.CURRENT}?as_of=2022-06-01")).json()
    assert before_2022["certified_items"] == [] and before_2022["items_in_union"] is None
    # The announcements stay as they are.
    assert (await client.get(catalog_urls.VERSIONS)).json()["data"] == editions_before["data"]


async def test_the_listener_is_idempotent(client):
    from registry.catalog.service import take_approved_proposals
    from registry.catalog.tables import CatalogueCertifiedItem
    from registry.kernel.events import DomainEvent, Topic

    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    new_code = f"TRT-{unique('I').replace('-', '')[:10].upper()}"
    decided = await approve_with_proposal(client, staff, lab, new_code)
    event = DomainEvent(
        0,
        Topic.application_decided,
        {
            "application": decided["number"],
            "provider_id": lab.provider_id,
            "decided_on": today_in_korea().isoformat(),
            "actor_id": 0,
            "actor": "test",
            "approved_proposals": [{"code": new_code, **{k: v for k, v in proposal(new_code).items() if k in (
                "name_ko", "name_en", "category", "tier", "rationale")}}],
        },
    )  # fmt: skip
    await take_approved_proposals(event)  # delivered a second time
    assert await CatalogueCertifiedItem.count().where(CatalogueCertifiedItem.code == new_code) == 1


async def test_an_approval_when_tomorrow_s_edition_is_published_opens_the_next_free_draft(fresh_database, client_for):
    from registry.catalog.service import import_catalogue
    from tests.conftest import rules_path
    from tests.workflow import announcement

    await import_catalogue(rules_path("catalog"))
    tomorrow = today_in_korea() + dt.timedelta(days=1)
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        draft = {"version": tomorrow.isoformat(), **announcement(190)}
        assert (await client.post(catalog_urls.VERSIONS, json=draft, headers=staff.regulator)).status_code == 201
        assert (
            await client.post(catalog_urls.publish(tomorrow.isoformat()), headers=staff.regulator)
        ).status_code == 200
        lab = await register_lab(client, staff)
        new_code = f"TRT-{unique('T').replace('-', '')[:10].upper()}"
        await approve_with_proposal(client, staff, lab, new_code)

        now = (await client.get(catalog_urls.CURRENT)).json()
        assert new_code in {c["code"] for c in now["certified_items"]}  # recorded, not retried forever
        drafts = (await client.get(catalog_urls.DRAFTS, headers=staff.regulator)).json()["data"]
        assert [d["version"] for d in drafts] == [(tomorrow + dt.timedelta(days=1)).isoformat()]
