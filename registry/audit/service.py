"""Appending to the audit log inside the caller's transaction, reading it, and verifying the chain."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from registry.audit.model import (
    GENESIS,
    HASHED_FIELDS,
    SYSTEM,
    Actor,
    ChainReport,
    EventFilter,
    canonical_json,
    event_hash,
    verify_chain,
)
from registry.audit.tables import AuditEvent, AuditHead
from registry.db.engine import execute_many, read_transaction
from registry.kernel.clock import utcnow


async def record(
    actor: Actor, action: str, entity_type: str, entity_id: object, *, before: Any = None, after: Any = None
) -> int:
    """Append one event. Call it inside the write transaction of the change it describes, so the change
    and its event commit or roll back together. Returns the event's sequence number."""
    return await record_many(actor, [Change(action, entity_type, entity_id, before, after)])


@dataclass(frozen=True, slots=True)
class Change:
    """What one audit event says: the action on an entity, and its values before and after."""

    action: str
    entity_type: str
    entity_id: object
    before: Any = None
    after: Any = None


async def record_many(actor: Actor, changes: Sequence[Change]) -> int:
    """Append events, in order, as `record` appends one: inside the caller's write transaction, chained;
    one read and one update of the head and one statement for the events, however many (a re-check of
    every panel may change thousands of verdicts). Returns the last sequence number."""
    if isinstance(AuditEvent._meta.db, PostgresEngine):
        # The head row lock makes concurrent appends queue, so the chain never forks.
        rows = await AuditHead.raw("SELECT id, last_seq, last_hash FROM audit_head ORDER BY id LIMIT 1 FOR UPDATE")
    else:
        rows = await AuditHead.select(AuditHead.id, AuditHead.last_seq, AuditHead.last_hash).limit(1)
    if not rows:
        raise RuntimeError("audit_head is missing: run the migrations")
    head = rows[0]
    if not changes:
        return head["last_seq"]
    now = utcnow()
    occurred_at = now.isoformat(timespec="microseconds")
    seq, last_hash = head["last_seq"], head["last_hash"]
    events = []
    for change in changes:
        seq += 1
        fields = {
            "seq": seq,
            "occurred_at": occurred_at,
            "actor_id": actor.id,
            "actor": actor.label,
            "action": change.action,
            "entity_type": change.entity_type,
            "entity_id": str(change.entity_id),
            "before": canonical_json(change.before),
            "after": canonical_json(change.after),
        }
        digest = event_hash(last_hash, fields)
        events.append((*fields.values(), last_hash, digest))
        last_hash = digest
    columns = (*fields, "prev_hash", "hash")
    await execute_many(
        f"INSERT INTO audit_event ({', '.join(columns)}) VALUES ({', '.join('{}' for _ in columns)})", events
    )
    await AuditHead.update({AuditHead.last_seq: seq, AuditHead.last_hash: last_hash, AuditHead.updated_at: now}).where(
        AuditHead.id == head["id"]
    )
    return seq


async def verify() -> ChainReport:
    async with read_transaction():
        rows = await AuditEvent.select(AuditEvent.all_columns()).order_by(AuditEvent.seq)
        head = await AuditHead.select(AuditHead.last_seq, AuditHead.last_hash).first()
    return verify_chain(rows, head)


async def events(filters: EventFilter, *, before_seq: int | None = None, limit: int = 50) -> tuple[list[dict], int]:
    """Events newest first, before a sequence number (the cursor); and how many match in all. `before` and
    `after` come back as the JSON values recorded."""
    query = AuditEvent.select(AuditEvent.all_columns(exclude=[AuditEvent.id]))
    count = AuditEvent.count()
    since, until = filters.instants()
    conditions = [
        column == value
        for column, value in (
            (AuditEvent.entity_type, filters.entity_type),
            (AuditEvent.entity_id, filters.entity_id),
            (AuditEvent.action, filters.action),
            (AuditEvent.actor_id, filters.actor_id),
        )
        if value is not None
    ]
    if since:
        conditions.append(AuditEvent.occurred_at >= since)
    if until:
        conditions.append(AuditEvent.occurred_at < until)
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    async with read_transaction():
        total = await count
        rows = await query.order_by(AuditEvent.seq, ascending=False).limit(limit)
    return [{**r, "before": json.loads(r["before"]), "after": json.loads(r["after"])} for r in rows], total


__all__ = ["GENESIS", "HASHED_FIELDS", "SYSTEM", "Actor", "EventFilter", "events", "record", "verify"]
