"""`dtc-registry certificates import`: all or nothing; a file it cannot read is one line."""

from pathlib import Path

from tests.cli.helpers import one_line, run
from tests.conftest import Database
from tests.workflow import business_number, unique


def test_cli_import_refuses_bad_files_and_records_good_ones(tmp_path: Path, database: Database):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[providers]]\nname_ko = "가"\n', encoding="utf-8")
    result = run("certificates", "import", str(bad), database=database)
    assert result.returncode == 1 and "refused, nothing was written" in result.stderr
    good = tmp_path / "good.toml"
    good.write_text(
        f"""[[providers]]
name_ko = "예전기관"
name_en = "Former Lab"
business_number = "{business_number()}"
contact_email = "old@lab.example"
  [[providers.certificates]]
  number = "DTC-P2020-{int(unique("n").split("-")[1]) % 9000 + 1000}"
  kind = "pilot"
  valid_from = 2020-02-17
  valid_until = 2022-02-16
  items = [{{ code = "NUT-VITC" }}]
""",
        encoding="utf-8",
    )
    result = run("certificates", "import", str(good), database=database)
    assert result.returncode == 0 and "recorded 1 certificate(s)" in result.stdout, result.stderr


def test_a_file_that_is_not_toml_is_one_line(invoke, tmp_path: Path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[[providers]\nname_ko = "가"\n', encoding="utf-8")
    assert one_line(invoke("certificates", "import", str(broken)), 1) == (
        f"import: cannot read {broken}: not valid TOML: expected ']]' at the end of an array declaration"
        " (at line 1, column 12)"
    )
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name_ko = "Séoul"\n'.encode("latin-1"))
    assert one_line(invoke("certificates", "import", str(latin)), 1) == f"import: cannot read {latin}: not UTF-8 text"
    missing = tmp_path / "missing.toml"
    assert one_line(invoke("certificates", "import", str(missing)), 1) == f"import: cannot read {missing}: no such file"


def test_cli_import_refuses_a_certification_from_before_2022_12_30(tmp_path: Path, database: Database):
    early = tmp_path / "early.toml"
    early.write_text(
        f"""[[providers]]
name_ko = "이른기관"
name_en = "Early Lab"
business_number = "{business_number()}"
contact_email = "early@lab.example"
  [[providers.certificates]]
  number = "DTC-2022-{int(unique("n").split("-")[1]) % 9000 + 1000}"
  kind = "certification"
  valid_from = 2022-06-01
  valid_until = 2025-05-31
  items = [{{ code = "NUT-VITC" }}]
""",
        encoding="utf-8",
    )
    result = run("certificates", "import", str(early), database=database)
    assert result.returncode == 1 and "refused, nothing was written" in result.stderr
    assert "providers.0.certificates.0.valid_from: a certification under Art. 49-2 is valid from 2022-12-30" in (
        result.stderr
    )
