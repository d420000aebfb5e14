"""`dtc-registry panels check`: results, summary and exit codes; every refusal in one line."""

from pathlib import Path

import polars as pl

from tests.cli.helpers import run


def panels_file(path: Path, n: int = 10, *, genes=lambda i: "SLC23A1" if i % 2 else "FTO", **columns) -> Path:
    """n panels of one NUT-VITC item as of 2018 (open mode: no certificate needed); SLC23A1 is a listed
    gene (permitted), FTO is not (not permitted)."""
    rows = [
        {"panel_id": f"P{i}", "code": "NUT-VITC", "genes": genes(i), "as_of": "2018-01-01", **columns} for i in range(n)
    ]
    if path.suffix == ".csv":
        pl.DataFrame(rows).write_csv(path)
    else:
        pl.DataFrame(rows).write_ndjson(path)
    return path


def test_cli_batch_check(tmp_path, database, provider_id):
    source = panels_file(tmp_path / "panels.csv")
    output = tmp_path / "results.parquet"
    result = run(
        "panels", "check", str(source), "--provider", str(provider_id), "--output", str(output), database=database
    )
    assert result.returncode == 0, result.stderr
    assert "GENE_NOT_PERMITTED (error)" in result.stderr and "not permitted" in result.stderr
    out = pl.read_parquet(output)
    assert out.unique("panel_id").filter(pl.col("verdict") == "permitted").height == 5
