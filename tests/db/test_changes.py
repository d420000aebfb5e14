"""The change signal: a commit changes the generation in this process and in every other; a rollback, a
dry run or a lease of the outbox does not; while PostgreSQL's listener is down the generation is unknown."""

import asyncio

import pytest

from registry.db import changes
from registry.db.engine import engine_from_url, prepare_engine, release_engine, write_transaction
from registry.db.tables import NumberCounter


async def _write() -> None:
    await NumberCounter.raw("SELECT 1")


async def _listening(engine) -> None:
    await changes.listen(engine)
    assert changes.generation(engine) is not None


def _append(path: str) -> None:
    with open(path, "ab") as file:
        file.write(b".")


async def _eventually(predicate, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


async def test_a_commit_changes_the_generation(engine):
    await _listening(engine)
    before = changes.generation(engine)
    async with write_transaction():
        await _write()
    assert changes.generation(engine) not in (before, None)


async def test_a_rollback_a_dry_run_and_an_unannounced_write_leave_it(engine):
    await _listening(engine)
    before = changes.generation(engine)
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await _write()
            raise RuntimeError("refused")
    async with write_transaction(dry_run=True):
        await _write()
    async with write_transaction(announce=False):
        await _write()
    assert changes.generation(engine) == before


async def test_an_announced_write_nested_in_an_unannounced_one_announces(engine):
    await _listening(engine)
    before = changes.generation(engine)
    async with write_transaction(announce=False):
        async with write_transaction():
            await _write()
    assert changes.generation(engine) not in (before, None)


async def test_another_process_s_commit_is_seen_and_its_dry_run_is_not(database, engine):
    """Another engine on the same database stands for another worker (or a CLI command) beside this one."""
    await _listening(engine)
    other = engine_from_url(database.url)
    await prepare_engine(other, pool_max=1)
    try:
        from registry.db import engine as storage

        before = changes.generation(engine)
        storage._current = other
        try:
            async with write_transaction(dry_run=True):
                pass
        finally:
            storage._current = engine
        await asyncio.sleep(0.2)  # a notification, were one sent, would have arrived
        assert changes.generation(engine) == before
        storage._current = other
        try:
            async with write_transaction():
                pass
        finally:
            storage._current = engine
        assert await _eventually(lambda: changes.generation(engine) not in (before, None))
    finally:
        await release_engine(other)


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_while_the_listener_is_down_the_generation_is_unknown(database, engine):
    assert changes.generation(engine) is None, "not listening yet: unknown"
    await _listening(engine)
    before = changes.generation(engine)
    listener = changes._signal(engine)._connection
    await engine.run_ddl(f"SELECT pg_terminate_backend({listener.get_server_pid()})")
    assert await _eventually(lambda: changes.generation(engine) is None)
    assert await _eventually(lambda: changes.generation(engine) is not None)
    assert changes.generation(engine) != before, "a reconnect starts a new generation"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_sqlite_touches_a_sidecar_that_other_processes_stat(database, engine):
    sidecar = engine.connection_kwargs["database"] + ".changes"
    async with write_transaction():
        await _write()
    before = changes.generation(engine)
    _append(sidecar)  # what another process's commit does
    assert changes.generation(engine) != before
