"""The database engine: SQLite by default (a file under ./var/), PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from registry.db import changes
from registry.kernel.errors import DomainError

os.environ.setdefault("PICCOLO_CONF", "registry.piccolo_conf")


# Set on every SQLite connection (see README, "SQLite, the embedded default").
SQLITE_PRAGMAS = (
    # Wait this long for another process's lock (a CLI command beside the server) before "database is
    # locked"; writers inside the process queue on the write lock instead.
    "PRAGMA busy_timeout = 5000",
    # With WAL, NORMAL syncs at checkpoints, not at every commit: a crash of the process loses nothing
    # committed; a power cut or kernel crash may lose the last transactions, never corrupts the file.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)
SQLITE_READERS = 4


class _SQLitePool:
    """One writer connection and up to `readers` reader connections, opened on first use and reused,
    for one event loop (asyncio queues and locks belong to a loop)."""

    def __init__(self, engine: PooledSQLiteEngine, readers: int):
        self.engine = engine
        self.readers = readers
        self.idle: asyncio.Queue = asyncio.Queue()
        self.opened: list = []
        self.writer = None
        self.writer_lock = asyncio.Lock()
        self.closed = False

    async def acquire_reader(self):
        if self.closed:
            raise RuntimeError("the SQLite engine has been released")
        if self.idle.empty() and len(self.opened) < self.readers:
            self.opened.append(None)  # reserve the slot before awaiting
            try:
                connection = await self.engine.open_connection()
            except BaseException:
                self.opened.remove(None)
                raise
            self.opened[self.opened.index(None)] = connection
            return connection
        return await self.idle.get()

    async def release_reader(self, connection) -> None:
        if self.closed or not await _clean(connection):
            with contextlib.suppress(ValueError):
                self.opened.remove(connection)
            with contextlib.suppress(Exception):
                await connection.close()
            return
        self.idle.put_nowait(connection)

    async def acquire_writer(self):
        await self.writer_lock.acquire()
        try:
            if self.closed:
                raise RuntimeError("the SQLite engine has been released")
            if self.writer is None:
                self.writer = await self.engine.open_connection()
            return self.writer
        except BaseException:
            self.writer_lock.release()
            raise

    async def release_writer(self, connection) -> None:
        try:
            if self.closed or not await _clean(connection):
                self.writer = None
                with contextlib.suppress(Exception):
                    await connection.close()
        finally:
            self.writer_lock.release()

    async def close(self) -> None:
        self.closed = True
        connections = [c for c in self.opened if c is not None]
        if self.writer is not None and not self.writer_lock.locked():
            connections.append(self.writer)
            self.writer = None
        self.opened.clear()
        while not self.idle.empty():
            self.idle.get_nowait()
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.close()


def _fetch_all(connection: sqlite3.Connection, query: str, args) -> list:
    cursor = connection.execute(query, args)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


async def run_statement(connection, query: str, args=None) -> list:
    """One statement and its rows in one hop to the connection's thread: aiosqlite's execute, fetchall
    and cursor close take three, and each hop is a wake-up of that thread and of the event loop."""
    return await connection._execute(_fetch_all, connection._conn, query, args or [])


async def _clean(connection) -> bool:
    """Whether a connection can go back to its pool: outside any transaction (rolled back if need be)."""
    try:
        if connection.in_transaction:
            await connection.execute("ROLLBACK")
        return not connection.in_transaction
    except Exception:
        return False


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on a pooled connection: the writer for IMMEDIATE/EXCLUSIVE ones (write_transaction
    holds the write lock around them), a reader for DEFERRED ones; given back, not closed, at the end."""

    __slots__ = ("_pool",)

    async def get_connection(self):
        self._pool = self.engine.pool()
        if self.transaction_type is TransactionType.deferred:
            return await self._pool.acquire_reader()
        return await self._pool.acquire_writer()

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()
        except BaseException:
            await asyncio.shield(self._release(self.connection))
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def _release(self, connection) -> None:
        if self.transaction_type is TransactionType.deferred:
            await self._pool.release_reader(connection)
        else:
            await self._pool.release_writer(connection)

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        connection = self.connection
        self.connection = _Unclosable(connection)
        try:
            return await super().__aexit__(exception_type, exception, traceback)
        finally:
            self.connection = connection
            await asyncio.shield(self._release(connection))


