"""Fixtures for the command line: a CliRunner on a database nothing should touch, a registered provider."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from registry.cli import cli
from tests.workflow import business_number


@pytest.fixture
def untouched(tmp_path: Path) -> Iterator[Path]:
    """The SQLite file in-process runs name: the commands they run are refused, or need no database, so
    it must still not exist afterwards."""
    path = tmp_path / "untouched.sqlite3"
    yield path
    assert not path.exists(), "a command that needs no database opened one"


@pytest.fixture
def invoke(untouched: Path) -> Callable[..., Result]:
    runner = CliRunner()

    def call(*args: str, **env: str) -> Result:
        return runner.invoke(
            cli, list(args), env={"DATABASE_URL": f"sqlite:///{untouched}", **env}, prog_name="dtc-registry"
        )

    return call


@pytest.fixture
async def provider_id(engine) -> int:
    """A provider recorded without any certificate (panels as of before 2023-12-30 need none)."""
    from registry.certification.history_import import import_history
    from registry.certification.tables import Provider

    number = business_number()
    organisation = {"name_ko": "패널 기관", "name_en": "Panel Lab", "contact_email": "panels@lab.example"}
    await import_history({"providers": [{**organisation, "business_number": number}]})
    return (await Provider.select(Provider.id).where(Provider.business_number == number).first())["id"]
