"""How an audit event is hashed and how a chain is checked: pure functions, no storage."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

GENESIS = "0" * 64
KOREA = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, or the registry itself (seed, import, scheduled work)."""

    id: int | None
    label: str


SYSTEM = Actor(None, "system")


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, ISO dates; the hash depends on it."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} in an audit event")


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(dict(fields))).encode()).hexdigest()


# The stored fields an event's hash covers (everything but its own id and hash).
HASHED_FIELDS = ("seq", "occurred_at", "actor_id", "actor", "action", "entity_type", "entity_id", "before", "after")


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None
    reason_en: str
    reason_ko: str


@dataclass(frozen=True)
class ChainReport:
    events: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(rows: Iterable[Mapping[str, Any]], head: Mapping[str, Any] | None) -> ChainReport:
    """Walk events in sequence order; report the first broken event.

    The first broken event is the sequence number of the first position at which the stored log, read
    in sequence order, differs from the log the registry wrote: position k holds no row, or a row whose
    stored fields (sequence number, content, prev_hash, hash) are not those event k was written with.
    One tampering (an edited field, a deleted event, two events swapped, an event replaced with its hash
    recomputed, the newest events deleted) is always named exactly; `tests/audit/test_model.py` checks it.

    An event replaced with a consistent hash looks sound itself: the next event's link shows it. That
    link names the replaced event when the next event still matches its own stored prev_hash (it was
    not touched), and the next event itself otherwise.

    `head` is the stored (last_seq, last_hash) pair updated with every append: it catches the deletion
    or replacement of the newest events, which no link inside the chain can show.
    """
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for row in rows:
        count += 1
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(
                count,
                prev_hash,
                ChainBreak(
                    expected_seq,
                    f"event {expected_seq} is missing (the next stored event is {seq}): rows were deleted",
                    f"{expected_seq}번 이벤트가 없습니다(다음 이벤트 {seq}). 기록이 삭제되었습니다.",
                ),
            )
        recomputed = event_hash(row["prev_hash"], {f: row[f] for f in HASHED_FIELDS})
        if row["prev_hash"] != prev_hash and recomputed == row["hash"] and seq > 1:
            # This event is as written (its hash covers the prev_hash it stores): the one before it was
            # replaced after it was written, with a hash recomputed to match its new content.
            return ChainReport(
                count - 1,
                prev_hash,
                ChainBreak(
                    seq - 1,
                    f"event {seq - 1} was replaced after it was written (event {seq} names another hash for it)",
                    f"{seq - 1}번 이벤트가 기록 후 바뀌었습니다({seq}번 이벤트가 가리키는 해시와 다름).",
                ),
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(
                count,
                prev_hash,
                ChainBreak(
                    seq,
                    f"event {seq} does not link to event {seq - 1}: rows were deleted or replaced",
                    f"{seq}번 이벤트가 {seq - 1}번 이벤트와 이어지지 않습니다. 기록이 삭제되거나 바뀌었습니다.",
                ),
            )
        if recomputed != row["hash"]:
            return ChainReport(
                count,
                prev_hash,
                ChainBreak(
                    seq,
                    f"event {seq} was changed after it was written (its hash no longer matches its content)",
                    f"{seq}번 이벤트가 기록 후 변경되었습니다(내용과 해시가 일치하지 않음).",
                ),
            )
        prev_hash, expected_seq = row["hash"], seq + 1
    last_seq = expected_seq - 1
    if head is None or (head["last_seq"] == last_seq and head["last_hash"] == prev_hash):
        return ChainReport(count, prev_hash, None)
    recorded = head["last_seq"]
    if recorded == last_seq:  # as many events as recorded, but the newest is not the one written
        broken = ChainBreak(
            last_seq,
            f"event {last_seq}, the newest, was replaced after it was written (its hash is not the one recorded)",
            f"가장 최근의 {last_seq}번 이벤트가 기록 후 바뀌었습니다(등록부에 기록된 해시와 다름).",
        )
    else:  # deleted: the first one missing; appended behind the registry's back: the first extra one
        broken = ChainBreak(
            last_seq + 1 if recorded > last_seq else recorded + 1,
            f"the log ends at event {last_seq} but the registry recorded {recorded} events: "
            "the newest events were deleted or added behind its back",
            f"기록은 {last_seq}번에서 끝나지만 등록부에는 {recorded}건이 기록되어 있습니다. "
            "최근 이벤트가 삭제되거나 몰래 추가되었습니다.",
        )
    return ChainReport(count, prev_hash, broken)


@dataclass(frozen=True)
class EventFilter:
    """Which events a reader asks for: by entity (type and id), action, actor, and Korean days (inclusive)."""

    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    actor_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def instants(self) -> tuple[str | None, str | None]:
        """The days as bounds on `occurred_at` (ISO UTC text, compared as text: one format throughout):
        from the start of `since` in Korea, to before the start of the day after `until`."""
        return (
            _start_of(self.since) if self.since else None,
            _start_of(self.until + dt.timedelta(days=1)) if self.until else None,
        )


def _start_of(day: dt.date) -> str:
    start = dt.datetime.combine(day, dt.time(), tzinfo=KOREA).astimezone(dt.UTC)
    return start.isoformat(timespec="microseconds")
