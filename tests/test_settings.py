"""Production refuses secrets that are short or predictable: estimated entropy, not only length."""

import secrets

import pytest
from piccolo.engine.postgres import PostgresEngine

from registry.db.engine import ReplicatedPostgresEngine, describe, engine_from_url
from registry.settings import DEVELOPMENT_SECRET_KEY, MIN_SECRET_BITS, Settings, SettingsError, secret_bits


def problems(secret: str) -> list[str]:
    return Settings(environment="production", secret_key=secret).production_problems()


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(32),  # what the README suggests
        secrets.token_hex(32),
        secrets.token_hex(16),  # 32 hex digits: 128 bits exactly
        "kQ3v9-Zt_fW2LbX7pN0aRj5cYh8uE1sD4mGi6oTq",
    ],
)
def test_random_secrets_are_accepted(secret):
    assert secret_bits(secret) >= MIN_SECRET_BITS
    assert problems(secret) == []


@pytest.mark.parametrize(
    "secret",
    [
        "x" * 64,  # one character
        "ab" * 32,  # a repeated pattern
        "password" * 5,
        "Passw0rd!" * 4,
        "0123456789" * 4,
        "abababababababababababababababababababcd",  # few distinct characters
        "00000000000000000000000000000000000000000001",
        "correct horse battery staple zz",  # 31: too short anyway
    ],
)
def test_predictable_secrets_are_refused(secret):
    found = problems(secret)
    assert len(found) == 1 and "REGISTRY_SECRET_KEY" in found[0], found


def test_the_development_secret_and_short_secrets_keep_their_own_message():
    assert "not set" in problems(DEVELOPMENT_SECRET_KEY)[0]
    assert "32 characters" in problems("aB3$" * 3)[0]
    assert "predictable" in problems("aB3$" * 10)[0]
    assert secret_bits("") == 0 and secret_bits("a") == 0


def test_read_replicas_are_postgresql_urls_beside_a_postgresql_primary():
    primary = "postgres://postgres:secret@127.0.0.1:5432/test"
    replicas = "postgres://registry:secret@db-replica-1/dtc_registry, postgresql://registry@db-replica-2/dtc_registry"
    settings = Settings.from_env({"DATABASE_URL": primary, "REGISTRY_READ_DATABASE_URLS": replicas})
    assert settings.read_database_urls == (
        "postgres://registry:secret@db-replica-1/dtc_registry",
        "postgresql://registry@db-replica-2/dtc_registry",
    )
    assert Settings.from_env({"DATABASE_URL": primary}).read_database_urls == ()
    with pytest.raises(SettingsError, match="REGISTRY_READ_DATABASE_URLS") as refused:
        Settings.from_env({"DATABASE_URL": primary, "REGISTRY_READ_DATABASE_URLS": "mysql://u:hunter2@replica/db"})
    assert "hunter2" not in str(refused.value)  # never the password
    with pytest.raises(SettingsError, match="REGISTRY_READ_DATABASE_URLS needs DATABASE_URL on PostgreSQL"):
        Settings.from_env({"REGISTRY_READ_DATABASE_URLS": replicas})

    engine = engine_from_url(settings.database_url, settings.read_database_urls)
    assert isinstance(engine, ReplicatedPostgresEngine) and len(engine.replica_configs) == 2
    assert "db-replica-1" in describe(engine) and "secret" not in describe(engine)
    plain = engine_from_url(f"{primary}?application_name=registry-web&sslmode=disable")
    assert type(plain) is PostgresEngine
    assert plain.config["server_settings"] == {"application_name": "registry-web"}
    assert plain.config["ssl"] == "disable"
