"""`dtc-registry catalog`: check the reviewed edition files, export published editions as such files."""

from __future__ import annotations

from pathlib import Path

import rich_click as click
from click.exceptions import Exit
from rich import box
from rich.table import Table

from registry.cli.common import REFUSED, console, fail, load_settings, os_reason, run_with_database


@click.group(epilog="Example: dtc-registry catalog validate rules/catalog")
def catalog() -> None:
    """The permitted-item list."""


@catalog.command(epilog="Example: dtc-registry catalog validate rules/catalog/2024-03-01.toml")
@click.argument(
    "path",
    required=False,
    type=click.Path(path_type=Path),
    help="A directory of edition files, or one file (default rules/catalog).",
)
@click.option(
    "--genes",
    type=click.Path(path_type=Path),
    help="The gene names of the 2016 notice's items, checked beside the editions (default rules/genes.toml).",
)
def validate(path: Path | None, genes: Path | None) -> None:
    """Check edition files and the gene-name file; each error names file, item or key, and reason; exit 1
    on any.

    PATH is a directory of edition files or one file (default: rules/catalog).
    """
    from registry.catalog.files import read_catalogue_dir
    from registry.panels.genes import check_against_editions, read_gene_names

    settings = load_settings()
    path = path or settings.rules_dir / "catalog"
    genes = genes or settings.rules_dir / "genes.toml"
    result = read_catalogue_dir(path)
    names, gene_problems = read_gene_names(genes)
    if names is not None:  # keys unused by every edition are looked for only when every edition was read
        every_edition = path.is_dir() and result.sequence_checked
        gene_problems = check_against_editions(names, result.editions, every_edition=every_edition, file=genes)
    result.problems.extend(gene_problems)
    for problem in result.problems:
        click.echo(f"error: {problem}", err=True)
    if result.problems:
        click.echo(f"{len(result.problems)} error(s) in {path}", err=True)
        if not result.sequence_checked:
            click.echo("checks across editions run once every file reads cleanly", err=True)
        raise Exit(REFUSED)
    total_items = sum(len(e.items) for _, e in result.editions)
    click.echo(f"ok: {len(result.editions)} edition(s), {total_items} entries, no errors ({path})")
    if names is not None:
        counted = f"{len(names.content.notations)} locus notation(s), {len(names.content.symbols)} symbol(s)"
        click.echo(f"ok: gene names, {counted} ({genes})")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("file")
    table.add_column("version")
    table.add_column("in force from")
    table.add_column("entries", justify="right")
    for name, edition in result.editions:
        table.add_row(name, edition.version, edition.effective_from.isoformat(), str(len(edition.items)))
    console().print(table)


@catalog.command(epilog="Example: dtc-registry catalog export all --output rules/catalog")
@click.argument("version", help="An edition's version (e.g. 2024-03-01), or 'all'.")
@click.option(
    "--output", type=click.Path(path_type=Path), help="Directory to write the files to (default rules/catalog)."
)
def export(version: str, output: Path | None) -> None:
    """Write published editions as reviewed files (VERSION, or 'all'); never overwrite a different file.

    The files have byte for byte the layout of rules/catalog/, for editions published in the registry.
    """
    from registry.catalog.files import edition_toml, read_edition_file
    from registry.catalog.queries import published_catalogue

    settings = load_settings()
    published = run_with_database(settings, published_catalogue)
    versions = [e.version for e in published.editions] if version == "all" else [version]
    directory = output or settings.rules_dir / "catalog"
    for name in versions:
        edition = published.get(name)
        if edition is None:
            fail(f"export: no published edition {name}")
        target = directory / f"{name}.toml"
        if target.exists():
            existing, _ = read_edition_file(target)
            if existing is not None and existing.content_hash() == edition.content.content_hash():
                click.echo(f"export: {target} already holds edition {name}")
                continue
            fail(f"export: {target} exists with other content; refusing to overwrite it")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            target.write_text(edition_toml(edition.content), encoding="utf-8")
        except OSError as exc:
            fail(f"export: cannot write {target}: {os_reason(exc, writing=True)}")
        click.echo(f"export: wrote {target}")
