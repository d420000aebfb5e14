"""A CSV file of fields: what is read, and each refusal naming its row (as a spreadsheet numbers them,
the header being row 1) and column; the results as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from registry.kernel.errors import DomainError
from registry.pseudonymisation import batch
from registry.pseudonymisation.batch import read_fields_csv, results_csv
from registry.pseudonymisation.model import Environment, FieldRequest
from tests.pseudonymisation.helpers import KINDS, reviewed


def refused(data: bytes) -> DomainError:
    with pytest.raises(DomainError) as raised:
        read_fields_csv(data, KINDS)
    return raised.value


def test_rows_are_read_with_a_bom_blank_lines_and_spaces():
    data = '\ufeffName, KIND\r\nvcf_path , VARIANT_CALLS\r\n\r\n,\r\n"reads, raw",RAW_READS\r\n'.encode()
    assert read_fields_csv(data, KINDS) == [
        FieldRequest("vcf_path", "VARIANT_CALLS"),
        FieldRequest("reads, raw", "RAW_READS"),
    ]


def test_columns_in_any_order():
    assert read_fields_csv(b"kind,name\nEXPRESSION,tpm\n", KINDS) == [FieldRequest("tpm", "EXPRESSION")]


@pytest.mark.parametrize(
    ("data", "problem", "row", "column"),
    [
        (b"", "PSEUDONYMISATION_BATCH.no_header", None, None),
        (b"name\nx\n", "PSEUDONYMISATION_BATCH.missing_column", 1, "kind"),
        (b"name,kind,notes\nx,RAW_READS,y\n", "PSEUDONYMISATION_BATCH.unknown_column", 1, "notes"),
        (b"name,kind,Name\nx,RAW_READS,y\n", "PSEUDONYMISATION_BATCH.duplicate_column", 1, "name"),
        (b"name,kind\n", "PSEUDONYMISATION_BATCH.no_rows", None, None),
        (b"name,kind\na,RAW_READS\nb\n", "PSEUDONYMISATION_BATCH.cells", 3, None),
        (b"name,kind\na,RAW_READS\n,VARIANT_CALLS\n", "PSEUDONYMISATION_BATCH.missing_value", 3, "name"),
        (b"name,kind\na,\n", "PSEUDONYMISATION_BATCH.missing_value", 2, "kind"),
        (b"name,kind\na,RAW_READS\n\nb,FASTQ\n", "PSEUDONYMISATION_BATCH.unknown_kind", 4, "kind"),
        (b"name,kind\na,RAW_READS\nb,RAW_READS\na,VARIANT_CALLS\n", "PSEUDONYMISATION_BATCH.duplicate_name", 4, "name"),
        (b"name,kind\n" + b"n" * 201 + b",RAW_READS\n", "PSEUDONYMISATION_BATCH.long_name", 2, "name"),
        (b'name,kind\n"a"x,RAW_READS\n', "PSEUDONYMISATION_BATCH.unreadable", 2, None),
        (b"name,kind\n\xff\xfe,RAW_READS\n", "PSEUDONYMISATION_BATCH.encoding", None, None),
    ],
)
def test_a_bad_file_is_refused_naming_row_and_column(data, problem, row, column):
    error = refused(data)
    assert error.problem == problem
    assert error.extra.get("row") == row
    assert error.extra.get("column") == column
    assert error.errors and error.errors[0].location == "body"


def test_the_unknown_kind_and_the_duplicate_are_named():
    unknown = refused(b"name,kind\na,VCF\n")
    assert (unknown.params["row"], unknown.params["kind"]) == (2, "VCF")
    assert unknown.errors[0].field == "kind" and "row 2" in unknown.errors[0].reason
    twice = refused(b"name,kind\na,RAW_READS\na,EXPRESSION\n")
    assert (twice.params["row"], twice.params["first"], twice.params["name"]) == (3, 2, "a")


def test_an_unterminated_quote_names_the_row_it_opens_on():
    error = refused(b'name,kind\na,RAW_READS\n"b,RAW_READS\n')
    assert (error.problem, error.params["row"]) == ("PSEUDONYMISATION_BATCH.unreadable", 3)
    assert error.params["reason"] == "unexpected end of data"


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(batch, "MAX_BATCH_ROWS", 3)
    rows = "".join(f"f{i},RAW_READS\n" for i in range(4))
    error = refused(f"name,kind\n{rows}".encode())
    assert error.problem == "PSEUDONYMISATION_BATCH.too_many_rows"
    assert (error.params["count"], error.params["max"]) == (4, 3)
    assert len(read_fields_csv(f"name,kind\n{rows[: rows.rindex('f3')]}".encode(), KINDS)) == 3


def test_results_as_csv_one_row_per_field_and_no_formula():
    rules = reviewed()
    fields = [FieldRequest("=HYPERLINK(1)", "RAW_READS"), FieldRequest("tpm", "EXPRESSION")]
    result = rules.check(dt.date(2024, 3, 1), Environment.closed, fields)
    rows = list(csv.DictReader(io.StringIO(results_csv(result).decode())))
    assert [r["name"] for r in rows] == ["'=HYPERLINK(1)", "tpm"]
    assert rows[0]["verdict"] == "pseudonymisable"
    assert rows[0]["conditions"] == "REMOVE_IDENTIFIERS;ACCESS_CONTROL;CLOSED_ENVIRONMENT"
    assert rows[1]["findings"] == "NOT_IDENTIFYING;STATUS_UNCONFIRMED"
    assert {(r["edition"], r["as_of"], r["environment"]) for r in rows} == {("2024-01-31", "2024-03-01", "closed")}


def test_results_before_the_first_edition_name_no_edition():
    result = reviewed().check(dt.date(2019, 1, 1), Environment.open, [FieldRequest("a", "RAW_READS")])
    (row,) = csv.DictReader(io.StringIO(results_csv(result).decode()))
    assert (row["edition"], row["verdict"], row["findings"]) == ("", "consent_required", "NO_GUIDELINE")
