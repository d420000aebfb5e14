"""The change signal: a `generation` per database that changes, in every worker process and on every
host, whenever a write transaction commits. Caches keep what they built together with the generation they
built it at, and trust it only while the generation is the same; `None` means "unknown" (the signal cannot
vouch for anything right now) and every cache is then bypassed.

PostgreSQL: every write transaction runs `pg_notify(CHANNEL)`, delivered at commit only (never on a
rollback or a dry run); each process keeps one connection listening on CHANNEL that bumps the local count
on every notification. While that connection is down or not yet listening, the generation is unknown; on
reconnect it is bumped (what was missed meanwhile is unknowable).

SQLite: the committing process bumps its own count and appends a byte to a sidecar file next to the
database (`<database>.changes`); every process folds the sidecar's stat into the generation, so a CLI
command or a second worker beside the server is seen at the next request. Appending makes the size grow
with every commit, so two commits within the file system's timestamp granularity still differ.

Storage only: it knows no feature, and no table.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

log = logging.getLogger(__name__)

CHANNEL = "registry_changes"
NOTIFY = f"SELECT pg_notify('{CHANNEL}', '')"
# The sidecar starts again from empty past this size (the mtime and inode still tell the change).
SIDECAR_MAX = 1 << 20
RECONNECT_SECONDS = (0.1, 0.5, 1, 2, 5)

Generation = tuple | None

# Every bump takes the next tick of this process: a generation never repeats, not even across engines
# on the same database (an engine released and built again).
_ticks = itertools.count(1)


class _SQLiteSignal:
    def __init__(self, database: str) -> None:
        self.sidecar = database + ".changes"
        self.count = next(_ticks)

    def generation(self) -> Generation:
        try:
            st = os.stat(self.sidecar)
        except FileNotFoundError:
            return (self.count, 0, 0, 0)
        except OSError:
            return None
        return (self.count, st.st_mtime_ns, st.st_size, st.st_ino)

    def committed(self) -> None:
        self.count = next(_ticks)
        try:
            fd = os.open(self.sidecar, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if os.fstat(fd).st_size >= SIDECAR_MAX:
                    os.ftruncate(fd, 0)
                os.write(fd, b".")
            finally:
                os.close(fd)
        except OSError:  # other processes may miss this commit: say so, the data itself is committed
            log.exception("cannot touch %s; other processes may serve stale cached answers", self.sidecar)


class _PostgresSignal:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = next(_ticks)
        self.listening = False
        self._connection = None
        self._task: asyncio.Task | None = None
        self._closed = False

    def generation(self) -> Generation:
        return (self.count,) if self.listening else None

    def committed(self) -> None:
        self.count = next(_ticks)  # this process sees its own commit at once; the notification bumps it again

    def _notified(self, *_: object) -> None:
        self.count = next(_ticks)

    def _lost(self, *_: object) -> None:
        self.listening = False
        self._connection = None
        if not self._closed:
            log.warning("the change listener lost its connection; caches are bypassed until it is back")
            self._task = asyncio.ensure_future(self._reconnect())

    async def _connect(self) -> None:
        import asyncpg

        config = dict(self.engine.config)
        connection = await asyncpg.connect(**config, timeout=10)
        try:
            await connection.add_listener(CHANNEL, self._notified)
        except BaseException:
            await connection.close()
            raise
        connection.add_termination_listener(self._lost)
        self._connection = connection
        self.count = next(_ticks)  # whatever was committed while nobody listened
        self.listening = True

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._closed and not self.listening:
            await asyncio.sleep(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
            attempt += 1
            try:
                await self._connect()
            except Exception as exc:
                log.warning("the change listener cannot connect yet (%s); caches stay bypassed", exc)

    async def start(self) -> None:
        self._closed = False
        try:
            await self._connect()
        except Exception as exc:
            log.warning("the change listener cannot connect (%s); caches are bypassed until it can", exc)
            self._task = asyncio.ensure_future(self._reconnect())

    async def stop(self) -> None:
        self._closed = True
        self.listening = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.remove_termination_listener(self._lost)
                await connection.close()


_signals: dict[int, tuple[Engine, _SQLiteSignal | _PostgresSignal]] = {}


def _signal(engine: Engine) -> _SQLiteSignal | _PostgresSignal:
    """One signal per engine, kept with its engine (so its id cannot be reused while the entry exists)."""
    entry = _signals.get(id(engine))
    if entry is None or entry[0] is not engine:
        if isinstance(engine, SQLiteEngine):
            signal: _SQLiteSignal | _PostgresSignal = _SQLiteSignal(engine.connection_kwargs["database"])
        else:
            signal = _PostgresSignal(engine)
        entry = _signals[id(engine)] = (engine, signal)
    return entry[1]


def generation(engine: Engine) -> Generation:
    """The database's generation as this process knows it; None when unknown (bypass every cache)."""
    return _signal(engine).generation()


def committed(engine: Engine) -> None:
    """A write transaction of this process has committed (PostgreSQL's notification is already on its way)."""
    _signal(engine).committed()


async def announce(engine: Engine) -> None:
    """Tell every process of a change made outside a write transaction (a migration)."""
    if not isinstance(engine, SQLiteEngine):
        await engine.run_ddl(NOTIFY)
    committed(engine)


async def listen(engine: Engine) -> None:
    """Start listening (PostgreSQL; a no-op on SQLite). The app's lifespan calls it after prepare_engine."""
    signal = _signal(engine)
    if isinstance(signal, _PostgresSignal):
        await signal.start()


async def release(engine: Engine) -> None:
    """Stop listening and forget the engine's signal (release_engine calls it)."""
    entry = _signals.get(id(engine))
    if entry is not None and entry[0] is engine:
        del _signals[id(engine)]
        if isinstance(entry[1], _PostgresSignal):
            await entry[1].stop()
