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


async def test_cli_disables_an_account_and_revokes_its_tokens(database: Database, client_for):
    from registry.accounts import urls
    from registry.accounts.model import Role
    from registry.accounts.service import create_user
    from tests.workflow import sign_in

    email = f"{unique('off')}@staff.example"
    async with client_for(database) as client:
        await create_user(email, "Switched Off", Role.regulator, PASSWORD)
        headers = await sign_in(client, email)
        done = run("users", "disable", "--email", email, "--reason", "left", database=database)
        assert done.returncode == 0 and f"disabled {email}" in done.stdout and "1 token(s) revoked" in done.stdout
        assert (await client.get(urls.ME, headers=headers)).status_code == 401
        r = await client.post(urls.TOKEN, json={"email": email, "password": PASSWORD})
        assert r.status_code == 401 and r.json()["code"] == "INVALID_CREDENTIALS"
    unknown = run("users", "disable", "--email", "nobody@x.example", "--reason", "r", database=database)
    assert "no user has the e-mail" in one_line(unknown, 1)


def test_cli_disable_shows_an_example(invoke):
    result = invoke("users", "disable", "--help")
    assert result.exit_code == 0 and "dtc-registry users disable --email" in result.output
