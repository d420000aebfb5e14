"""The schema: the migrations are current once the test database is set up."""

from registry.db.schema import upgrade


async def test_migrations_are_current_after_setup(engine):
    assert await upgrade() == []