class _Unclosable:
    """The connection as SQLiteTransaction.__aexit__ sees it: its `close()` keeps the connection open."""

    def __init__(self, connection):
        self._connection = connection

    def __getattr__(self, name):
        return getattr(self._connection, name)

    async def close(self) -> None:
        return None


class PooledSQLiteEngine(SQLiteEngine):
    """SQLite with a fixed set of connections instead of Piccolo's one per query or transaction (which
    costs about 2 ms each and, under load, one file descriptor per request in flight): one writer
    connection, taken by IMMEDIATE transactions under `write_transaction`'s lock, and a bounded pool of
    reader connections for queries outside a transaction and for `read_transaction`. Every connection
    gets SQLITE_PRAGMAS; `release_engine` closes them all."""

    def __init__(self, *args, readers: int = SQLITE_READERS, **kwargs):
        super().__init__(*args, **kwargs)
        self.readers = readers
        self._pools: dict[int, tuple[asyncio.AbstractEventLoop, _SQLitePool]] = {}

    def pool(self) -> _SQLitePool:
        loop = asyncio.get_running_loop()
        entry = self._pools.get(id(loop))
        if entry is None or entry[0] is not loop or entry[1].closed:
            entry = self._pools[id(loop)] = (loop, _SQLitePool(self, self.readers))
        return entry[1]

    async def open_connection(self):
        import aiosqlite

        connection = aiosqlite.connect(**self.connection_kwargs)
        # A pooled connection lives as long as the engine: its thread must not keep a process from
        # exiting when an engine is never released (the data is safe in the WAL either way).
        connection._thread.daemon = True
        await connection
        connection.row_factory = dict_factory
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def get_connection(self):
        """A connection of its own, for callers that close it themselves (Piccolo's `batch`)."""
        return await self.open_connection()

    def transaction(self, transaction_type=TransactionType.deferred, allow_nested=True) -> SQLiteTransaction:
        return PooledSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        pool = self.pool()
        connection = await pool.acquire_reader()
        try:
            return await run_statement(connection, query, args)
        finally:
            await asyncio.shield(pool.release_reader(connection))

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        # Piccolo re-sends "PRAGMA foreign_keys = 1" before every query; every pooled connection has it.
        return await run_statement(connection, query, args)

    async def run_on_writer(self, querystring):
        """One statement on the writer connection, queued with the write transactions, committed on its
        own (the rate limiter's counters: one round trip, no BEGIN/COMMIT)."""
        query, args = querystring.compile_string(engine_type=self.engine_type)
        pool = self.pool()
        connection = await pool.acquire_writer()
        try:
            return await run_statement(connection, query, args)
        finally:
            await asyncio.shield(pool.release_writer(connection))

    async def close_pools(self) -> None:
        pools, self._pools = [pool for _, pool in self._pools.values()], {}
        for pool in pools:
            await pool.close()


_reads_on_replica: ContextVar[bool] = ContextVar("reads_on_replica", default=False)


@contextlib.contextmanager
def replica_reads(on: bool = True) -> Iterator[None]:
    """Inside: `read_transaction` and queries outside any transaction read from a replica when the
    engine has some (the public read path: anonymous GET requests); `replica_reads(False)` brings them
    back to the primary (statements that write outside a transaction, such as the rate counters)."""
    token = _reads_on_replica.set(on)
    try:
        yield
    finally:
        _reads_on_replica.reset(token)


