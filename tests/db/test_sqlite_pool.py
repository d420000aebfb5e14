"""SQLite, the embedded default: a fixed set of connections, reused, whatever the load."""

import asyncio
import os

import pytest

from registry.catalog import urls as catalog_urls
from registry.db.engine import SQLITE_READERS, PooledSQLiteEngine, read_transaction, write_transaction
from registry.providers import urls as provider_urls


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


# The connection pool is SQLite's: these tests run on the SQLite database only.
pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


async def test_500_concurrent_reads_reuse_a_bounded_set_of_connections(database, client_for):
    before = open_descriptors()
    async with client_for(database) as http:
        paths = [f"{provider_urls.BASE}?q=Hanbit", catalog_urls.VERSIONS]
        responses = await asyncio.gather(*(http.get(paths[i % 2]) for i in range(500)))
        during = open_descriptors()
    after = open_descriptors()
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert {r.status_code for r in responses} == {200}
    # a writer and SQLITE_READERS readers, each with the database and its WAL file open
    assert during - before <= 3 * (SQLITE_READERS + 1) + 4
    assert after <= before + 2, "connections stay open after the app stopped"


async def test_connections_are_reused_and_pragmas_set(database, engine):
    assert isinstance(engine, PooledSQLiteEngine)
    seen = set()
    for _ in range(20):
        async with read_transaction():
            connection = engine.current_transaction.get().connection
            seen.add(id(connection))
            rows = await engine.run_ddl("PRAGMA busy_timeout")
            assert rows == [{"timeout": 5000}]
            assert await engine.run_ddl("PRAGMA synchronous") == [{"synchronous": 1}]  # NORMAL
            assert await engine.run_ddl("PRAGMA foreign_keys") == [{"foreign_keys": 1}]
    async with write_transaction():
        writer = engine.current_transaction.get().connection
    async with write_transaction():
        assert engine.current_transaction.get().connection is writer
    assert len(seen) == 1
    assert (await engine.run_ddl("PRAGMA journal_mode")) == [{"journal_mode": "wal"}]


async def test_a_failed_transaction_gives_its_connection_back(database, engine):
    for _ in range(SQLITE_READERS * 3):
        with pytest.raises(ZeroDivisionError):
            async with read_transaction():
                await engine.run_ddl("SELECT 1")
                1 / 0  # noqa: B018
        with pytest.raises(ZeroDivisionError):
            async with write_transaction():
                await engine.run_ddl("SELECT 1")
                1 / 0  # noqa: B018
    async with asyncio.timeout(5):
        await asyncio.gather(*(engine.run_ddl("SELECT 1") for _ in range(50)))
    pool = engine.pool()
    assert len(pool.opened) <= SQLITE_READERS
    assert pool.idle.qsize() == len(pool.opened)
