"""Domain events: a feature announces what happened; the features that care listen. An event is written
to the outbox in the transaction of the change it announces, so both commit or neither does; a relay
hands it to its listeners after the commit and marks it handled. The request that made a change waits
for its own events (so its author reads the consequences at once); whatever a crash or a failing
listener leaves behind is taken up again by the relay's next pass, on start and every few seconds.
Listeners must be idempotent: an event may be handled twice (at least once, never lost)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from registry.db.engine import after_commit, current_engine, write_transaction
from registry.kernel.clock import utcnow
from registry.kernel.tables import OutboxEvent

log = logging.getLogger("registry.events")


class Topic(StrEnum):
    edition_published = "catalogue.edition_published"
    certificate_issued = "certificate.issued"
    certificate_changed = "certificate.changed"  # items added, renewed
    certificate_status_changed = "certificate.status_changed"  # suspended, reinstated, revoked
    application_decided = "application.decided"
    validation_recorded = "validation.recorded"
    validation_withdrawn = "validation.withdrawn"
    items_certified = "catalogue.items_certified"  # new items certified to an institution, recorded


@dataclass(frozen=True)
class DomainEvent:
    id: int
    topic: Topic
    payload: dict[str, Any]


Listener = Callable[[DomainEvent], Awaitable[None]]


async def announce(topic: Topic, **payload: Any) -> int:
    """Record an event inside the caller's write transaction; it is dispatched once that commits."""
    rows = await OutboxEvent.insert(
        OutboxEvent(
            topic=topic.value,
            payload=json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True),
            created_at=utcnow(),
        )
    ).returning(OutboxEvent.id)
    event_id = rows[0]["id"]
    relay = _relay
    if relay is not None:
        after_commit(lambda: relay.dispatch([event_id]))
    return event_id


def _now_ms() -> int:
    return int(time.time() * 1000)


class Relay:
    """Takes pending events from the outbox and hands each to the listeners of its topic. Several relays
    (workers, hosts) may run against one PostgreSQL database: claims use FOR UPDATE SKIP LOCKED and a
    lease, so each event goes to one relay at a time and a dead relay's events are taken up after the
    lease. On SQLite the registry runs one process, and a start clears stale claims."""

    def __init__(
        self,
        listeners: Mapping[Topic, Sequence[Listener]],
        *,
        lease_seconds: float = 60,
        poll_seconds: float = 5,
        max_attempts: int = 10,
        wait_seconds: float = 30,
        batch: int = 50,
    ) -> None:
        self.listeners = {topic: list(found) for topic, found in listeners.items()}
        self.lease_ms = int(lease_seconds * 1000)
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.wait_seconds = wait_seconds
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def _claim(self, ids: Iterable[int] | None, tried: set[int]) -> list[DomainEvent]:
        now = _now_ms()
        only = ""
        args: list[Any] = [now + self.lease_ms, now, self.max_attempts]
        if ids is not None:
            wanted = [int(i) for i in ids if i not in tried]
            if not wanted:
                return []
            only = f" AND id IN ({', '.join(str(i) for i in wanted)})"
        elif tried:  # a listener failed on these in this pass: a later pass tries them again
            only = f" AND id NOT IN ({', '.join(str(int(i)) for i in tried)})"
        skip = " FOR UPDATE SKIP LOCKED" if isinstance(current_engine(), PostgresEngine) else ""
        async with write_transaction(announce=False):  # leases: bookkeeping no cache holds
            rows = await OutboxEvent.raw(
                "UPDATE outbox_event SET lease_until = {}, attempts = attempts + 1 WHERE id IN ("
                "SELECT id FROM outbox_event WHERE handled_at IS NULL AND lease_until < {} AND attempts < {}"
                f"{only} ORDER BY id LIMIT {int(self.batch)}{skip}) RETURNING id, topic, payload",
                *args,
            )
        return [DomainEvent(r["id"], Topic(r["topic"]), json.loads(r["payload"])) for r in sorted(rows, key=_id)]

    async def _handle(self, event: DomainEvent) -> int:
        try:
            for listener in self.listeners.get(event.topic, []):
                await listener(event)
        except Exception as exc:  # left pending: the lease lapses and a later pass tries again
            log.exception("event %s (%s) failed; it will be retried", event.id, event.topic.value)
            async with write_transaction(announce=False):
                await OutboxEvent.update({OutboxEvent.last_error: f"{type(exc).__name__}: {exc}"[:2000]}).where(
                    OutboxEvent.id == event.id
                )
            return 0
        async with write_transaction(announce=False):
            await OutboxEvent.update({OutboxEvent.handled_at: utcnow(), OutboxEvent.last_error: ""}).where(
                OutboxEvent.id == event.id
            )
        return 1

    async def drain(self, ids: Iterable[int] | None = None) -> int:
        """Handle pending events (all, or just these) until none is left; returns how many were handled."""
        handled = 0
        wanted = None if ids is None else list(ids)
        tried: set[int] = set()
        while True:
            batch = await self._claim(wanted, tried)
            if not batch:
                return handled
            for event in batch:
                done = await self._handle(event)
                handled += done
                if not done:
                    tried.add(event.id)

    async def dispatch(self, ids: list[int]) -> None:
        """After a commit: handle the request's own events now (or wait while another relay that claimed
        them first does), within a bound; if they take longer, they go on and the request answers."""

        async def settle() -> None:
            await self.drain(ids)
            # Polled, not awaited on an Event: the relay that holds them may be another process.
            while await OutboxEvent.count().where(  # noqa: ASYNC110
                OutboxEvent.id.is_in(ids), OutboxEvent.handled_at.is_null(), OutboxEvent.last_error == ""
            ):
                await asyncio.sleep(0.05)

        work = asyncio.ensure_future(settle())
        try:
            await asyncio.wait_for(asyncio.shield(work), self.wait_seconds)
        except TimeoutError:
            log.warning("events %s still being handled after %ss; answering meanwhile", ids, self.wait_seconds)
        except Exception:
            log.exception("events %s could not be handled now; the relay retries them", ids)

    async def start(self) -> None:
        """Take up what an earlier process left (a crash between commit and handling), then keep polling."""
        global _relay
        if not isinstance(current_engine(), PostgresEngine):
            async with write_transaction(announce=False):  # one process on SQLite: any claim is a dead process's
                await OutboxEvent.update({OutboxEvent.lease_until: 0}).where(OutboxEvent.handled_at.is_null())
        _relay = self
        await self.drain()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("outbox relay pass failed; trying again in %ss", self.poll_seconds)

    async def stop(self) -> None:
        global _relay
        if _relay is self:
            _relay = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _id(row: dict) -> int:
    return row["id"]


_relay: Relay | None = None  # the relay of the running app, if any; events wait in the outbox otherwise


async def pending_events() -> int:
    return await OutboxEvent.count().where(OutboxEvent.handled_at.is_null())
