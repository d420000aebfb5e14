"""Record ids: every id column is a 32-bit integer on PostgreSQL (and SQLite stores 64 bits), so an id
outside 1 .. 2^31-1 can name no record. The edge refuses such ids before any query is built."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**31 - 1

RecordId = Annotated[int, Field(ge=1, le=MAX_ID, description=f"a record id, 1 to {MAX_ID}")]


def is_record_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
