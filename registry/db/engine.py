"""The database engine: SQLite by default (a file under ./var/), PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from registry.kernel.errors import DomainError

os.environ.setdefault("PICCOLO_CONF", "registry.piccolo_conf")


class SharedConnectionSQLiteEngine(SQLiteEngine):
    """Piccolo opens a new SQLite connection for every query outside a transaction (about 2 ms each
    as measured here). Queries outside a transaction (reads; every write goes through
    `write_transaction`) share one connection per event loop instead; transactions keep their own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shared: dict[int, tuple[asyncio.AbstractEventLoop, object]] = {}
        self._opening: dict[int, asyncio.Lock] = {}

    async def _shared_connection(self):
        loop = asyncio.get_running_loop()
        entry = self._shared.get(id(loop))
        if entry is not None and entry[0] is loop:
            return entry[1]
        lock = self._opening.setdefault(id(loop), asyncio.Lock())
        async with lock:
            entry = self._shared.get(id(loop))
            if entry is not None and entry[0] is loop:
                return entry[1]
            connection = await self.get_connection()
            self._shared[id(loop)] = (loop, connection)
            return connection

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        connection = await self._shared_connection()
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close_shared(self) -> None:
        loop = asyncio.get_running_loop()
        entry = self._shared.pop(id(loop), None)
        if entry is not None and entry[0] is loop:
            await entry[1].close()


def sqlite_path(url: str) -> Path:
    """sqlite:///relative/file or sqlite:////absolute/file, as SQLAlchemy spells them."""
    path = url.removeprefix("sqlite:///")
    return Path(path)


def engine_from_url(url: str) -> Engine:
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        # timeout: how long a writer waits for another; writes are also serialised in-process.
        return SharedConnectionSQLiteEngine(path=str(path), timeout=30)
    parts = urlsplit(url)
    config = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username) if parts.username else "postgres",
        "database": parts.path.lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return PostgresEngine(config=config)


def describe(engine: Engine) -> str:
    """A safe, human description of the engine (never a password)."""
    if isinstance(engine, SQLiteEngine):
        return f"SQLite {engine.connection_kwargs['database']}"
    cfg = engine.config
    return f"PostgreSQL {cfg.get('user')}@{cfg.get('host')}:{cfg.get('port')}/{cfg.get('database')}"


_current: Engine | None = None


def current_engine() -> Engine:
    if _current is None:
        raise RuntimeError("no database engine in use: call use_engine first")
    return _current


def use_engine(engine: Engine, tables: Iterable[type]) -> None:
    """Point `tables` (the app shell knows which) and Piccolo's migration bookkeeping at `engine`."""
    from piccolo.apps.migrations.tables import Migration

    global _current
    _current = engine
    for table in [*tables, Migration]:
        table._meta.db = engine


async def prepare_engine(engine: Engine, pool_max: int = 10) -> None:
    """Start-up work: WAL on SQLite (it persists in the file), a connection pool on PostgreSQL."""
    if isinstance(engine, SQLiteEngine):
        Path(engine.connection_kwargs["database"]).parent.mkdir(parents=True, exist_ok=True)
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    else:
        await engine.start_connection_pool(min_size=1, max_size=pool_max)


async def release_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, SharedConnectionSQLiteEngine):
        await engine.close_shared()


_write_locks: dict[int, tuple[Engine, asyncio.Lock]] = {}


def _write_lock(engine: Engine) -> asyncio.Lock:
    """One writer at a time per SQLite engine. The engine is kept with its lock, so its id cannot be
    reused by another engine while the entry exists."""
    entry = _write_locks.get(id(engine))
    if entry is None or entry[0] is not engine:
        entry = _write_locks[id(engine)] = (engine, asyncio.Lock())
    return entry[1]


_after_commit: ContextVar[list[Callable[[], Awaitable[None]]] | None] = ContextVar("after_commit", default=None)


def after_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` once the current write transaction has committed (never if it rolls back)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        raise RuntimeError("after_commit outside a write transaction")
    callbacks.append(callback)


# The registry's one lock order: every write transaction first takes the registry's write lock, then the
# rows it changes. On SQLite that is the process lock and BEGIN IMMEDIATE; on PostgreSQL a transaction-
# scoped advisory lock, shared by every worker and host. Every audited change appends to one hash chain
# (its head row is locked until commit), so writes were already serial from their first audit event;
# taking the lock first makes that order total, and no two writers can wait on each other (no deadlock).
# Reads take no lock. The key is arbitrary and fixed: the registry's alone in its database.
WRITE_LOCK_KEY = 0x4454_4352  # "DTCR"


@contextlib.asynccontextmanager
async def write_transaction(*, dry_run: bool = False) -> AsyncIterator[None]:
    """The one way to write: the write lock first (see WRITE_LOCK_KEY), then the work; a unique index
    refusing a row becomes a CONFLICT problem. A dry run does all the work, every check included, and
    rolls it back at the end."""
    engine = current_engine()
    if engine.current_transaction.get() is not None:
        if dry_run:
            raise RuntimeError("a dry run cannot be nested in another write transaction")
        yield  # already inside the caller's write transaction: its commit covers this work
        return
    callbacks: list[Callable[[], Awaitable[None]]] = []
    token = _after_commit.set(callbacks)
    try:
        if isinstance(engine, SQLiteEngine):
            async with _write_lock(engine), engine.transaction(transaction_type=TransactionType.immediate) as tx:
                yield
                if dry_run:
                    await tx.rollback()
        else:
            async with engine.transaction() as tx:
                await engine.run_ddl(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
                yield
                if dry_run:
                    await tx.rollback()
    except Exception as exc:
        if is_unique_violation(exc):  # a concurrent twin got there first
            raise DomainError("CONFLICT.unique") from exc
        raise
    finally:
        _after_commit.reset(token)
    if not dry_run:
        for callback in callbacks:
            await callback()


@contextlib.asynccontextmanager
async def read_transaction() -> AsyncIterator[None]:
    """Reads that belong together share one connection (on SQLite Piccolo opens one per query otherwise)."""
    engine = current_engine()
    if engine.current_transaction.get() is not None:
        yield
        return
    async with engine.transaction():
        yield


async def insert_one(row) -> int:
    """Insert one Piccolo row and return its id (RETURNING, on both engines)."""
    table = type(row)
    return (await table.insert(row).returning(table.id))[0]["id"]


def is_unique_violation(exc: BaseException | None) -> bool:
    """A unique index refused a row (asyncpg and sqlite3 spell it differently), here or as the cause."""
    if exc is None:
        return False
    if isinstance(exc, DomainError):
        return is_unique_violation(exc.__cause__)
    return isinstance(exc, asyncpg.exceptions.UniqueViolationError) or (
        isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc).upper()
    )
