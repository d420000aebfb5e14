"""`dtc-registry`: serve, migrate, seed, and check the registry's files: one module per command group."""

from __future__ import annotations

import rich_click as click

from registry import __version__
from registry.cli.audit import audit
from registry.cli.catalog import catalog
from registry.cli.certificates import certificates
from registry.cli.common import ignore_connection_warnings
from registry.cli.db import db
from registry.cli.events import events
from registry.cli.panels import panels
from registry.cli.pseudonymisation import pseudonymisation
from registry.cli.seed import seed
from registry.cli.serve import serve
from registry.cli.users import users

PROG = "dtc-registry"


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Example: dtc-registry panels check panels.csv --provider 3 --output results.csv",
)
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
@click.rich_config(help_config=click.RichHelpConfiguration(show_arguments=True))
def cli() -> None:
    """The registry of certified direct-to-consumer genetic-test providers: serve it, migrate and seed
    its database, and check panels and the reviewed catalogue files from the command line.

    Settings come from environment variables (DATABASE_URL, REGISTRY_ENV, ...; see README.md).
    """
    ignore_connection_warnings()


for command in (serve, db, seed, users, certificates, panels, audit, catalog, events, pseudonymisation):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """The console script: run the command line, then exit with its status (0, 1 refused, 2 usage)."""
    cli.main(args=argv, prog_name=PROG)


__all__ = ["cli", "main"]
