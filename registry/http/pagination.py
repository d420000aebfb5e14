"""Cursor pagination with no depth cap: the cursor names the last row seen, the total is returned, and a
limit above the maximum is an error rather than a silent cut."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from registry.kernel.errors import DomainError, FieldError
from registry.kernel.ids import MAX_ID

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_CURSOR_LENGTH = 512  # a cursor this API issues is a few dozen characters


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    next_cursor: str | None


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise DomainError(
            "INVALID_PARAMETER.limit",
            max=MAX_LIMIT,
            limit=limit,
            errors=[FieldError("limit", f"must be between 1 and {MAX_LIMIT}")],
        )
    return limit


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode().rstrip("=")


def _bad_cursor() -> DomainError:
    return DomainError("INVALID_PARAMETER.cursor", errors=[FieldError("cursor", "not a cursor this API issued")])


def decode_cursor(cursor: str) -> str:
    """The key a cursor names; anything else (not base64, not JSON, nested, not a string) is a 400."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _bad_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        raise _bad_cursor() from None
    if not isinstance(value, str):
        raise _bad_cursor()
    return value


def decode_id_cursor(cursor: str) -> int:
    """A cursor over rows ordered by a numeric id or sequence number: the key is that number, 0 .. 2^31-1."""
    value = decode_cursor(cursor)
    if not (value.isascii() and value.isdigit() and len(value) <= 10) or int(value) > MAX_ID:
        raise _bad_cursor()
    return int(value)


def paginate(rows: Sequence[T], key: Callable[[T], str], limit: int | None, cursor: str | None) -> Page[T]:
    """Page through rows in their given order; the cursor is the key of the last row returned."""
    size = check_limit(limit)
    start = 0
    if cursor:
        after = decode_cursor(cursor)
        keys = [key(r) for r in rows]
        if after not in keys:
            raise DomainError("NOT_FOUND.cursor", errors=[FieldError("cursor", "unknown position")])
        start = keys.index(after) + 1
    chunk = list(rows[start : start + size])
    more = start + size < len(rows)
    return Page(chunk, len(rows), encode_cursor(key(chunk[-1])) if more and chunk else None)
