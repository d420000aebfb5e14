"""The command line as a whole: its version, every command's help, usage and configuration errors."""

import subprocess
import sys

import click
import pytest

from registry import __version__
from registry.cli import cli
from tests.cli.helpers import one_line, run
from tests.conftest import Database


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
    return found


def test_version(invoke):
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout == f"dtc-registry {__version__}\n"
    process = subprocess.run(
        [sys.executable, "-m", "registry.cli", "--version"], capture_output=True, text=True, check=False
    )
    assert process.returncode == 0 and process.stdout == f"dtc-registry {__version__}\n"


def test_every_command_is_there():
    assert {" ".join(path) for path, _ in commands()} == {
        "serve",
        "db", "db create", "db upgrade",
        "seed",
        "users", "users create", "users disable",
        "certificates", "certificates import",
        "panels", "panels check",
        "audit", "audit verify",
        "catalog", "catalog validate", "catalog export",
        "events", "events status", "events relay",
        "pseudonymisation", "pseudonymisation versions", "pseudonymisation show", "pseudonymisation check",
        "pseudonymisation validate",
    }  # fmt: skip


@pytest.mark.parametrize("path", [(), *[path for path, _ in commands()]], ids=lambda p: " ".join(p) or "dtc-registry")
def test_help_ends_with_an_example(invoke, path):
    command = cli
    for name in path:
        command = command.commands[name]
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    example = command.epilog
    assert example.startswith("Example: ") and "dtc-registry " + " ".join(path) in example
    assert " ".join(result.stdout.split()).endswith(" ".join(example.split()))  # the last thing the help says


def test_usage_errors_exit_2(invoke):
    assert invoke("panels", "check").exit_code == 2  # FILE missing
    assert invoke("users", "create", "--email", "a@b.example", "--name", "A", "--role", "king").exit_code == 2
    assert invoke("no-such-command").exit_code == 2


def test_a_bad_setting_is_one_line(invoke, tmp_path):
    result = invoke("catalog", "validate", DATABASE_URL="mysql://registry")
    assert one_line(result, 2).startswith("configuration error: DATABASE_URL must start with")


def test_an_unreachable_database_is_one_line():
    nowhere = Database("postgres", "postgres://postgres@127.0.0.1:1/registry")
    assert one_line(run("audit", "verify", database=nowhere), 1) == (
        "database: cannot open PostgreSQL postgres@127.0.0.1:1/registry: connection refused"
    )
    assert (
        one_line(run("db", "create", database=nowhere), 1) == "database: cannot create the database: connection refused"
    )
