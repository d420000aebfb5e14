"""Index of registered panels by provider (they are re-checked by provider)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T21:13:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "panel index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("CREATE INDEX panel_provider ON panel (provider)")

    manager.add_raw(run)
    return manager
