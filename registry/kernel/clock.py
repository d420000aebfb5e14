"""The registry's one clock: instants in UTC, calendar days in Korea (the law's dates are Korean dates)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

KOREA = ZoneInfo("Asia/Seoul")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_in_korea() -> dt.date:
    return dt.datetime.now(KOREA).date()


def aware(value: dt.datetime | str) -> dt.datetime:
    """Timestamps back from the database: SQLite keeps them as text, both engines may drop the zone."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def korean_day(instant: dt.datetime | str) -> dt.date:
    """The day in Korea of an instant (a stored timestamp: UTC, or without its zone)."""
    return aware(instant).astimezone(KOREA).date()
