"""`dtc-registry db`: create the database, apply migrations."""

from __future__ import annotations

import asyncio

import rich_click as click

from registry.cli.common import fail, load_settings, one_line, os_reason, run_with_database


async def upgrade_schema() -> None:
    from registry.db.schema import MigrationFailed
    from registry.db.schema import upgrade as apply_migrations

    try:
        applied = await apply_migrations()
    except MigrationFailed as exc:
        fail(f"database: migration failed: {one_line(exc)}")
    if applied:
        click.echo(f"database: applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("database: schema is current, no migrations to apply")


@click.group(epilog="Example: dtc-registry db upgrade")
def db() -> None:
    """The database schema."""


@db.command(epilog="Example: DATABASE_URL=postgres://registry@127.0.0.1:5432/registry dtc-registry db create")
def create() -> None:
    """Create the PostgreSQL database DATABASE_URL names, if missing (SQLite: nothing to do)."""
    from registry.db.schema import create_database

    settings = load_settings()
    if settings.is_sqlite:
        click.echo("database: SQLite, the file is created on first use; nothing to do")
        return
    try:
        created = asyncio.run(create_database(settings.database_url))
    except Exception as exc:  # unreachable server, refused login, unusable name: one line, no traceback
        reason = os_reason(exc) if isinstance(exc, OSError) else one_line(exc)
        fail(f"database: cannot create the database: {reason}")
    click.echo("database: created" if created else "database: already exists; nothing to do")


@db.command(epilog="Example: dtc-registry db upgrade")
def upgrade() -> None:
    """Apply pending migrations."""
    run_with_database(load_settings(), upgrade_schema)
