"""What every command shares: settings, the database for the length of one command, one-line errors,
and the consoles summaries are printed on."""

from __future__ import annotations

import asyncio
import errno
import os
import warnings
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import NoReturn, TypeVar

import rich_click as click
from click.exceptions import Exit
from rich.console import Console
from rich.table import Table

from registry.settings import Settings, SettingsError

T = TypeVar("T")

USAGE = 2  # exit code for a usage error, as click's own
REFUSED = 1  # exit code for work refused: bad input, a check that failed


def fail(message: str, code: int = REFUSED) -> NoReturn:
    """One line on standard error, and exit: never a traceback."""
    click.echo(message, err=True)
    raise Exit(code)


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        fail(f"configuration error: {exc}", USAGE)


def ignore_connection_warnings() -> None:
    """Piccolo warns (in colour, over two lines) whenever it cannot reach the server: as it builds an
    engine, as a table module is first imported, as it connects. The commands say so in one line instead."""
    warnings.filterwarnings("ignore", message=r"(?s).*Unable to (connect to database|fetch server version)")


def run_with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` with the registry's tables on the database `settings` name, then release it."""
    from registry import wiring
    from registry.db.engine import describe, engine_from_url, prepare_engine, release_engine

    async def run() -> T:
        engine = engine_from_url(settings.database_url)
        wiring.bind(engine)
        try:
            await prepare_engine(engine, pool_max=2)
        except Exception as exc:  # unreachable server, missing database, unwritable file: say which, in one line
            reason = os_reason(exc, writing=True) if isinstance(exc, OSError) else one_line(exc)
            fail(f"database: cannot open {describe(engine)}: {reason}")
        try:
            result = await work()
            # What the command announced (e.g. imported certificates) is handled before it exits.
            if settings.dispatch_events:
                await wiring.relay().drain()
            return result
        finally:
            await release_engine(engine)

    return asyncio.run(run())


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (some libraries explain over several lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "read-only file system",
    errno.ECONNREFUSED: "connection refused",
}


def os_reason(exc: OSError, *, writing: bool = False) -> str:
    """An operating-system error in a few words: 'no such file', 'permission denied', ..."""
    if writing and exc.errno == errno.ENOENT:
        return "no such directory"
    return _REASONS.get(exc.errno or 0) or (exc.strerror or one_line(exc)).lower()


def read_input(path: Path, prefix: str) -> bytes:
    """The bytes of an input file, or one line naming the file and why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"{prefix}: cannot read {path}: {os_reason(exc)}")


def unwritable(path: Path) -> str | None:
    """Why a file could not be written at `path`, found before any work is done; None when it can be."""
    if path.is_dir():
        return "is a directory"
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        return "no such directory"
    if not parent.is_dir():
        return "a part of the path is not a directory"
    if not os.access(path if path.exists() else parent, os.W_OK):
        return "permission denied"
    return None


def write_output(path: Path, data: bytes, prefix: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        fail(f"{prefix}: cannot write {path}: {os_reason(exc, writing=True)}")


def console() -> Console:
    """Standard output (made per use: tests and pipes swap the streams)."""
    return Console(highlight=False)


def error_console() -> Console:
    """Standard error: progress and summaries beside results written to standard output."""
    return Console(stderr=True, highlight=False)


def summary_table(title: str, rows: Iterable[tuple[str, str]], *, numbers: bool = True) -> Table:
    """A two-column table: label, value (right-aligned when the values are numbers)."""
    table = Table(title=title, title_justify="left", box=None, show_header=False, pad_edge=False)
    table.add_column("what")
    table.add_column("value", justify="right" if numbers else "left", overflow="fold")
    for label, value in rows:
        table.add_row(label, value)
    return table
