"""`check_rows`, the one batch path (HTTP upload and command line): chunks of whole panels give the
answer of one pass, and progress is reported after each."""

import datetime as dt

import polars as pl

from registry.panels import batch as batching


def batch() -> pl.DataFrame:
    rows = []
    for i in range(40):
        as_of = "2018-01-01" if i % 3 else "2024-08-01"  # open mode, and a provider without a certificate
        rows.append(
            {"panel_id": f"P{i:02}", "code": "NUT-VITC", "genes": "SLC23A1" if i % 2 else "FTO", "as_of": as_of}
        )
        if i % 4 == 0:
            rows.append({"panel_id": f"P{i:02}", "code": "NUT-VITC", "genes": "", "as_of": as_of})  # a duplicate
        if i % 5 == 0:
            rows.append({"panel_id": f"P{i:02}", "code": "NOPE-1", "genes": "", "as_of": as_of})
    return pl.DataFrame(rows)


async def test_chunks_give_the_answer_of_one_pass(engine, monkeypatch):
    rows, claims = batching.prepare_batch(batch(), default_provider=1, default_as_of=dt.date(2018, 1, 1))
    whole, summary = await batching.check_rows(rows, claims)
    assert summary.panels == 40 and summary.rows == rows.height and 0 < summary.permitted < 40
    assert summary.findings == whole.filter(pl.col("code").is_not_null()).height == sum(summary.counts.values())
    assert list(summary.counts.values()) == sorted(summary.counts.values(), reverse=True)
    monkeypatch.setattr(batching, "BATCH_CHUNK_ROWS", 7)
    seen: list[tuple[int, int]] = []
    chunked, again = await batching.check_rows(rows, claims, on_progress=lambda done, total: seen.append((done, total)))
    assert chunked.equals(whole) and again == summary
    assert len(seen) > 3 and seen[-1] == (rows.height, rows.height)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})  # moving forward, chunk by chunk


async def test_an_empty_batch(engine):
    rows, claims = batching.prepare_batch(
        pl.DataFrame({"panel_id": [], "code": []}, schema={"panel_id": pl.String, "code": pl.String}),
        default_provider=1,
        default_as_of=dt.date(2018, 1, 1),
    )
    output, summary = await batching.check_rows(rows, claims)
    assert output.height == 0 and "verdict" in output.columns
    assert (summary.panels, summary.rows, summary.findings, summary.counts) == (0, 0, 0, {})


async def test_scattered_panels_are_checked_as_panels(engine, monkeypatch):
    """A file whose panels' rows are interleaved is read by panel id, not by runs of rows: the same
    positions, findings and summary as the file with each panel's rows together."""
    together = batch()
    # Every panel's first row, then every second row, ...: each panel's rows in their order, apart.
    scattered = together.with_row_index("n").sort(pl.int_range(pl.len()).over("panel_id"), "n").drop("n")
    day = dt.date(2018, 1, 1)
    rows, claims = batching.prepare_batch(together, default_provider=1, default_as_of=day)
    rows_s, claims_s = batching.prepare_batch(scattered, default_provider=1, default_as_of=day)
    assert rows_s.sort("panel_id", "position").equals(rows.sort("panel_id", "position"))
    whole, summary = await batching.check_rows(rows, claims)
    monkeypatch.setattr(batching, "BATCH_CHUNK_ROWS", 7)
    chunked, again = await batching.check_rows(rows_s, claims_s)
    assert again == summary
    assert chunked.sort(pl.all(), nulls_last=True).equals(whole.sort(pl.all(), nulls_last=True))
