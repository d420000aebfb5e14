"""`dtc-registry catalog validate`: exit status, messages and the table of editions."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.catalog.test_validate import SOURCE, edit


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(SOURCE, target)
    return target


def test_cli_exit_status_and_messages(catalog_copy):
    cli = [sys.executable, "-m", "registry.cli", "catalog", "validate"]
    ok = subprocess.run([*cli, str(SOURCE)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: 10 edition(s)")
    edit(catalog_copy / "2016-06-30.toml", 'tier = "wellness"', 'tier = "lifestyle"')
    bad = subprocess.run([*cli, str(catalog_copy)], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "error: 2016-06-30.toml: items[0] HLT-BMI.tier:" in bad.stderr
    assert "1 error(s)" in bad.stderr


def test_the_editions_as_a_table(invoke):
    result = invoke("catalog", "validate", str(SOURCE / "2024-07-09.toml"))
    assert result.exit_code == 0, result.stderr
    first, *table = result.stdout.splitlines()
    assert first.startswith("ok: 1 edition(s)")
    assert any(line.split()[:3] == ["2024-07-09.toml", "2024-07-09", "2024-07-09"] for line in table), table


def test_a_missing_path_is_an_error(invoke, tmp_path):
    result = invoke("catalog", "validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "does not exist" in result.stderr and "Traceback" not in result.output


def test_the_gene_names_are_checked_beside_the_editions(invoke, tmp_path):
    ok = invoke("catalog", "validate", str(SOURCE))
    assert ok.exit_code == 0 and "ok: gene names, 3 locus notation(s), 3 symbol(s)" in ok.stdout, ok.output
    genes = tmp_path / "genes.toml"
    genes.write_text('[symbols.GUCY1A3]\ncurrent = "gucy1a1"\nsource = "HGNC"\n', encoding="utf-8")
    bad = invoke("catalog", "validate", str(SOURCE), "--genes", str(genes))
    assert bad.exit_code == 1
    assert f"error: {genes}: symbols.GUCY1A3.current: 'gucy1a1' is not a gene symbol" in bad.stderr
    genes.write_text('[symbols.GUCY1A3]\ncurrent = "GUCY1A1"\nsource = "HGNC"\n', encoding="utf-8")
    missing = invoke("catalog", "validate", str(SOURCE), "--genes", str(genes))
    assert missing.exit_code == 1
    assert "error: 2016-06-30.toml: HLT-GLU.restricted_genes: 'CDKN2A/B' names several genes" in missing.stderr
