"""`dtc-registry panels check`: results, summary and exit codes; every refusal in one line."""

import errno
import json
import os
from pathlib import Path

import polars as pl

from tests.cli.helpers import one_line, run


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


def test_fail_on_findings(tmp_path, database, provider_id):
    source = panels_file(tmp_path / "panels.csv")
    output = tmp_path / "results.csv"
    args = [
        "panels",
        "check",
        str(source),
        "--provider",
        str(provider_id),
        "--output",
        str(output),
        "--fail-on-findings",
    ]
    refused = run(*args, database=database)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.rstrip().endswith("panels: 5 of 10 panel(s) not permitted")
    assert "panels check: panels.csv" in refused.stderr  # the summary, then the refusal
    assert pl.read_csv(output).unique("panel_id").height == 10  # the results are written all the same
    # Only permitted panels: exit 0; without --output the results go to standard output, in the input's format.
    fine = panels_file(tmp_path / "fine.jsonl", 3, genes=lambda i: "SLC23A1", provider_id=provider_id)
    passed = run("panels", "check", str(fine), "--fail-on-findings", database=database)
    assert passed.returncode == 0, passed.stderr
    verdicts = [json.loads(line)["verdict"] for line in passed.stdout.splitlines()]
    assert verdicts == ["permitted"] * 3


def test_unknown_providers_are_refused_in_one_line(tmp_path, database, provider_id):
    source = panels_file(tmp_path / "panels.csv", 3)
    unknown = provider_id + 1_000_000
    refused = run("panels", "check", str(source), "--provider", str(unknown), database=database)
    assert one_line(refused, 1) == f"panels: No provider {unknown} is registered."  # as the API says it
    rows = pl.read_csv(source).with_columns(pl.Series("provider_id", [provider_id, unknown, provider_id]))
    rows.write_csv(source)
    refused = run("panels", "check", str(source), database=database)
    assert one_line(refused, 1) == (
        f"panels: cannot check {source}: provider_id: no provider {unknown} is registered (row 2 of 3)"
    )


def test_an_unreadable_input_is_one_line(invoke, tmp_path):
    missing = tmp_path / "missing.csv"
    assert one_line(invoke("panels", "check", str(missing), "--provider", "1"), 1) == (
        f"panels: cannot read {missing}: no such file"
    )
    directory = tmp_path / "folder.csv"
    directory.mkdir()
    assert one_line(invoke("panels", "check", str(directory), "--provider", "1"), 1) == (
        f"panels: cannot read {directory}: is a directory"
    )
    not_a_table = tmp_path / "panels.parquet"
    not_a_table.write_text("panel_id,code\n", encoding="utf-8")
    message = one_line(invoke("panels", "check", str(not_a_table), "--provider", "1"), 1)
    assert message.startswith(f"panels: cannot check {not_a_table}: file: cannot be read as parquet")


def test_permission_denied_is_one_line(invoke, tmp_path, monkeypatch):
    source = panels_file(tmp_path / "panels.csv")
    unreadable = panels_file(tmp_path / "unreadable.csv")
    unreadable.chmod(0)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root reads and writes any file: refuse as the system refuses anyone else
        read_bytes, access = Path.read_bytes, os.access

        def read_unless_unreadable(path: Path) -> bytes:
            if path == unreadable:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return read_bytes(path)

        monkeypatch.setattr(Path, "read_bytes", read_unless_unreadable)
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked and access(path, mode))
    assert one_line(invoke("panels", "check", str(unreadable)), 1) == (
        f"panels: cannot read {unreadable}: permission denied"
    )
    output = locked / "results.csv"
    assert one_line(invoke("panels", "check", str(source), "--output", str(output)), 1) == (
        f"panels: cannot write {output}: permission denied"
    )


def test_an_unwritable_output_is_one_line_before_any_work(invoke, tmp_path):
    source = panels_file(tmp_path / "panels.csv")
    output = tmp_path / "no-such-folder" / "results.csv"
    assert one_line(invoke("panels", "check", str(source), "--provider", "1", "--output", str(output)), 1) == (
        f"panels: cannot write {output}: no such directory"
    )
    occupied = tmp_path / "results.csv"
    occupied.mkdir()
    assert one_line(invoke("panels", "check", str(source), "--provider", "1", "--output", str(occupied)), 1) == (
        f"panels: cannot write {occupied}: is a directory"
    )


def test_a_malformed_row_is_named(invoke, tmp_path):
    source = tmp_path / "panels.csv"
    source.write_text("panel_id,code,as_of\nA,NUT-VITC,2018-01-01\nB,NUT-VITC,last tuesday\n", encoding="utf-8")
    assert one_line(invoke("panels", "check", str(source), "--provider", "1"), 1) == (
        f"panels: cannot check {source}: as_of: missing or malformed in row 2 (of 2)"
    )
    source.write_text("panel_id,code\nA,NUT-VITC\n", encoding="utf-8")  # no provider anywhere
    assert one_line(invoke("panels", "check", str(source)), 1) == (
        f"panels: cannot check {source}: provider_id: missing or malformed in row 1 (of 1)"
    )


def test_usage_mistakes_exit_2_in_one_line(invoke, tmp_path):
    source = panels_file(tmp_path / "panels.csv")
    assert one_line(invoke("panels", "check", str(source), "--provider", "1", "--as-of", "2024-13-01"), 2) == (
        "panels: --as-of must be YYYY-MM-DD, not '2024-13-01'"
    )
    assert one_line(invoke("panels", "check", str(tmp_path / "panels.xlsx"), "--provider", "1"), 2) == (
        "panels: files are .csv, .parquet or .jsonl"
    )
