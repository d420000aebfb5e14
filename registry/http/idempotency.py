"""Idempotency-Key: the same key sent twice by one user gets the first answer again, and the work is
done once. The key is claimed at the start of the write transaction, so a concurrent twin waits on the
unique index and then replays the stored answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from registry.db.engine import insert_one, is_unique_violation, write_transaction
from registry.db.retry import retried
from registry.http.tables import IdempotentResponse
from registry.kernel.clock import utcnow
from registry.kernel.errors import DomainError, FieldError

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_digest(endpoint: str, payload: Any) -> str:
    return hashlib.sha256(json.dumps([endpoint, payload], sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError(
            "INVALID_PARAMETER.idempotency_key",
            max=MAX_KEY_LENGTH,
            errors=[FieldError("Idempotency-Key", "malformed", "header")],
        )
    return key


@retried
async def once(
    user_id: int, key: str | None, endpoint: str, payload: Any, work: Callable[[], Awaitable[Any]]
) -> Answer:
    """Run `work` inside one write transaction, at most once per (user, key); its typed result is kept
    as the answer a retry gets again."""
    key = check_key(key)
    if key is None:
        return Answer(200, msgspec.to_builtins(await work()))
    digest = request_digest(endpoint, payload)
    for attempt in (1, 2):
        try:
            async with write_transaction():
                stored = (
                    await IdempotentResponse.select()
                    .where(IdempotentResponse.user_id == user_id, IdempotentResponse.key == key)
                    .first()
                )
                if stored is not None:
                    if stored["request_digest"] != digest:
                        raise DomainError(
                            "IDEMPOTENCY_KEY_REUSED",
                            errors=[FieldError("Idempotency-Key", "used for a different request", "header")],
                        )
                    return Answer(stored["status"], json.loads(stored["body"]), replayed=True)
                claim = await insert_one(
                    IdempotentResponse(
                        user_id=user_id,
                        key=key,
                        endpoint=endpoint,
                        request_digest=digest,
                        status=0,
                        body="{}",
                        created_at=utcnow(),
                    )
                )
                answer = Answer(200, msgspec.to_builtins(await work()))
                await IdempotentResponse.update(
                    {
                        IdempotentResponse.status: answer.status,
                        IdempotentResponse.body: json.dumps(answer.body, default=str, ensure_ascii=False),
                    }
                ).where(IdempotentResponse.id == claim)
                return answer
        except Exception as exc:
            if attempt == 1 and is_unique_violation(exc):
                continue  # a twin committed first: read its answer
            raise
    raise AssertionError("unreachable")
