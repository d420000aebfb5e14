"""`dtc-registry panels check`: check a file of panel-item rows, as the HTTP batch check does."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import rich_click as click

from registry.cli.common import (
    USAGE,
    error_console,
    fail,
    load_settings,
    one_line,
    read_input,
    run_with_database,
    summary_table,
    unwritable,
    write_output,
)

if TYPE_CHECKING:
    import polars as pl

    from registry.panels.batch import CheckSummary

FORMATS = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl", "ndjson": "jsonl"}
PROGRESS_FROM_ROWS = 100_000  # a progress bar from this many rows, or whenever standard error is a terminal
EXAMPLE = "Example: dtc-registry panels check panels.csv --provider 3 --as-of 2024-03-01 --output results.parquet"


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower().lstrip("."))


@contextlib.contextmanager
def progress_bar(show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """on_progress for `check_rows`: a rich progress bar on standard error, or None when not shown."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"), TimeElapsedColumn())
    with Progress(*columns, console=error_console()) as progress:
        task = progress.add_task("check", total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


async def refuse_unknown_providers(file: Path, rows: pl.DataFrame, provider: int | None) -> None:
    """As the API refuses them: --provider, and every provider_id of the file, must be registered."""
    import polars as pl

    from registry.http.problems import render
    from registry.kernel.errors import DomainError
    from registry.panels.rules import known_provider
    from registry.providers.tables import Provider

    if provider is not None:
        try:
            await known_provider(provider)
        except DomainError as exc:
            fail(f"panels: {render(exc)[1]}")
    named = rows["provider_id"].unique().to_list()
    known = {r["id"] for r in await Provider.select(Provider.id).where(Provider.id.is_in(named))}
    unknown = [p for p in named if p not in known]
    if unknown:
        first = rows.with_row_index("row").filter(pl.col("provider_id").is_in(unknown)).row(0, named=True)
        fail(
            f"panels: cannot check {file}: provider_id: no provider {first['provider_id']} is registered"
            f" (row {first['row'] + 1} of {rows.height})"
        )


def summary(file: Path, checked: CheckSummary, seconds: float) -> None:
    rows = [
        ("panels", f"{checked.panels:,}"),
        ("  permitted", f"{checked.permitted:,}"),
        ("  not permitted", f"{checked.not_permitted:,}"),
        ("panel-item rows", f"{checked.rows:,}"),
        ("findings", f"{checked.findings:,}"),
        *[(f"  {code} ({severity})", f"{n:,}") for (code, severity), n in checked.counts.items()],
        ("seconds", f"{seconds:.2f}"),
    ]
    error_console().print(summary_table(f"panels check: {file.name}", rows))


@click.group(epilog=EXAMPLE)
def panels() -> None:
    """Panel checks."""


@panels.command(epilog=EXAMPLE)
@click.argument("file", type=click.Path(path_type=Path), help="Panel-item rows: .csv, .parquet or .jsonl.")
@click.option("--provider", type=int, metavar="ID", help="Provider id for rows without provider_id.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Date for rows without as_of (default: today in Korea).")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Results file (.csv, .parquet, .jsonl); default: standard output, in the input's format.",
)
@click.option(
    "--fail-on-findings",
    is_flag=True,
    help="Exit 1 when any panel is not permitted (after writing the results and the summary).",
)
def check(file: Path, provider: int | None, as_of: str | None, output: Path | None, fail_on_findings: bool) -> None:
    """Check a file of panel-item rows (CSV, Parquet, JSON lines) with progress and a summary.

    One row per panel item: panel_id, code, and optionally provider_id, as_of, target (adult or minor),
    genes and markers (';' between symbols in CSV), claims. The results are one row per
    finding, and one for each panel without any; the summary goes to standard error.
    """
    fmt = format_of(file)
    out_fmt = format_of(output) if output else fmt
    if fmt is None or out_fmt is None:
        fail("panels: files are .csv, .parquet or .jsonl", USAGE)
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"panels: --as-of must be YYYY-MM-DD, not {as_of!r}", USAGE)
    settings = load_settings()
    started = time.perf_counter()
    data = read_input(file, "panels")
    if output is not None and (reason := unwritable(output)):
        fail(f"panels: cannot write {output}: {reason}")

    from registry.kernel.clock import today_in_korea
    from registry.panels.batch import BatchError, check_rows, prepare_batch, read_batch, write_batch

    try:
        rows, claims = prepare_batch(
            read_batch(data, fmt), default_provider=provider, default_as_of=day or today_in_korea()
        )
    except BatchError as exc:
        fail(f"panels: cannot check {file}: {exc.field}: {one_line(exc.reason)}")

    async def work() -> tuple[pl.DataFrame, CheckSummary]:
        await refuse_unknown_providers(file, rows, provider)
        with progress_bar(sys.stderr.isatty() or rows.height >= PROGRESS_FROM_ROWS) as on_progress:
            return await check_rows(rows, claims, on_progress=on_progress)

    results, checked = run_with_database(settings, work)
    payload = write_batch(results, out_fmt)
    if output is not None:
        write_output(output, payload, "panels")
    else:
        stdout = click.get_binary_stream("stdout")
        stdout.write(payload)
        stdout.flush()
    summary(file, checked, time.perf_counter() - started)
    if fail_on_findings and checked.not_permitted:
        fail(f"panels: {checked.not_permitted:,} of {checked.panels:,} panel(s) not permitted")
