"""The audit chain notices rows edited or deleted behind the registry's back, on both engines."""

import contextlib
import os
import subprocess
import sys

from registry.audit import urls
from registry.audit.service import SYSTEM, Change, record, record_many, verify
from registry.audit.tables import AuditEvent
from registry.db.engine import current_engine, write_transaction


async def write_events(n: int) -> None:
    for i in range(n):
        async with write_transaction():
            await record(SYSTEM, "test.event", "thing", i, before={"n": i}, after={"n": i + 1})


async def test_an_untouched_chain_is_intact(fresh_database):
    await write_events(5)
    report = await verify()
    assert report.intact and report.events == 5


async def test_edited_row_is_named(fresh_database):
    await write_events(5)
    engine = current_engine()
    await engine.run_ddl("UPDATE audit_event SET after = '{\"n\":99}' WHERE seq = 3")
    report = await verify()
    assert report.first_break.seq == 3 and "changed" in report.first_break.reason_en
    await engine.run_ddl("UPDATE audit_event SET after = '{\"n\":3}' WHERE seq = 3")
    assert (await verify()).intact  # putting the content back restores the chain


async def test_deleted_row_is_named(fresh_database):
    await write_events(5)
    await current_engine().run_ddl("DELETE FROM audit_event WHERE seq = 2")
    report = await verify()
    assert report.first_break.seq == 2 and "missing" in report.first_break.reason_en


async def test_deleting_the_newest_events_is_noticed(fresh_database):
    await write_events(5)
    await current_engine().run_ddl("DELETE FROM audit_event WHERE seq >= 4")
    report = await verify()
    assert not report.intact and report.first_break.seq == 4
    assert "newest events" in report.first_break.reason_en


async def test_replaced_row_with_a_recomputed_hash_is_named(fresh_database):
    """Event 2 looks sound by itself; event 3, untouched, still names its original hash: 2 is named."""
    await write_events(4)
    row = await AuditEvent.select().where(AuditEvent.seq == 2).first()
    from registry.audit.model import HASHED_FIELDS, event_hash

    forged = {**{f: row[f] for f in HASHED_FIELDS}, "after": '{"n":1000}'}
    digest = event_hash(row["prev_hash"], forged)
    await current_engine().run_ddl(f"UPDATE audit_event SET after = '{{\"n\":1000}}', hash = '{digest}' WHERE seq = 2")
    broken = (await verify()).first_break
    assert broken.seq == 2 and "replaced" in broken.reason_en


async def test_http_and_cli_report_the_first_broken_link(fresh_database, client_for):
    await write_events(3)
    await current_engine().run_ddl("UPDATE audit_event SET actor = 'someone else' WHERE seq = 2")
    from registry.accounts.model import Role
    from registry.accounts.service import create_user
    from tests.workflow import PASSWORD, sign_in

    async with client_for(fresh_database) as client:
        await create_user("auditor@staff.example", "Auditor", Role.regulator, PASSWORD)
        headers = await sign_in(client, "auditor@staff.example")
        body = (await client.get(urls.VERIFY, headers=headers)).json()
    assert body["intact"] is False and body["first_broken_event"] == 2
    assert body["reason_ko"]
    result = subprocess.run(
        [sys.executable, "-m", "registry.cli", "audit", "verify"],
        env={**os.environ, "DATABASE_URL": fresh_database.url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "BROKEN at event 2" in result.stderr


async def test_events_appended_together_are_chained_as_if_one_by_one(fresh_database):
    await write_events(2)
    async with write_transaction():
        last = await record_many(SYSTEM, [Change("test.event", "thing", i, after={"n": i + 1}) for i in range(2, 5)])
    assert last == 5
    report = await verify()
    assert report.intact and report.events == 5
    rows = await AuditEvent.select(AuditEvent.seq, AuditEvent.entity_id).order_by(AuditEvent.seq)
    assert [(r["seq"], r["entity_id"]) for r in rows] == [(n + 1, str(n)) for n in range(5)]


async def test_events_appended_together_roll_back_with_their_change(fresh_database):
    await write_events(1)
    with contextlib.suppress(RuntimeError):
        async with write_transaction():
            await record_many(SYSTEM, [Change("test.event", "thing", i) for i in range(3)])
            raise RuntimeError("the change fails")
    report = await verify()
    assert report.intact and report.events == 1
