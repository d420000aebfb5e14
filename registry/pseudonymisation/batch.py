"""Fields to check as a CSV file (columns name, kind; a header row first) and the results as CSV: the
same check as a JSON request, for a data dictionary exported from a spreadsheet. Rows are numbered as a
spreadsheet shows them: the header is row 1."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection

from registry.kernel.errors import DomainError, FieldError
from registry.pseudonymisation.model import MAX_NAME_LENGTH, CheckResult, FieldRequest

COLUMNS = ("name", "kind")
CSV_MEDIA_TYPES = ("text/csv", "application/csv", "application/x-csv")
MAX_BATCH_ROWS = 10_000  # fields in one upload (a data dictionary); about 0.5 MB of CSV
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def _rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The non-empty records of the file, each with the row a spreadsheet shows it on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            "PSEUDONYMISATION_BATCH.encoding",
            position=exc.start,
            errors=[FieldError("(body)", f"not UTF-8 text (byte {exc.start})", "body")],
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((reader.line_num, [cell.strip() for cell in record]))
    except csv.Error as exc:
        row = reader.line_num
        raise DomainError(
            "PSEUDONYMISATION_BATCH.unreadable",
            row=row,
            reason=str(exc),
            errors=[FieldError("(body)", f"row {row}: {exc}", "body")],
            extra={"row": row},
        ) from None
    return rows


def _header(rows: list[tuple[int, list[str]]]) -> dict[str, int]:
    if not rows:
        raise DomainError("PSEUDONYMISATION_BATCH.no_header", errors=[FieldError("(body)", "no header row", "body")])
    _, header = rows[0]
    columns: dict[str, int] = {}
    for position, raw in enumerate(header):
        name = raw.lower()
        if name in columns:
            raise DomainError(
                "PSEUDONYMISATION_BATCH.duplicate_column",
                column=name,
                errors=[FieldError(name, "column named twice", "body")],
                extra={"row": 1, "column": name},
            )
        if name not in COLUMNS:
            raise DomainError(
                "PSEUDONYMISATION_BATCH.unknown_column",
                column=raw,
                expected=", ".join(COLUMNS),
                errors=[FieldError(raw, "unknown column", "body")],
                extra={"row": 1, "column": raw},
            )
        columns[name] = position
    for name in COLUMNS:
        if name not in columns:
            raise DomainError(
                "PSEUDONYMISATION_BATCH.missing_column",
                column=name,
                errors=[FieldError(name, "missing column", "body")],
                extra={"row": 1, "column": name},
            )
    return columns


def read_fields_csv(data: bytes, kinds: Collection[str]) -> list[FieldRequest]:
    """The fields of an uploaded CSV file; the first problem found is refused, naming its row and column."""
    rows = _rows(data)
    columns = _header(rows)
    body = rows[1:]
    if not body:
        raise DomainError("PSEUDONYMISATION_BATCH.no_rows", errors=[FieldError("(body)", "no rows", "body")])
    if len(body) > MAX_BATCH_ROWS:
        raise DomainError(
            "PSEUDONYMISATION_BATCH.too_many_rows",
            count=len(body),
            max=MAX_BATCH_ROWS,
            errors=[FieldError("(body)", f"{len(body)} rows; at most {MAX_BATCH_ROWS}", "body")],
        )
    fields: list[FieldRequest] = []
    first_row: dict[str, int] = {}
    for row, cells in body:
        if len(cells) != len(columns):
            raise DomainError(
                "PSEUDONYMISATION_BATCH.cells",
                row=row,
                count=len(cells),
                expected=len(columns),
                errors=[FieldError("(body)", f"row {row}: {len(cells)} cells, the header has {len(columns)}", "body")],
                extra={"row": row},
            )
        name, kind = cells[columns["name"]], cells[columns["kind"]]
        for column, value in (("name", name), ("kind", kind)):
            if not value:
                raise DomainError(
                    "PSEUDONYMISATION_BATCH.missing_value",
                    row=row,
                    column=column,
                    errors=[FieldError(column, f"row {row}: empty", "body")],
                    extra={"row": row, "column": column},
                )
        if len(name) > MAX_NAME_LENGTH:
            raise DomainError(
                "PSEUDONYMISATION_BATCH.long_name",
                row=row,
                max=MAX_NAME_LENGTH,
                errors=[FieldError("name", f"row {row}: longer than {MAX_NAME_LENGTH} characters", "body")],
                extra={"row": row, "column": "name"},
            )
        if kind not in kinds:
            raise DomainError(
                "PSEUDONYMISATION_BATCH.unknown_kind",
                row=row,
                kind=kind,
                kinds=", ".join(kinds),
                errors=[FieldError("kind", f"row {row}: unknown kind '{kind}'", "body")],
                extra={"row": row, "column": "kind"},
            )
        if name in first_row:
            raise DomainError(
                "PSEUDONYMISATION_BATCH.duplicate_name",
                row=row,
                name=name,
                first=first_row[name],
                errors=[FieldError("name", f"row {row}: '{name}' is also row {first_row[name]}", "body")],
                extra={"row": row, "column": "name"},
            )
        first_row[name] = row
        fields.append(FieldRequest(name, kind))
    return fields


def _safe(text: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading single quote (OWASP: CSV injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


RESULT_COLUMNS = ("name", "kind", "verdict", "conditions", "findings", "edition", "as_of", "environment")


def results_csv(result: CheckResult) -> bytes:
    """One row per field: its verdict, condition codes and finding codes (';' between codes)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    edition = result.edition.version if result.edition else ""
    for f in result.fields:
        writer.writerow(
            [
                _safe(f.name),
                f.kind,
                f.verdict.value,
                ";".join(c.code for c in f.conditions),
                ";".join(x.code for x in f.findings),
                edition,
                result.as_of.isoformat(),
                result.environment.value,
            ]
        )
    return out.getvalue().encode("utf-8")
