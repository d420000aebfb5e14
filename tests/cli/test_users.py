"""`dtc-registry users create`: staff accounts, refused in one line when they cannot be."""

from tests.cli.helpers import one_line, run
from tests.conftest import Database
from tests.workflow import PASSWORD, unique


def test_cli_creates_staff_accounts(database: Database):
    email = f"{unique('cli')}@staff.example"
    command = ["users", "create", "--email", email, "--name", "CLI Reviewer", "--role", "reviewer"]
    first = run(*command, database=database, REGISTRY_NEW_USER_PASSWORD=PASSWORD)
    assert first.returncode == 0 and f"created reviewer {email}" in first.stdout, first.stderr
    again = run(*command, database=database, REGISTRY_NEW_USER_PASSWORD=PASSWORD)
    assert "already exists" in one_line(again, 1)
    weak = run(
        *command[:-4], "--name", "W", "--role", "regulator", database=database, REGISTRY_NEW_USER_PASSWORD="short"
    )
    assert "at least 12 characters" in one_line(weak, 1)
