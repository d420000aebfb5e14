"""Values derived from the database and kept in memory until the data they come from changes: each is
rebuilt only when its revision (one cheap query, asked on every use so that several workers stay
consistent) differs from the one it was built at. One entry per database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from registry.db.engine import current_engine, describe, read_transaction

T = TypeVar("T")


class RevisionCache(Generic[T]):
    def __init__(self, revision: Callable[[], Awaitable[tuple]], build: Callable[[], Awaitable[T]]) -> None:
        self.revision, self.build = revision, build
        self._entries: dict[str, tuple[tuple, T]] = {}

    async def get(self) -> T:
        key = describe(current_engine())
        revision = await self.revision()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == revision:
            return entry[1]
        async with read_transaction():  # the revision and what it describes, read together
            revision = await self.revision()
            value = await self.build()
        self._entries[key] = (revision, value)
        return value
