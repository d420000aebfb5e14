"""Appending to the audit log inside the caller's transaction, reading it, and verifying the chain."""

from __future__ import annotations

import json
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
from registry.db.engine import read_transaction
from registry.kernel.clock import utcnow


async def record(
    actor: Actor, action: str, entity_type: str, entity_id: object, *, before: Any = None, after: Any = None
) -> int:
    """Append one event. Call it inside the write transaction of the change it describes, so the change
    and its event commit or roll back together. Returns the event's sequence number."""
    if isinstance(AuditEvent._meta.db, PostgresEngine):
        # The head row lock makes concurrent appends queue, so the chain never forks.
        rows = await AuditHead.raw("SELECT id, last_seq, last_hash FROM audit_head ORDER BY id LIMIT 1 FOR UPDATE")
    else:
        rows = await AuditHead.select(AuditHead.id, AuditHead.last_seq, AuditHead.last_hash).limit(1)
    if not rows:
        raise RuntimeError("audit_head is missing: run the migrations")
    head = rows[0]
    now = utcnow()
    fields = {
        "seq": head["last_seq"] + 1,
        "occurred_at": now.isoformat(timespec="microseconds"),
        "actor_id": actor.id,
        "actor": actor.label,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before": canonical_json(before),
        "after": canonical_json(after),
    }
    digest = event_hash(head["last_hash"], fields)
    await AuditEvent.insert(AuditEvent(**fields, prev_hash=head["last_hash"], hash=digest))
    await AuditHead.update(
        {AuditHead.last_seq: fields["seq"], AuditHead.last_hash: digest, AuditHead.updated_at: now}
    ).where(AuditHead.id == head["id"])
    return fields["seq"]


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
