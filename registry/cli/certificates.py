"""`dtc-registry certificates`: record certifications granted before the registry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import rich_click as click
from click.exceptions import Exit

from registry.cli.common import REFUSED, fail, load_settings, one_line, read_input, run_with_database


def read_history(path: Path) -> dict:
    """A TOML history file, or one line saying why it cannot be read."""
    data = read_input(path, "import")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        fail(f"import: cannot read {path}: not UTF-8 text")
    except tomllib.TOMLDecodeError as exc:
        reason = one_line(exc)
        fail(f"import: cannot read {path}: not valid TOML: {reason[:1].lower()}{reason[1:]}")


@click.group(epilog="Example: dtc-registry certificates import pilot-2020.toml")
def certificates() -> None:
    """Certificates."""


@certificates.command("import", epilog="Example: dtc-registry certificates import pilot-2020.toml")
@click.argument("file", type=click.Path(path_type=Path), help="A TOML file of providers and their certificates.")
def import_certificates(file: Path) -> None:
    """Record certifications granted before the registry (TOML file); all or nothing.

    The file lists [[providers]], each with its [[providers.certificates]]: number, kind, validity and
    items. A certificate number already recorded is skipped.
    """
    settings = load_settings()
    document = read_history(file)

    async def work() -> list[str]:
        from registry.certification.history_import import import_history
        from registry.http.problems import render
        from registry.kernel.errors import DomainError

        try:
            return await import_history(document)
        except DomainError as exc:
            click.echo(f"import: refused, nothing was written: {render(exc)[1]}", err=True)
            for error in exc.errors:
                click.echo(f"  {error.field}: {error.reason}", err=True)
            raise Exit(REFUSED) from None

    recorded = run_with_database(settings, work)
    click.echo(f"import: recorded {len(recorded)} certificate(s)" + (f": {', '.join(recorded)}" if recorded else ""))
