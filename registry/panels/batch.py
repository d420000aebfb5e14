"""Batch checks: a file of panel-item rows (CSV, Parquet or JSON lines) in, one row per finding (and one
per clean panel) out, through the same engine as every other check."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import NoReturn

import anyio
import polars as pl

from registry.accounts.model import Principal, Role
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError, FieldError
from registry.kernel.ids import MAX_ID
from registry.panels.engine import CheckResult, RulesAtDates, check
from registry.panels.rules import current_rules, not_your_organisation

BATCH_FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "jsonl": "application/x-ndjson"}
LIST_SEPARATOR = ";"  # genes and markers inside one CSV cell


class BatchError(Exception):
    def __init__(self, field: str, reason: str, *, panel: str | None = None):
        self.field, self.reason, self.panel = field, reason, panel
        super().__init__(f"{field}: {reason}")


# Rows in one uploaded batch: about the 64 MiB upload limit's worth of CSV; an upload is checked in memory,
# in chunks of whole panels (larger files: split them, or check them with the command line).
MAX_UPLOAD_ROWS = 1_000_000


def read_batch(data: bytes, fmt: str) -> pl.DataFrame:
    """Panel-item rows from CSV, Parquet or JSON lines: panel_id, code, and optionally provider_id,
    as_of, target, genes, markers, claims (one row per panel item). Any other column is refused by name,
    `validation_ref` too: a disease item's validation is a record the registry holds, not a cell."""
    try:
        if fmt == "csv":
            frame = pl.read_csv(io.BytesIO(data), infer_schema=False)
        elif fmt == "parquet":
            frame = pl.read_parquet(io.BytesIO(data))
        else:
            frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=10_000)
    except Exception as exc:  # the parser's own message names what is wrong
        raise BatchError("file", f"cannot be read as {fmt}: {exc}") from None
    missing = [c for c in ("panel_id", "code") if c not in frame.columns]
    if missing:
        raise BatchError(missing[0], "missing column")
    unknown = sorted(
        set(frame.columns) - {"panel_id", "code", "provider_id", "as_of", "target", "genes", "markers", "claims"}
    )
    if "validation_ref" in unknown:
        raise BatchError("validation_ref", "unknown column (a validation is the registry's own record, not a cell)")
    if unknown:
        raise BatchError(unknown[0], "unknown column")
    for column, dtype in frame.schema.items():
        problem = _type_problem(column, dtype)
        if problem:
            raise BatchError(column, problem)
    return frame


LIST_COLUMNS = ("genes", "markers")


def _type_problem(column: str, dtype: pl.DataType) -> str | None:
    """Every column holds plain values; genes and markers may also hold lists of plain values."""

    def plain(t: pl.DataType) -> bool:
        return not t.is_nested() and t not in (pl.Binary, pl.Object)

    if plain(dtype):
        return None
    if column in LIST_COLUMNS and isinstance(dtype, pl.List) and plain(dtype.inner):
        return None
    return "must hold single values" + (" or lists of them" if column in LIST_COLUMNS else "") + f", not {dtype}"


def _as_list(column: str, frame: pl.DataFrame) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit([], dtype=pl.List(pl.String)).alias(column)
    dtype = frame.schema[column]
    if isinstance(dtype, pl.List):
        return pl.col(column).cast(pl.List(pl.String)).fill_null([])
    text = pl.col(column).cast(pl.String).fill_null("")
    # Cells of plain symbols and separators split as they are; only others are trimmed element by element.
    if not frame.select(text.str.contains(r"\s|;;|^;|;$").any()).item():
        return pl.when(text == "").then(pl.lit([], dtype=pl.List(pl.String))).otherwise(text.str.split(LIST_SEPARATOR))
    return text.str.split(LIST_SEPARATOR).list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))


