"""The rate limiter's counters: one row per client, class of request and fixed window, incremented with
one atomic upsert (registry/http/limits.py). Written by hand; portable between SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T06:00:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "rate limit counters"

STATEMENTS = [
    "CREATE TABLE rate_limit_window ("
    " bucket VARCHAR(200) NOT NULL,"
    " window_start BIGINT NOT NULL,"
    " hits INTEGER NOT NULL,"
    " PRIMARY KEY (bucket, window_start))",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
