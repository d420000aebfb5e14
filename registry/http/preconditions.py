"""If-Match, read once at the edge into the versions a writer read; the use case compares them."""

from __future__ import annotations

from registry.kernel.errors import Expected


def versions_read(if_match: str | None) -> Expected:
    if if_match is None:
        return Expected(None, sent=False)
    tags = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
    if "*" in tags:
        return Expected(None)
    return Expected(frozenset(int(t) for t in tags if t.isdigit() and len(t) < 12))