def prepare_batch(
    frame: pl.DataFrame, *, default_provider: int | None, default_as_of: dt.date, rows_before: int | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Normalise a batch into the engine's rows and panels; refuse bad values with the column named
    (and the row, counted in the whole upload when this is a later chunk of it: `rows_before`)."""
    try:
        return _prepare(frame, default_provider=default_provider, default_as_of=default_as_of, rows_before=rows_before)
    except pl.exceptions.PolarsError as exc:  # a value no check above foresaw: still the file's fault
        raise BatchError("file", f"holds values that cannot be checked: {str(exc).splitlines()[0]}") from None


def _prepare(
    frame: pl.DataFrame, *, default_provider: int | None, default_as_of: dt.date, rows_before: int | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = frame.height
    cols = frame.columns
    provider = pl.lit(default_provider, dtype=pl.Int64)
    if "provider_id" in cols:
        # An empty cell takes the default; anything else must be a provider id, or the row is refused
        # (never read as "no provider" and answered for the caller's own organisation).
        text = pl.col("provider_id").cast(pl.String).str.strip_chars()
        parsed = text.cast(pl.Int64, strict=False)
        provider = (
            pl.when(text.is_null() | (text == ""))
            .then(provider)
            .when(parsed.is_between(1, MAX_ID))
            .then(parsed)
            .otherwise(pl.lit(0, dtype=pl.Int64))
        )
    as_of = (
        pl.col("as_of").cast(pl.String).str.to_date("%Y-%m-%d", strict=False)
        if "as_of" in cols
        else pl.lit(default_as_of)
    )
    if "as_of" in cols:
        as_of = pl.when(pl.col("as_of").is_null()).then(pl.lit(default_as_of)).otherwise(as_of)
    claims_text = pl.col("claims").cast(pl.String) if "claims" in cols else pl.lit(None, dtype=pl.String)
    rows = frame.with_row_index("row").select(
        pl.col("row"),
        pl.col("panel_id").cast(pl.String),
        provider.alias("provider_id"),
        as_of.alias("as_of"),
        (pl.col("target").cast(pl.String).fill_null("adult") if "target" in cols else pl.lit("adult")).alias("target"),
        pl.col("code").cast(pl.String).str.strip_chars().str.to_uppercase(),
        _as_list("genes", frame).alias("genes"),
        _as_list("markers", frame).alias("markers"),
        claims_text.alias("claims"),
    )
    first_bad = rows.select(
        bad.arg_true().first().alias(column)
        for column, bad in (
            ("panel_id", pl.col("panel_id").is_null() | (pl.col("panel_id") == "")),
            ("code", pl.col("code").is_null() | (pl.col("code") == "")),
            ("provider_id", ~pl.col("provider_id").is_between(1, MAX_ID).fill_null(False)),
            ("as_of", pl.col("as_of").is_null()),
            ("target", ~pl.col("target").is_in(["adult", "minor"])),
        )
    ).row(0, named=True)
    for column, index in first_bad.items():
        if index is not None:
            where = f"row {index + 1} (of {n})" if rows_before is None else f"row {rows_before + index + 1}"
            raise BatchError(column, f"missing or malformed in {where}")
    rows = rows.with_columns(pl.col("panel_id").rle_id().alias("run"))
    starts = rows.filter(pl.col("run").is_first_distinct())
    if starts["panel_id"].is_unique().all():
        return _prepare_runs(rows, starts)
    # A file whose panels' rows are scattered: grouped by panel id.
    rows = rows.with_columns(pl.int_range(pl.len()).over("panel_id").cast(pl.Int32).alias("position"))
    inconsistent = (
        rows.group_by("panel_id")
        .agg(
            pl.col("provider_id").n_unique().alias("providers"),
            pl.col("as_of").n_unique().alias("dates"),
            pl.col("target").n_unique().alias("targets"),
        )
        .filter((pl.col("providers") > 1) | (pl.col("dates") > 1) | (pl.col("targets") > 1))
    )
    if inconsistent.height:
        _inconsistent(inconsistent["panel_id"][0])
    claims = rows.group_by("panel_id", maintain_order=True).agg(pl.col("claims").drop_nulls().first())
    return rows.select(ROW_COLUMNS), claims


ROW_COLUMNS = ["panel_id", "position", "provider_id", "as_of", "target", "code", "genes", "markers"]


def _prepare_runs(rows: pl.DataFrame, starts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A file whose panels come each in one run of rows (the usual file): positions, consistency and
    claims are read off the runs, without grouping by panel id."""
    start_row = pl.when(pl.col("run").is_first_distinct()).then(pl.col("row")).forward_fill()
    rows = rows.with_columns((pl.col("row") - start_row).cast(pl.Int32).alias("position"))
    changed = pl.any_horizontal(
        (pl.col(c).ne_missing(pl.col(c).shift(1))) for c in ("provider_id", "as_of", "target")
    ) & (pl.col("position") > 0)
    inconsistent = rows.select(changed.arg_true().first()).item()
    if inconsistent is not None:
        _inconsistent(rows["panel_id"][inconsistent])
    with_claims = rows.select("run", "claims").drop_nulls("claims")
    first_claims = with_claims.filter(pl.col("run").is_first_distinct())
    claims = starts.select("run", "panel_id").join(first_claims, on="run", how="left", maintain_order="left")
    return rows.select(ROW_COLUMNS), claims.select("panel_id", "claims")


def _inconsistent(panel_id: str) -> NoReturn:
    raise BatchError(
        "panel_id", f"panel {panel_id} has rows with different provider_id, as_of or target", panel=panel_id
    )


def batch_output(result: CheckResult) -> pl.DataFrame:
    """One row per finding, and one row for each panel without any: every panel appears."""
    panels = result.panels.select(
        "panel_id", "verdict", "catalog_version", pl.col("as_of").cast(pl.String), "certificate", "certificate_status"
    )
    return panels.join(result.findings, on="panel_id", how="left", maintain_order="left")


FORMULA_START = r"^[=+\-@\t\r]"  # what a spreadsheet may read as a formula (OWASP: CSV injection)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula get a leading single quote; numbers stay numbers."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )


def write_batch(frame: pl.DataFrame, fmt: str, *, header: bool = True) -> bytes:
    buffer = io.BytesIO()
    if fmt == "csv":
        neutralise_formulas(frame).write_csv(buffer, include_header=header)
    elif fmt == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.write_ndjson(buffer)
    return buffer.getvalue()


BATCH_CHUNK_ROWS = 200_000  # rows per engine call in a batch: whole panels, about this many rows


@dataclass(frozen=True)
class CheckSummary:
    """A batch check in numbers."""

    panels: int
    permitted: int
    rows: int
    findings: int
    counts: dict[tuple[str, str], int]  # findings by (code, severity), most frequent first

    @property
    def not_permitted(self) -> int:
        return self.panels - self.permitted


def _check_chunk(rows: pl.DataFrame, claims: pl.DataFrame, rules: RulesAtDates) -> tuple[pl.DataFrame, CheckResult]:
    result = check(rows, claims, rules)
    return batch_output(result), result


def _panel_offsets(rows: pl.DataFrame, panel_ids: pl.Series) -> list[int] | None:
    """Where each panel's rows start (and, last, the end), when the rows hold the panels one after
    another in the order of `panel_ids`; None otherwise."""
    starts = rows.select(pl.arg_where((pl.col("panel_id") != pl.col("panel_id").shift(1)).fill_null(True)))
    firsts = rows["panel_id"].gather(starts.to_series())
    if not firsts.equals(panel_ids.rename(firsts.name)):
        return None
    return [*starts.to_series().to_list(), rows.height]


async def check_rows(
    rows: pl.DataFrame,
    claims: pl.DataFrame,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    rules: RulesAtDates | None = None,
) -> tuple[pl.DataFrame, CheckSummary]:
    """Check prepared batch rows (see `prepare_batch`) against the rules in force (or `rules`): in chunks
    of whole panels, off the event loop, calling on_progress(done_rows, total_rows) after each chunk. The
    output frame is `batch_output`'s, every chunk's in turn."""
    if rules is None:
        rules, _ = await current_rules()
    total = rows.height
    panel_ids = claims["panel_id"]
    per_chunk = max(1, len(panel_ids) * BATCH_CHUNK_ROWS // max(total, 1))
    outputs: list[pl.DataFrame] = []
    counts: Counter[tuple[str, str]] = Counter()
    panels = permitted = findings = done = 0
    offsets = _panel_offsets(rows, panel_ids) if per_chunk < len(panel_ids) else None
    for start in range(0, max(len(panel_ids), 1), per_chunk):
        if per_chunk >= len(panel_ids):  # one chunk: the whole batch, even an empty one
            part_rows, part_claims = rows, claims
        elif offsets is not None:  # panels one after another: a chunk is a slice
            end = min(start + per_chunk, len(panel_ids))
            part_rows = rows.slice(offsets[start], offsets[end] - offsets[start])
            part_claims = claims.slice(start, end - start)
        else:
            ids = panel_ids.slice(start, per_chunk).implode()
            part_rows = rows.filter(pl.col("panel_id").is_in(ids))
            part_claims = claims.filter(pl.col("panel_id").is_in(ids))
        output, result = await anyio.to_thread.run_sync(_check_chunk, part_rows, part_claims, rules)
        outputs.append(output)
        panels += result.panels.height
        permitted += result.panels.filter(pl.col("verdict") == "permitted").height
        findings += result.findings.height
        for code, severity, n in result.findings.group_by("code", "severity").len().iter_rows():
            counts[(code, severity)] += n
        done += part_rows.height
        if on_progress is not None:
            on_progress(done, total)
    ordered = dict(sorted(counts.items(), key=lambda entry: (-entry[1], entry[0])))
    summary = CheckSummary(panels, permitted, total, findings, ordered)
    return pl.concat(outputs, how="vertical_relaxed"), summary


def _invalid(fmt: str, exc: BatchError) -> DomainError:
    return DomainError(
        "INVALID_BODY.batch",
        format=fmt,
        field=exc.field,
        reason=exc.reason,
        errors=[FieldError(exc.field, exc.reason, "body")],
        extra={"panel_id": exc.panel} if exc.panel is not None else None,
    )


def _own_rows_only(principal: Principal, rows: pl.DataFrame) -> None:
    if principal.role is Role.provider and rows.filter(pl.col("provider_id") != principal.provider_id).height:
        raise not_your_organisation()


async def check_batch(
    principal: Principal, data: bytes, fmt: str, *, as_of: dt.date | None
) -> tuple[pl.DataFrame, CheckSummary]:
    """An uploaded file: read, normalised, a provider's rows only its own, checked."""
    try:
        frame = read_batch(data, fmt)
        if frame.height > MAX_UPLOAD_ROWS:
            raise BatchError("file", f"holds {frame.height:,} rows; at most {MAX_UPLOAD_ROWS:,} in one upload")
        own = principal.provider_id if principal.role is Role.provider else None
        rows, claims = prepare_batch(frame, default_provider=own, default_as_of=as_of or today_in_korea())
    except BatchError as exc:
        raise _invalid(fmt, exc) from None
    _own_rows_only(principal, rows)
    return await check_rows(rows, claims)


# A CSV upload is read, checked and answered chunk by chunk, so a worker holds about one chunk whatever
# the file's size. Parquet cannot be read before its footer and JSON lines stay as they were: both are read
# whole, up to the smaller body limit.
# CSV read before a chunk is cut: about 15,000 rows. Measured on a 1M-row upload, a worker's peak memory
# grows with it (1, 2, 8 MiB: about 100, 190, 360 MB above idle) and the time does not fall.
STREAM_CHUNK_BYTES = 1 << 20
MAX_STREAM_ROWS = 5_000_000  # rows in one streamed CSV upload: about 360 MB of CSV


def record_end(data: bytes | bytearray, limit: int | None = None) -> int:
    """Where the last whole CSV record within `data[:limit]` ends (just after its newline), or 0 when none
    does. A newline inside a quoted cell ends no record: an odd number of quotes stands before it."""
    end = len(data) if limit is None else min(limit, len(data))
    quotes = data.count(b'"', 0, end)
    while (newline := data.rfind(b"\n", 0, end)) >= 0:
        quotes -= data.count(b'"', newline, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline
    return 0


def first_record_end(data: bytes | bytearray) -> int:
    """Where the first CSV record (the header) ends, or 0 when no whole record is there yet."""
    quotes = start = 0
    while (newline := data.find(b"\n", start)) >= 0:
        quotes += data.count(b'"', start, newline)
        if quotes % 2 == 0:
            return newline + 1
        start = newline + 1
    return 0


MAX_HEADER_BYTES = 64 << 10  # a header row ends within this: anything longer is not a batch file


async def csv_blocks(body: AsyncIterator[bytes], chunk_bytes: int) -> AsyncIterator[tuple[bytes, bool]]:
    """The header record, then blocks of whole records of at most `chunk_bytes` (or one row, when a row is
    longer), each with whether it is the last: the body read as it arrives, never whole. A header or a
    row too long to be one is refused before more is read."""
    buffer = bytearray()
    header: bytes | None = None
    async for piece in body:
        buffer += piece
        if header is None:
            end = first_record_end(buffer)
            if not end:
                if len(buffer) > MAX_HEADER_BYTES:
                    raise BatchError("file", f"has no header row within its first {MAX_HEADER_BYTES:,} bytes")
                continue
            header = bytes(buffer[:end])
            del buffer[:end]
            yield header, False
        while len(buffer) >= chunk_bytes:  # blocks of at most chunk_bytes, unless a row is longer
            end = record_end(buffer, chunk_bytes) or record_end(buffer, 2 * chunk_bytes)
            if not end:
                if len(buffer) >= 2 * chunk_bytes:
                    raise BatchError("file", f"has a row longer than {chunk_bytes:,} bytes")
                break
            block = bytes(buffer[:end])
            del buffer[:end]
            yield block, False
    # The rest; or, when no record ended at all, the whole (short) body as the header, perhaps with one row.
    yield bytes(buffer), True


def _last_panel_apart(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows before the last panel's run of rows, and that run: it may go on in the next block."""
    if frame.height == 0:
        return frame, frame
    last = frame["panel_id"][-1]
    other = pl.col("panel_id").ne_missing(pl.lit(last, dtype=frame.schema["panel_id"]))
    before = frame.select(other.arg_true().last()).item()
    cut = 0 if before is None else before + 1
    return frame.slice(0, cut), frame.slice(cut)


def _panels_reappearing(frame: pl.DataFrame, seen: pl.Series) -> int | None:
    """The first row (index in `frame`) starting a run of a panel whose rows came before, here or in an
    earlier chunk (`seen`: hashes of panel ids); None when every panel's rows come together."""
    starts = frame.select(
        pl.arg_where(pl.col("panel_id").ne_missing(pl.col("panel_id").shift(1)).fill_null(True)).alias("row")
    )["row"]
    ids = frame["panel_id"].gather(starts).hash()
    again = ~ids.is_first_distinct() | ids.is_in(seen.implode())
    found = again.arg_true()
    return int(starts[found[0]]) if found.len() else None


@dataclass
class StreamedChunk:
    """One chunk of a streamed CSV upload, checked: its output rows, and the summary of the upload so far
    (the whole upload's when `last`)."""

    output: pl.DataFrame
    summary: CheckSummary
    last: bool


async def check_csv_stream(
    principal: Principal,
    body: AsyncIterator[bytes],
    *,
    as_of: dt.date | None,
    chunk_bytes: int | None = None,
) -> AsyncIterator[StreamedChunk]:
    """A CSV upload read as it arrives and checked in chunks of whole panels, each chunk's answer as soon
    as it is known. An upload of one chunk is read as `check_batch` reads it. In a longer one, each
    panel's rows must come together: a panel whose rows reappear after another panel's is refused with the
    row named (its rows before may already be answered). A bad row raises DomainError when its chunk is
    reached: before anything is answered when that is the first chunk."""
    own = principal.provider_id if principal.role is Role.provider else None
    day = as_of or today_in_korea()
    rules, _ = await current_rules()  # one edition's rules for the whole upload
    blocks = csv_blocks(body, chunk_bytes or STREAM_CHUNK_BYTES)
    try:
        header, last = await anext(blocks)
    except BatchError as exc:
        raise _invalid("csv", exc) from None
    carried: pl.DataFrame | None = None
    seen = pl.Series("hash", [], dtype=pl.UInt64)
    done = panels = permitted = findings = 0
    counts: Counter[tuple[str, str]] = Counter()
    while True:
        try:
            block, last = (b"", True) if last else await anext(blocks)
            frame = read_batch(header + block, "csv")
            if carried is not None:
                frame = pl.concat([carried, frame], how="vertical_relaxed")
            carried = None
            if not last:
                frame, carried = _last_panel_apart(frame)
            whole = last and done == 0  # the upload is this one chunk
            if not whole:
                again = _panels_reappearing(frame, seen)
                if again is not None:
                    panel = frame["panel_id"][again]
                    raise BatchError(
                        "panel_id",
                        f"panel {panel} reappears in row {done + again + 1} after other panels' rows"
                        " (in a file of more than one chunk, each panel's rows must come together)",
                        panel=panel,
                    )
            if done + frame.height + (carried.height if carried is not None else 0) > MAX_STREAM_ROWS:
                raise BatchError("file", f"holds more than {MAX_STREAM_ROWS:,} rows; at most that in one upload")
            rows, claims = prepare_batch(
                frame, default_provider=own, default_as_of=day, rows_before=None if whole else done
            )
        except BatchError as exc:
            raise _invalid("csv", exc) from None
        _own_rows_only(principal, rows)
        if not whole:
            seen = pl.concat([seen, claims["panel_id"].hash()])
        output, summary = await check_rows(rows, claims, rules=rules)
        done += frame.height
        panels += summary.panels
        permitted += summary.permitted
        findings += summary.findings
        counts.update(summary.counts)
        ordered = dict(sorted(counts.items(), key=lambda entry: (-entry[1], entry[0])))
        so_far = CheckSummary(panels, permitted, done, findings, ordered)
        if frame.height or last:  # a chunk of one panel's rows only waits for the rest of them
            yield StreamedChunk(output, so_far, last)
        if last:
            return