class _RoutedTransaction(PostgresTransaction):
    """A transaction on the pool its engine chose, given back to that pool."""

    __slots__ = ("_pool", "_replica")

    def __init__(self, engine: ReplicatedPostgresEngine, allow_nested: bool = True, replica: bool = False):
        super().__init__(engine=engine, allow_nested=allow_nested)
        self._replica = replica

    async def get_connection(self):
        self._pool = (self._replica and self.engine.replica_pool()) or self.engine.pool
        return await self._pool.acquire()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            await self._pool.release(self.connection)
            self.engine.current_transaction.reset(self.context)
        return exception is None


class ReplicatedPostgresEngine(PostgresEngine):
    """PostgreSQL with read replicas: a pool per replica beside the primary's. Every transaction runs on
    the primary (writes, and reads inside them, see their own work), except `read_transaction` under
    `replica_reads()`; so do queries outside a transaction, unless under `replica_reads()`. Replicas
    are taken in turn. Piccolo binds each table to one engine object: this one routes for all."""

    def __init__(self, config: dict, replica_configs: list[dict]):
        super().__init__(config=config)
        self.replica_configs = replica_configs
        self.replica_pools: list[asyncpg.Pool] = []
        self._turn = 0

    def replica_pool(self) -> asyncpg.Pool | None:
        """The next replica's pool when the current context reads from replicas, else None."""
        if not (self.replica_pools and _reads_on_replica.get()):
            return None
        self._turn = (self._turn + 1) % len(self.replica_pools)
        return self.replica_pools[self._turn]

    async def start_connection_pool(self, **kwargs) -> None:
        await super().start_connection_pool(**kwargs)
        for config in self.replica_configs:
            self.replica_pools.append(await asyncpg.create_pool(**{**config, **kwargs}))

    async def close_connection_pool(self) -> None:
        pools, self.replica_pools = self.replica_pools, []
        for pool in pools:
            await pool.close()
        await super().close_connection_pool()

    async def _run_in_pool(self, query: str, args=None):
        pool = self.replica_pool()
        if pool is None:
            return await super()._run_in_pool(query, args)
        async with pool.acquire() as connection:
            return await connection.fetch(query, *(args or []))

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _RoutedTransaction(engine=self, allow_nested=allow_nested)

    def read_only_transaction(self) -> PostgresTransaction:
        """`read_transaction`'s: on a replica under `replica_reads()`."""
        return _RoutedTransaction(engine=self, replica=True)


def sqlite_path(url: str) -> Path:
    """sqlite:///relative/file or sqlite:////absolute/file, as SQLAlchemy spells them."""
    path = url.removeprefix("sqlite:///")
    return Path(path)


def postgres_config(url: str) -> dict:
    """asyncpg's connection arguments from a postgres:// URL; `?sslmode=` or `?ssl=` is the TLS mode,
    any other parameter a server setting (e.g. `?application_name=registry-web`)."""
    parts = urlsplit(url)
    config: dict = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username) if parts.username else "postgres",
        "database": parts.path.lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    for key, value in parse_qsl(parts.query):
        if key in ("sslmode", "ssl"):
            config["ssl"] = value
        else:
            config.setdefault("server_settings", {})[key] = value
    return config


def engine_from_url(url: str, read_urls: Iterable[str] = ()) -> Engine:
    """The engine for DATABASE_URL; on PostgreSQL with `read_urls`, one that reads from those replicas."""
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        # timeout: the same 5 s as busy_timeout (SQLITE_PRAGMAS) for another process's lock.
        return PooledSQLiteEngine(path=str(path), timeout=5)
    replicas = [postgres_config(read_url) for read_url in read_urls]
    if replicas:
        return ReplicatedPostgresEngine(postgres_config(url), replicas)
    return PostgresEngine(config=postgres_config(url))


