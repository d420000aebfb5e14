"""Derived values asked for their revision only when the change signal cannot vouch for them."""

from registry.db import changes
from registry.db.cache import RevisionCache
from registry.db.engine import write_transaction


class Source:
    def __init__(self) -> None:
        self.revision_asked = self.built = 0
        self.revision_value = 1

    async def revision(self) -> tuple:
        self.revision_asked += 1
        return (self.revision_value,)

    async def build(self) -> int:
        self.built += 1
        return self.revision_value


async def test_no_revision_query_while_nothing_is_written(engine):
    await changes.listen(engine)
    source = Source()
    cache = RevisionCache(source.revision, source.build)
    assert await cache.get() == 1
    asked = source.revision_asked
    for _ in range(5):
        assert await cache.get() == 1
    assert source.revision_asked == asked
    assert source.built == 1


async def test_after_a_commit_the_revision_decides(engine):
    await changes.listen(engine)
    source = Source()
    cache = RevisionCache(source.revision, source.build)
    await cache.get()
    async with write_transaction():  # a write that leaves the revision alone: confirmed, not rebuilt
        pass
    asked = source.revision_asked
    assert await cache.get() == 1
    assert (source.revision_asked, source.built) == (asked + 1, 1)
    assert await cache.get() == 1
    assert source.revision_asked == asked + 1, "confirmed at the new generation"
    source.revision_value = 2
    async with write_transaction():
        pass
    assert await cache.get() == 2
    assert source.built == 2


async def test_while_the_signal_is_unknown_every_use_asks(engine, monkeypatch):
    monkeypatch.setattr(changes, "generation", lambda _: None)
    source = Source()
    cache = RevisionCache(source.revision, source.build)
    await cache.get()
    asked = source.revision_asked
    await cache.get()
    await cache.get()
    assert source.revision_asked == asked + 2
    assert source.built == 1


async def test_a_value_that_depends_on_the_day_is_rebuilt_the_next_day(engine):
    await changes.listen(engine)
    source, day = Source(), ["2026-11-26"]

    async def revision() -> tuple:
        return (*await source.revision(), day[0])

    cache = RevisionCache(revision, source.build, besides=lambda: day[0])
    await cache.get()
    await cache.get()
    assert source.built == 1
    day[0] = "2026-11-27"
    await cache.get()
    assert source.built == 2
