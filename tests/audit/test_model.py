"""The chain verifier, as a pure function: whatever one tampering did, it names the first broken event.

"First broken event", precisely: read the stored log in sequence order and compare it with the log the
registry wrote, position by position; the first broken event is the first position k (1-based) at
which the stored log holds no row although the registry wrote event k, or holds a row whose stored
fields (seq, content, prev_hash, hash) differ from those of event k as written, or holds a row beyond
the last event written. The stored head (last_seq, last_hash) is the registry's own and left alone.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.audit.model import GENESIS, HASHED_FIELDS, canonical_json, event_hash, verify_chain

TAMPERINGS = ("edit", "delete", "swap", "replace", "delete_newest")
EDITABLE = (*HASHED_FIELDS, "prev_hash", "hash")


def honest_chain(n: int) -> tuple[list[dict], dict]:
    rows, prev = [], GENESIS
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "occurred_at": (start + dt.timedelta(minutes=seq)).isoformat(timespec="microseconds"),
            "actor_id": None if seq % 3 == 0 else seq,
            "actor": f"user {seq}",
            "action": "test.event",
            "entity_type": "thing",
            "entity_id": str(seq),
            "before": canonical_json({"n": seq}),
            "after": canonical_json({"n": seq + 1}),
        }
        digest = event_hash(prev, fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows, {"last_seq": n, "last_hash": prev}


def first_difference(stored: list[dict], honest: list[dict]) -> int | None:
    """The definition in the module docstring, computed by comparison with the honest chain."""
    ordered = sorted(stored, key=lambda r: r["seq"])
    for position in range(1, max(len(ordered), len(honest)) + 1):
        if position > len(ordered) or position > len(honest) or ordered[position - 1] != honest[position - 1]:
            return position
    return None


def changed(field: str, value: object, n: int) -> object:
    if field == "seq":
        return n + 1 + value  # a later number no event has: the column is unique  # type: ignore[operator]
    if field == "actor_id":
        return 7 if value is None else value + 1  # type: ignore[operator]
    if field in ("prev_hash", "hash"):
        return "f" * 64 if value != "f" * 64 else "e" * 64
    return f"{value}x"


@st.composite
def tampered_chains(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    honest, head = honest_chain(n)
    stored = [dict(r) for r in honest]
    kind = draw(st.sampled_from(TAMPERINGS if n > 1 else ("edit", "delete", "replace", "delete_newest")))
    k = draw(st.integers(min_value=1, max_value=n))
    if kind == "edit":
        field = draw(st.sampled_from(EDITABLE))
        stored[k - 1][field] = changed(field, stored[k - 1][field], n)
    elif kind == "delete":
        del stored[k - 1]
    elif kind == "swap":
        j = draw(st.integers(min_value=1, max_value=n).filter(lambda j: j != k))
        stored[k - 1]["seq"], stored[j - 1]["seq"] = stored[j - 1]["seq"], stored[k - 1]["seq"]
    elif kind == "replace":
        row = stored[k - 1]
        row["after"] = canonical_json({"forged": draw(st.integers())})
        row["hash"] = event_hash(row["prev_hash"], {f: row[f] for f in HASHED_FIELDS})
    else:
        stored = stored[: k - 1]
    return kind, honest, head, sorted(stored, key=lambda r: r["seq"])


@settings(max_examples=600, deadline=None)
@given(tampered_chains())
def test_the_verifier_names_exactly_the_first_broken_event(case):
    kind, honest, head, stored = case
    expected = first_difference(stored, honest)
    assert expected is not None, "every tampering changes the log"
    report = verify_chain(stored, head)
    assert not report.intact, kind
    assert report.first_break.seq == expected, (kind, report.first_break)
    assert report.first_break.reason_en and report.first_break.reason_ko


@given(st.integers(min_value=0, max_value=12))
def test_an_honest_chain_is_intact(n):
    rows, head = honest_chain(n)
    report = verify_chain(rows, head)
    assert report.intact and report.events == n and report.head_hash == head["last_hash"]


def test_events_appended_behind_the_registry_s_back_are_named():
    rows, head = honest_chain(5)
    more, _ = honest_chain(7)
    assert verify_chain(more, head).first_break.seq == 6
    assert verify_chain(rows[:3] + more[3:4], head).first_break.seq == 5
