"""Transient database errors (a serialization failure, a deadlock, a lost or refused connection, SQLite's
"database is locked") retried a bounded number of times with jitter — only around a whole write use case,
which is one transaction: a failed attempt left nothing behind, so running it again is safe."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import sqlite3
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import asyncpg

from registry.db.engine import current_engine

P = ParamSpec("P")
T = TypeVar("T")
ATTEMPTS = 3
log = logging.getLogger("registry.db")

_TRANSIENT = (
    asyncpg.exceptions.SerializationError,  # 40001
    asyncpg.exceptions.DeadlockDetectedError,  # 40P01
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    ConnectionResetError,
    ConnectionRefusedError,
)


def is_transient(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, _TRANSIENT):
            return True
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return True
        exc = exc.__cause__
    return False


def retried(use_case: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run `use_case` again (up to ATTEMPTS times in all) when it fails on a transient database error.
    Inside a caller's transaction it runs once: the caller's transaction is the one to retry."""

    @functools.wraps(use_case)
    async def attempt(*args: P.args, **kwargs: P.kwargs) -> T:
        if current_engine().current_transaction.get() is not None:
            return await use_case(*args, **kwargs)
        for n in range(1, ATTEMPTS + 1):
            try:
                return await use_case(*args, **kwargs)
            except Exception as exc:
                if n == ATTEMPTS or not is_transient(exc):
                    raise
                log.warning("%s: transient database error (%s), attempt %s of %s", use_case.__name__, exc, n, ATTEMPTS)
                await asyncio.sleep(random.uniform(0.01, 0.05) * 2**n)
        raise AssertionError("unreachable")

    return attempt
