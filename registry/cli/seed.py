"""`dtc-registry seed`: import the reviewed catalogue from rules/, and the demo data outside production."""

from __future__ import annotations

import rich_click as click
from click.exceptions import Exit

from registry.cli.common import REFUSED, console, fail, load_settings, os_reason, run_with_database, summary_table
from registry.settings import Settings


async def seed_registry(settings: Settings) -> None:
    """Idempotent: a second run changes nothing and says so. Prints the report as a table."""
    from registry.catalog.service import CatalogueImportError, import_catalogue

    try:
        report = await import_catalogue(settings.rules_dir / "catalog")
    except CatalogueImportError as exc:
        click.echo("seed: refused, nothing was written:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise Exit(REFUSED) from None
    if report.imported:
        catalogue = f"imported {len(report.imported)} edition(s): {', '.join(report.imported)}" + (
            f"; {len(report.unchanged)} already present" if report.unchanged else ""
        )
    else:
        catalogue = f"all {len(report.unchanged)} editions already present; nothing changed"
    rows = [("catalogue", catalogue)]
    if settings.is_production:
        rows.append(("demo", "skipped (REGISTRY_ENV=production)"))
    else:
        from registry.demo import load_demo

        try:
            said = await load_demo(settings.seeds_dir)
        except OSError as exc:
            fail(f"seed: cannot read the demo data in {settings.seeds_dir}: {os_reason(exc)} ({exc.filename})")
        rows += [("demo", line) for line in said] or [("demo", "already present; nothing changed")]
    console().print(summary_table("seed", rows, numbers=False))


@click.command(epilog="Example: REGISTRY_ENV=production dtc-registry seed")
def seed() -> None:
    """Import rules/ and seeds/ (idempotent; demo data only outside production).

    The catalogue's editions come from rules/catalog; the demo providers, certificates and accounts from
    seeds/demo, skipped when REGISTRY_ENV=production.
    """
    settings = load_settings()
    run_with_database(settings, lambda: seed_registry(settings))
