"""Indexes for certification and accounts, and the audit log's head row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T20:53:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "certification indexes, audit head"

STATEMENTS = (
    "CREATE UNIQUE INDEX idempotent_response_user_key ON idempotent_response (user_id, key)",
    "CREATE UNIQUE INDEX certificate_item_once ON certificate_item (certificate, code, certified_from)",
    "CREATE INDEX certificate_item_code ON certificate_item (code)",
    "CREATE INDEX certificate_provider ON certificate (provider)",
    "CREATE INDEX certificate_event_certificate ON certificate_event (certificate, effective_date)",
    "CREATE INDEX application_provider_state ON application (provider, state)",
    "CREATE UNIQUE INDEX application_item_once ON application_item (application, code)",
    "CREATE INDEX evaluation_application ON evaluation (application)",
    'CREATE INDEX access_token_user ON access_token ("user")',
    "CREATE INDEX audit_event_entity ON audit_event (entity_type, entity_id)",
    "INSERT INTO audit_head (last_seq, last_hash) VALUES (0, '" + "0" * 64 + "')",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
