"""Claiming a sign-in attempt, per account and per client address, before the password is checked.

One statement per throttle and attempt, `INSERT ... ON CONFLICT (kind, key) DO UPDATE ... RETURNING`
(SQLite >= 3.35 and PostgreSQL alike): if the row is blocked the attempt is refused and the row left as
it is; otherwise the attempt is counted as a failure at once, a block is set when the count passes the
allowance, and the row carries this attempt's own mark, which the statement returns. Concurrent attempts
are serialised on the row (PostgreSQL's row lock, SQLite's one writer), so of 50 simultaneous guesses
only the allowance (plus the one that sets the first block) reach the password check. A success then
resets the account's row and takes the attempt back from the address's (`settle_success`). The policy's
numbers and reasons are in `registry/accounts/model.py`. Instants are milliseconds since the epoch."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass

from registry.accounts.model import (
    ACCOUNT_ALLOWANCE,
    CLIENT_ALLOWANCE,
    MAX_WAIT_SECONDS,
    THROTTLE_MEMORY_SECONDS,
    backoff_table,
)
from registry.accounts.tables import SignInThrottle
from registry.kernel.clock import utcnow

ACCOUNT = "account"
CLIENT = "client"
ALLOWANCE = {ACCOUNT: ACCOUNT_ALLOWANCE, CLIENT: CLIENT_ALLOWANCE}


def _wait_ms(count: str, allowance: int) -> str:
    """SQL for the wait after `count` failures, in ms: a CASE over the policy's table (integers only)."""
    steps = " ".join(f"WHEN {n} THEN {seconds * 1000}" for n, seconds in backoff_table(allowance))
    cap = MAX_WAIT_SECONDS * 1000
    return f"(CASE WHEN {count} <= {allowance} THEN 0 ELSE (CASE {count} {steps} ELSE {cap} END) END)"


def _claim_sql(allowance: int) -> str:
    t = "sign_in_throttle"
    now = "excluded.last_at"
    blocked = f"{t}.blocked_until > {now}"
    stale = f"{t}.last_at < {now} - {THROTTLE_MEMORY_SECONDS * 1000}"
    return (
        f"INSERT INTO {t} (kind, key, failures, blocked_until, last_at, attempt) "
        "VALUES ({}, {}, 1, 0, CAST({} AS BIGINT), {}) "
        "ON CONFLICT (kind, key) DO UPDATE SET "
        f"failures = CASE WHEN {blocked} THEN {t}.failures WHEN {stale} THEN 1 ELSE {t}.failures + 1 END, "
        f"blocked_until = CASE WHEN {blocked} THEN {t}.blocked_until WHEN {stale} THEN 0 "
        f"ELSE {now} + {_wait_ms(f'{t}.failures + 1', allowance)} END, "
        f"last_at = CASE WHEN {blocked} THEN {t}.last_at ELSE {now} END, "
        f"attempt = CASE WHEN {blocked} THEN {t}.attempt ELSE excluded.attempt END "
        "RETURNING attempt, blocked_until, failures"
    )


_CLAIMS = {kind: _claim_sql(allowance) for kind, allowance in ALLOWANCE.items()}


@dataclass(frozen=True)
class Claim:
    kind: str
    admitted: bool
    failures: int
    wait_seconds: int  # until the next attempt is checked (0: none to wait)


def now_ms() -> int:
    return int(utcnow().timestamp() * 1000)


async def claim(kind: str, key: str, *, now: int | None = None) -> Claim:
    """Count one attempt for (kind, key) unless it is blocked. Inside the caller's write transaction."""
    now = now_ms() if now is None else now
    mark = secrets.token_hex(8)
    row = (await SignInThrottle.raw(_CLAIMS[kind], kind, key, now, mark))[0]
    wait = max(0, math.ceil((row["blocked_until"] - now) / 1000))
    return Claim(kind, row["attempt"] == mark, row["failures"], wait)


async def settle_success(account: str, client: str | None) -> None:
    """The password was right: the account starts afresh, and the address gets its attempt back."""
    await SignInThrottle.update({SignInThrottle.failures: 0, SignInThrottle.blocked_until: 0}).where(
        SignInThrottle.kind == ACCOUNT, SignInThrottle.key == account
    )
    if client is not None:
        await SignInThrottle.update({SignInThrottle.failures: SignInThrottle.failures - 1}).where(
            SignInThrottle.kind == CLIENT, SignInThrottle.key == client, SignInThrottle.failures > 0
        )


async def forget_stale(*, now: int | None = None, chance: float = 0.01) -> None:
    """Now and then, drop rows nobody has tried for THROTTLE_MEMORY (they would start over anyway), so
    guesses at made-up e-mails do not pile up."""
    if random.random() >= chance:  # not a secret: only how often to tidy
        return
    now = now_ms() if now is None else now
    await SignInThrottle.delete().where(
        SignInThrottle.last_at < now - THROTTLE_MEMORY_SECONDS * 1000, SignInThrottle.blocked_until < now
    )
