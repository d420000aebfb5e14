"""Running `dtc-registry`: in this process through click's CliRunner, for what is refused before any
database work (or needs none); as a process of its own, as in production, for the rest."""

import os
import subprocess
import sys

from click.testing import Result

from tests.conftest import Database


def run(*args: str, database: Database, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        env={**os.environ, "DATABASE_URL": database.url, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def one_line(result: Result | subprocess.CompletedProcess[str], code: int) -> str:
    """The exit code is `code` and standard error holds one line, no traceback; that line."""
    exit_code = result.exit_code if isinstance(result, Result) else result.returncode
    assert exit_code == code, (exit_code, result.stdout, result.stderr)
    if isinstance(result, Result):
        assert isinstance(result.exception, SystemExit), result.exception  # no other exception escaped
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
