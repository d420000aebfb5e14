"""The sign-in throttles' unique (kind, key): the conflict target of the one statement that claims an
attempt (INSERT ... ON CONFLICT (kind, key) DO UPDATE). Written by hand; portable between SQLite and
PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T06:38:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-in throttle index"

STATEMENTS = [
    "CREATE UNIQUE INDEX sign_in_throttle_kind_key ON sign_in_throttle (kind, key)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