def describe(engine: Engine) -> str:
    """A safe, human description of the engine (never a password)."""
    if isinstance(engine, SQLiteEngine):
        return f"SQLite {engine.connection_kwargs['database']}"
    cfg = engine.config
    described = f"PostgreSQL {cfg.get('user')}@{cfg.get('host')}:{cfg.get('port')}/{cfg.get('database')}"
    if isinstance(engine, ReplicatedPostgresEngine):
        replicas = ", ".join(f"{c.get('user')}@{c.get('host')}:{c.get('port')}" for c in engine.replica_configs)
        described += f" (public reads: {replicas})"
    return described


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
    await changes.release(engine)
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pools()


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


class _Announce:
    """Whether the current write transaction tells the change signal (registry/db/changes.py) at commit."""

    __slots__ = ("sent", "wanted")

    def __init__(self, wanted: bool) -> None:
        self.wanted, self.sent = wanted, False


_announce: ContextVar[_Announce | None] = ContextVar("announce", default=None)


@contextlib.asynccontextmanager
async def write_transaction(*, dry_run: bool = False, announce: bool = True) -> AsyncIterator[None]:
    """The one way to write: the write lock first (see WRITE_LOCK_KEY), then the work; a unique index
    refusing a row becomes a CONFLICT problem. A dry run does all the work, every check included, and
    rolls it back at the end. Its commit changes the change signal's generation in every process, so
    every cache drops what it built before; `announce=False` only for bookkeeping no cache holds (the
    outbox's leases), and a nested transaction that announces makes the whole one announce."""
    engine = current_engine()
    if engine.current_transaction.get() is not None:
        if dry_run:
            raise RuntimeError("a dry run cannot be nested in another write transaction")
        outer = _announce.get()
        if announce and outer is not None:
            outer.wanted = True
        yield  # already inside the caller's write transaction: its commit covers this work
        return
    callbacks: list[Callable[[], Awaitable[None]]] = []
    token = _after_commit.set(callbacks)
    state = _Announce(announce)
    announce_token = _announce.set(state)
    try:
        if isinstance(engine, SQLiteEngine):
            async with _write_lock(engine), engine.transaction(transaction_type=TransactionType.immediate) as tx:
                yield
                if dry_run:
                    await tx.rollback()
                elif state.wanted:
                    # Still under the write lock: no other writer can commit between this and the bump.
                    await tx.commit()
                    changes.committed(engine)
        else:
            async with engine.transaction() as tx:
                # The notification leaves at commit only: never on a rollback or a dry run.
                lock = f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
                await engine.run_ddl(f"{lock}, {changes.NOTIFY.removeprefix('SELECT ')}" if announce else lock)
                state.sent = announce
                yield
                if dry_run:
                    await tx.rollback()
                elif state.wanted and not state.sent:
                    await engine.run_ddl(changes.NOTIFY)
            if not dry_run and state.wanted:
                changes.committed(engine)
    except Exception as exc:
        if is_unique_violation(exc):  # a concurrent twin got there first
            raise DomainError("CONFLICT.unique") from exc
        raise
    finally:
        _announce.reset(announce_token)
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
    if isinstance(engine, ReplicatedPostgresEngine):
        transaction = engine.read_only_transaction()  # on a replica for the public read path
    else:
        transaction = engine.transaction()
    async with transaction:
        yield


def _execute_many(connection: sqlite3.Connection, query: str, rows) -> None:
    connection.executemany(query, rows).close()


async def execute_many(query: str, rows: list[tuple]) -> None:
    """One statement (`{}` for each value) run once per row inside the current write transaction, handed
    to the driver in one call: no query is built per row, where one step writes thousands of rows."""
    if not rows:
        return
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("execute_many runs inside a write transaction")
    marks = query.count("{}")
    if isinstance(engine, PostgresEngine):
        await transaction.connection.executemany(query.format(*(f"${n}" for n in range(1, marks + 1))), rows)
    else:
        connection = transaction.connection
        await connection._execute(_execute_many, connection._conn, query.format(*("?" * marks)), rows)


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
