"""`dtc-registry events`: what waits in the outbox, and a relay run as a process of its own."""

from registry.db.engine import write_transaction
from registry.kernel.events import Topic, announce
from registry.kernel.tables import OutboxEvent
from tests.cli.helpers import run


async def test_a_relay_process_hands_over_what_is_pending(database, engine):
    async with write_transaction():  # no relay runs in this process: the event waits
        event_id = await announce(Topic.edition_published, version="test-relay-process")
    shown = run("events", "status", database=database)
    assert shown.returncode == 0 and "pending" in shown.stdout, shown.stderr
    done = run("events", "relay", "--once", database=database)
    assert done.returncode == 0 and "handled" in done.stdout, done.stderr
    row = await OutboxEvent.select(OutboxEvent.handled_at).where(OutboxEvent.id == event_id).first()
    assert row["handled_at"] is not None
