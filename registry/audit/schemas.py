"""What the audit log answers: events as JSON, their `before` and `after` as the objects recorded."""

from __future__ import annotations

from typing import Any

import msgspec


class AuditEventOut(msgspec.Struct):
    seq: int
    occurred_at: str  # ISO 8601 UTC, as hashed
    actor_id: int | None  # null: the registry itself (seed, import, re-checks)
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: Any  # the recorded state before the change (an object, or null)
    after: Any
    prev_hash: str
    hash: str


class AuditEventList(msgspec.Struct):
    data: list[AuditEventOut]  # newest first
    total: int
    next_cursor: str | None
