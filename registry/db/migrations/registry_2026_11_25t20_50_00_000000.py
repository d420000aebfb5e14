"""Indexes Piccolo tables cannot declare portably: composite unique keys (see STACK-NOTES)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX catalogue_entry_edition_item ON catalogue_entry (edition, item)",
    "CREATE INDEX catalogue_entry_item ON catalogue_entry (item)",
    "CREATE INDEX catalogue_edition_state_effective ON catalogue_edition (state, effective_from)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
