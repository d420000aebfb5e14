"""Public listings page in the database: the providers' names folded for search (`name_key`, kept on
every write of a provider) filled in for the providers already registered, and the index the listing's
order (verified providers by English name, then id) reads. Written by hand; portable between SQLite and
PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from registry.kernel.text import search_keys

ID = "2026-11-26T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "provider name search key and listing index"

STATEMENTS = [
    "ALTER TABLE provider ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
    # verified providers by English name, id breaking ties: the listing's keyset order; with the search key,
    # so that a name search reads the index alone until a row matches
    "CREATE INDEX provider_status_name ON provider (status, name_en, id, name_key)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)
        rows = await engine.run_querystring(QueryString("SELECT id, name_ko, name_en FROM provider"))
        for row in rows:
            key = search_keys(row["name_ko"], row["name_en"])
            await engine.run_querystring(QueryString("UPDATE provider SET name_key = {} WHERE id = {}", key, row["id"]))

    manager.add_raw(run)
    return manager
