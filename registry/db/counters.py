"""Serial numbers that cannot collide: one atomic statement per number, on both engines. Two writers
asking at once get different numbers (the counter row is locked until the asking transaction ends)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from registry.db.tables import NumberCounter


async def next_serial(series: str, taken: Callable[[int], Awaitable[bool]] | None = None) -> int:
    """The next serial of `series`, inside the caller's write transaction. `taken` says whether a serial
    is already used by a record that did not come from this counter (e.g. certificates recorded from
    before the registry with their own numbers); such serials are skipped."""
    while True:
        rows = await NumberCounter.raw(
            "INSERT INTO number_counter (series, last) VALUES ({}, 1) "
            "ON CONFLICT (series) DO UPDATE SET last = number_counter.last + 1 RETURNING last",
            series,
        )
        serial = rows[0]["last"]
        if taken is None or not await taken(serial):
            return serial
