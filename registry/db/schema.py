"""Applying migrations: the only way the schema changes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from registry.db import changes
from registry.db.engine import current_engine


class MigrationFailed(RuntimeError):
    pass


async def applied_migrations() -> list[str]:
    if not await Migration.table_exists().run():
        return []
    return await Migration.get_migrations_which_ran(app_name="registry")


async def upgrade() -> list[str]:
    """Apply every pending migration; return the ids applied now (empty when already current)."""
    import importlib
    import os

    # Piccolo's migration runner finds the engine through the configuration module.
    importlib.import_module(os.environ["PICCOLO_CONF"]).DB = current_engine()
    before = set(await applied_migrations())
    chatter = io.StringIO()  # Piccolo narrates each step; the CLI prints its own summary instead
    with contextlib.redirect_stdout(chatter):
        result = await run_forwards(app_name="registry")
    if not result.success:
        raise MigrationFailed(result.message or chatter.getvalue())
    applied = sorted(set(await applied_migrations()) - before)
    if applied:  # the schema changed outside any write transaction: every cache starts again
        await changes.announce(current_engine())
    return applied


async def create_database(url: str) -> bool:
    """Create the PostgreSQL database DATABASE_URL names, if missing (connecting to the server's
    `postgres` database to do it). Returns True when it was created. SQLite needs nothing: the file
    is created on first use."""
    if url.startswith("sqlite:"):
        return False
    from urllib.parse import urlsplit, urlunsplit

    import asyncpg

    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    name = parts.path.lstrip("/")
    if not name or '"' in name:
        raise MigrationFailed(f"DATABASE_URL names no usable database: {name!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    connection = await asyncpg.connect(admin_url, timeout=10)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        await connection.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await connection.close()
