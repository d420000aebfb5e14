"""What the tables cannot declare (composite and partial indexes, piccolo issue 1188; a table with a
composite primary key), and the audit chain's head row. Written by hand; portable between SQLite and
PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T07:38:19:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes, rate-limit counters and the audit head"

STATEMENTS = [
    # catalogue
    "CREATE UNIQUE INDEX catalogue_entry_edition_item ON catalogue_entry (edition, item)",
    "CREATE INDEX catalogue_entry_item ON catalogue_entry (item)",
    "CREATE INDEX catalogue_edition_state_effective ON catalogue_edition (state, effective_from)",
    # certification
    "CREATE UNIQUE INDEX certificate_item_once ON certificate_item (certificate, code, certified_from)",
    "CREATE INDEX certificate_item_code ON certificate_item (code)",
    "CREATE INDEX certificate_provider ON certificate (provider)",
    "CREATE INDEX certificate_event_certificate ON certificate_event (certificate, effective_date)",
    "CREATE INDEX application_provider_state ON application (provider, state)",
    "CREATE UNIQUE INDEX application_item_once ON application_item (application, code)",
    "CREATE INDEX evaluation_application ON evaluation (application)",
    # validation records are listed per provider and item
    "CREATE INDEX validation_record_provider_code ON validation_record (provider, code)",
    # accounts, requests
    'CREATE INDEX access_token_user ON access_token ("user")',
    "CREATE UNIQUE INDEX idempotent_response_user_key ON idempotent_response (user_id, key)",
    # panels are re-checked by provider
    "CREATE INDEX panel_provider ON panel (provider)",
    # audit
    "CREATE INDEX audit_event_entity ON audit_event (entity_type, entity_id)",
    "INSERT INTO audit_head (last_seq, last_hash) VALUES (0, '" + "0" * 64 + "')",
    # the outbox: the relay looks for pending events only
    "CREATE INDEX outbox_event_pending ON outbox_event (id) WHERE handled_at IS NULL",
    # sign-in throttles: one row per (kind, key), claimed with INSERT ... ON CONFLICT (kind, key)
    "CREATE UNIQUE INDEX sign_in_throttle_kind_key ON sign_in_throttle (kind, key)",
    # the rate limiter's counters: one row per client, class of request and fixed window, incremented
    # with one atomic upsert (registry/http/limits.py)
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
