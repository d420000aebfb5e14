"""Domain events through the outbox: written with the change, handled after the commit, never lost when a
process dies in between, handed to one relay at a time when several run — on SQLite and PostgreSQL."""

import asyncio

from registry.audit import urls as audit_urls
from registry.db.engine import write_transaction
from registry.kernel.events import Relay, Topic, announce, pending_events
from registry.kernel.tables import OutboxEvent
from registry.panels import urls as panels_urls
from tests.conftest import http_client
from tests.workflow import certify, make_staff, register_lab, suspend_today

VITD = {"code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"]}


async def test_a_process_that_dies_between_commit_and_recheck_loses_nothing(database):
    # A process whose relay never runs stands for one killed right after its commit: the suspension is
    # stored with its event, and nothing has re-checked the panel yet.
    async with http_client(database, dispatch_events=False) as client:
        staff = await make_staff(client)
        lab = await register_lab(client, staff)
        number = await certify(client, staff, lab, ["NUT-VITD"])
        panel = (await client.post(panels_urls.PANELS, json={"name": "D", "items": [VITD]}, headers=lab.headers)).json()
        assert panel["latest_check"]["verdict"] == "permitted"
        r = await suspend_today(client, staff, number)
        assert r.status_code == 200, r.text
        stale = (await client.get(panels_urls.panel(panel["id"]), headers=lab.headers)).json()
        assert stale["latest_check"]["verdict"] == "permitted"
        assert await pending_events() >= 1
    # The next start takes up what was left before it serves anything.
    async with http_client(database) as client:
        after = (await client.get(panels_urls.panel(panel["id"]), headers=lab.headers)).json()
        assert after["latest_check"]["verdict"] == "not_permitted"
        assert [f["code"] for f in after["latest_check"]["findings"]] == ["CERTIFICATE_SUSPENDED"]
        audit = (
            await client.get(f"{audit_urls.EVENTS}?entity_type=panel&entity_id={panel['id']}", headers=staff.regulator)
        ).json()
        assert [e["action"] for e in audit["data"]] == ["panel.verdict_changed", "panel.registered"]  # newest first
        assert await pending_events() == 0


async def test_several_relays_hand_each_event_to_one_listener_once(engine):
    seen: list[int] = []

    async def listener(event):
        await asyncio.sleep(0.001)  # let the other relays claim meanwhile
        seen.append(event.id)

    async with write_transaction():
        ids = [await announce(Topic.edition_published, version=f"test-{n}") for n in range(60)]
    relays = [Relay({Topic.edition_published: [listener]}, batch=4) for _ in range(3)]
    handled = await asyncio.gather(*(relay.drain(ids) for relay in relays))
    assert sorted(seen) == sorted(ids) and sum(handled) == len(ids)
    rows = await OutboxEvent.select(OutboxEvent.attempts, OutboxEvent.handled_at).where(OutboxEvent.id.is_in(ids))
    assert all(r["handled_at"] is not None and r["attempts"] == 1 for r in rows)


async def test_a_failing_listener_leaves_the_event_for_a_later_pass(engine):
    calls: list[int] = []

    async def flaky(event):
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("listener down")

    async with write_transaction():
        event_id = await announce(Topic.edition_published, version="test-flaky")
    relay = Relay({Topic.edition_published: [flaky]}, lease_seconds=0)
    assert await relay.drain([event_id]) == 0
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    assert row["handled_at"] is None and row["attempts"] == 1 and "listener down" in row["last_error"]
    assert await relay.drain([event_id]) == 1
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    assert row["handled_at"] is not None and row["attempts"] == 2 and row["last_error"] == ""


async def test_an_event_announced_in_a_transaction_that_rolls_back_never_existed(engine):
    before = await OutboxEvent.count()
    try:
        async with write_transaction():
            await announce(Topic.edition_published, version="test-rolled-back")
            raise RuntimeError("the change fails after announcing")
    except RuntimeError:
        pass
    assert await OutboxEvent.count() == before
