"""`dtc-registry db upgrade`, `seed` and `audit verify` on a database of their own: idempotent, in tables."""

from tests.cli.helpers import run
from tests.conftest import Database


def test_seed_twice_then_verify(fresh_database: Database):
    upgrade = run("db", "upgrade", database=fresh_database)
    assert upgrade.returncode == 0 and "schema is current" in upgrade.stdout, upgrade.stderr
    first = run("seed", database=fresh_database)
    assert first.returncode == 0, first.stderr
    assert "imported 10 edition(s)" in first.stdout and "demo certificate(s)" in first.stdout
    again = run("seed", database=fresh_database)
    assert again.returncode == 0, again.stderr
    assert "all 10 editions already present; nothing changed" in again.stdout
    assert "already present; nothing changed" in again.stdout.split("demo", 1)[1]
    verify = run("audit", "verify", database=fresh_database)
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("audit: intact") and "events" in verify.stdout
