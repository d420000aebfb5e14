"""Transient database errors are retried around a whole use case, a bounded number of times; anything
else, and anything inside a caller's transaction, runs once."""

import asyncpg
import pytest

from registry.db.engine import write_transaction
from registry.db.retry import ATTEMPTS, retried


async def test_a_deadlock_is_retried_and_the_use_case_completes(engine):
    calls = []

    @retried
    async def use_case() -> str:
        calls.append(1)
        if len(calls) < ATTEMPTS:
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
        return "done"

    assert await use_case() == "done" and len(calls) == ATTEMPTS


async def test_retries_are_bounded_and_other_errors_are_not_retried(engine):
    calls = []

    @retried
    async def always_serialization_failure() -> None:
        calls.append(1)
        raise asyncpg.exceptions.SerializationError("could not serialize access")

    with pytest.raises(asyncpg.exceptions.SerializationError):
        await always_serialization_failure()
    assert len(calls) == ATTEMPTS

    calls.clear()

    @retried
    async def refusal() -> None:
        calls.append(1)
        raise ValueError("not transient")

    with pytest.raises(ValueError):
        await refusal()
    assert len(calls) == 1


async def test_inside_a_caller_s_transaction_the_use_case_runs_once(engine):
    calls = []

    @retried
    async def nested() -> None:
        calls.append(1)
        raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")

    with pytest.raises(asyncpg.exceptions.DeadlockDetectedError):
        async with write_transaction():
            await nested()
    assert len(calls) == 1
