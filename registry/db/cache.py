"""Values derived from the database and kept in memory until the data they come from changes: each is
rebuilt only when its revision (one cheap query) differs from the one it was built at. The revision is
asked only when the change signal (registry/db/changes.py) cannot vouch for the entry: while the
generation is known and the same as when the entry was last confirmed, no write has committed anywhere
since, and the entry is served without a query. A value that also depends on something outside the
database (the day in Korea) names it as `besides`, which the entry must match too. One entry per database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from registry.db import changes
from registry.db.engine import current_engine, describe, read_transaction, replica_reads

T = TypeVar("T")


class RevisionCache(Generic[T]):
    def __init__(
        self,
        revision: Callable[[], Awaitable[tuple]],
        build: Callable[[], Awaitable[T]],
        besides: Callable[[], object] | None = None,
    ) -> None:
        self.revision, self.build, self.besides = revision, build, besides
        # database -> (revision, value, (generation, besides) it was last confirmed at)
        self._entries: dict[str, tuple[tuple, T, Any]] = {}

    async def get(self) -> T:
        engine = current_engine()
        key = describe(engine)
        generation = changes.generation(engine)  # read before what it vouches for
        if generation is not None and self.besides is not None:
            generation = (generation, self.besides())
        entry = self._entries.get(key)
        if entry is not None and generation is not None and entry[2] == generation:
            return entry[1]
        # Confirmed and built on the primary: a replica behind it would have the entry stamped current
        # with what the write that changed the generation replaced.
        with replica_reads(False):
            revision = await self.revision()
            if entry is not None and entry[0] == revision:
                self._entries[key] = (revision, entry[1], generation)
                return entry[1]
            async with read_transaction():  # the revision and what it describes, read together
                revision = await self.revision()
                value = await self.build()
        self._entries[key] = (revision, value, generation)
        return value
