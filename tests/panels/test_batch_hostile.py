"""Batch files from an attacker: any garbage is a 422 naming what is wrong, never a 500; and results
written as CSV cannot run as spreadsheet formulas."""

from __future__ import annotations

import datetime as dt
import io
import json
import random

import polars as pl

from registry.panels import urls
from registry.panels.batch import BatchError, neutralise_formulas, prepare_batch, read_batch, write_batch
from tests.workflow import assert_problem, certify, make_staff, register_lab

COLUMNS = ["panel_id", "code", "provider_id", "as_of", "target", "genes", "markers", "claims"]
CELLS = ["", "1", "-1", str(2**63), str(2**31), "0", "abc", "2024-01-01", "adult", "minor", "=1+1", '"', "a;b"]
CELLS += ["\x00", "1e9", "2024-13-45", "nan", "NUT-VITD", "@SUM(A1)", "é한", "\r", ",,,"]
VALUES = [None, 1, -1, 2**63 - 1, 2**31, 0, 1.5, "x", [1, 2], {"a": 1}, True, [], "2024-01-01", [[1]], ["VDR"]]
PARQUET_COLUMNS = [[1, 2], [1.5, None], [[1], [2]], [{"a": 1}, {"a": 2}], [b"x", b"y"], [True, False], ["a", "b"]]


def hostile_batches(count: int, seed: int = 2026) -> list[tuple[str, bytes]]:
    """Random bytes, CSV with random columns and cells, JSON lines with values of every JSON type,
    Parquet with nested and binary columns, and JSON nested thousands deep."""
    rng = random.Random(seed)
    out: list[tuple[str, bytes]] = []
    while len(out) < count:
        kind = len(out) % 6
        if kind == 0:
            out.append((rng.choice(["csv", "parquet", "jsonl"]), rng.randbytes(rng.randrange(300))))
        elif kind == 1:
            header = rng.sample(COLUMNS, rng.randrange(1, len(COLUMNS))) + rng.choice([["panel_id", "code"], ["x"]])
            lines = [",".join(header)] + [",".join(rng.choice(CELLS) for _ in header) for _ in range(rng.randrange(6))]
            out.append(("csv", "\n".join(lines).encode()))
        elif kind == 2:
            rows = [
                {c: rng.choice(VALUES) for c in rng.sample(COLUMNS, rng.randrange(1, len(COLUMNS)))}
                | {"panel_id": rng.choice(VALUES), "code": rng.choice(VALUES)}
                for _ in range(rng.randrange(1, 5))
            ]
            out.append(("jsonl", "\n".join(json.dumps(r) for r in rows).encode()))
        elif kind == 3:
            data = {
                "panel_id": ["A", "B"],
                "code": ["NUT-VITD", None],
                rng.choice(COLUMNS[2:]): rng.choice(PARQUET_COLUMNS),
            }
            buffer = io.BytesIO()
            pl.DataFrame(data).write_parquet(buffer)
            out.append(("parquet", buffer.getvalue()))
        elif kind == 4:
            out.append(("jsonl", (b"[" * rng.randrange(1, 5000)) + b"\n" + rng.randbytes(20)))
        else:
            out.append(("csv", rng.randbytes(8) + b"\npanel_id,code\n" + rng.randbytes(rng.randrange(50))))
    return out


def test_a_few_hundred_hostile_files_are_each_refused_or_read():
    """read_batch and prepare_batch raise nothing but BatchError (which the edge answers with 422)."""
    refused = 0
    for fmt, data in hostile_batches(600):
        try:
            frame = read_batch(data, fmt)
            prepare_batch(frame, default_provider=1, default_as_of=dt.date(2026, 1, 1))
        except BatchError as exc:
            refused += 1
            assert exc.field and exc.reason
    assert refused > 500


async def test_hostile_uploads_are_never_a_5xx(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    media = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "jsonl": "application/x-ndjson"}
    statuses = set()
    for fmt, data in hostile_batches(150, seed=7):
        for headers in (lab.headers, staff.regulator):
            r = await client.post(urls.BATCH, content=data, headers={**headers, "Content-Type": media[fmt]})
            assert r.status_code < 500, (fmt, data[:80], r.text[:300])
            if r.status_code == 422:
                assert_problem(r, 422, "INVALID_BODY")
            statuses.add(r.status_code)
    assert 422 in statuses


def test_csv_results_neutralise_formulas():
    frame = pl.DataFrame(
        {
            "panel_id": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "a=b", None],
            "count": [-1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    )
    out = pl.read_csv(io.BytesIO(write_batch(frame, "csv")), infer_schema=False)
    assert out["panel_id"].to_list()[:6] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx"]
    assert out["panel_id"].to_list()[6:] == ["plain", "a=b", None]
    assert out["count"][0] == "-1"  # numbers are not text: a negative number stays a number
    # Parquet and JSON lines keep values as they are (they are not opened as spreadsheets)
    assert pl.read_parquet(io.BytesIO(write_batch(frame, "parquet")))["panel_id"][0] == '=HYPERLINK("http://x")'
    assert neutralise_formulas(frame.select("count")).equals(frame.select("count"))


async def test_a_formula_in_an_uploaded_panel_id_comes_back_neutralised(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    body = b"panel_id,code,genes\n\"=cmd|' /C calc'!A0\",NUT-VITD,VDR\n"
    r = await client.post(urls.BATCH, content=body, headers={**lab.headers, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    out = pl.read_csv(io.BytesIO(r.content), infer_schema=False)
    assert out["panel_id"][0] == "'=cmd|' /C calc'!A0"


async def test_an_upload_with_a_validation_ref_column_is_refused_naming_it(client):
    """A disease item's validation is a record the registry holds; a cell claiming one is refused, not
    silently read as nothing."""
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    csv = b"panel_id,code,genes,validation_ref\np,NUT-VITD,VDR,NBC-2025-07\n"
    r = await client.post(urls.BATCH, content=csv, headers={**lab.headers, "Content-Type": "text/csv"})
    problem = assert_problem(r, 422, "INVALID_BODY")
    assert problem["errors"][0]["field"] == "validation_ref" and "registry's own record" in problem["detail"]
