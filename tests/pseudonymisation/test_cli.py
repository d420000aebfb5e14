"""`dtc-registry pseudonymisation`: versions, show, check (arguments or a CSV file) and validate, with their
exit statuses (0 checked, 1 refused or, asked for, a field needing consent, 2 usage). No database."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from registry.cli import cli
from tests.cli.helpers import one_line
from tests.pseudonymisation.helpers import SOURCE, copy_rules, edit


@pytest.fixture
def untouched(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "untouched.sqlite3"
    yield path
    assert not path.exists(), "a pseudonymisation command opened a database"


@pytest.fixture
def invoke(untouched: Path) -> Callable[..., Result]:
    runner = CliRunner()

    def call(*args: str, **env: str) -> Result:
        return runner.invoke(
            cli,
            ["pseudonymisation", *args],
            env={"DATABASE_URL": f"sqlite:///{untouched}", **env},
            prog_name="dtc-registry",
        )

    return call


def test_versions_as_a_table_and_as_json(invoke):
    result = invoke("versions")
    assert result.exit_code == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert any(row[:5] == ["2024-01-31", "edition", "2024-01-31", "7/0/1", "in"] for row in rows), result.stdout
    assert any(row[:5] == ["2021-02", "edition", "2021-02-01", "2021-12-31", "2/6/0"] for row in rows)
    listed = json.loads(invoke("versions", "--json").stdout)
    assert [v["version"] for v in listed["data"]][:2] == ["2024-01-31", "2023-06-01-proposal"]


def test_show_an_edition(invoke):
    result = invoke("show", "2021-02", "--json")
    assert result.exit_code == 0, result.stderr
    detail = json.loads(result.stdout)
    assert detail["genomic_provisions_verified"] is False and len(detail["kinds"]) == 8
    table = invoke("show", "2024-01-31")
    assert table.exit_code == 0 and "VARIANT_CALLS" in table.stdout and "source: https://" in table.stdout


def test_show_an_unknown_version_is_one_line(invoke):
    assert "'2019'" in one_line(invoke("show", "2019"), 1)


def test_check_fields_given_as_arguments(invoke):
    result = invoke(
        "check", "--as-of", "2024-03-01", "--environment", "open", "--json", "vcf:VARIANT_CALLS", "t:EXPRESSION"
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert [(f["name"], f["verdict"]) for f in answer["fields"]] == [
        ("vcf", "consent_required"),
        ("t", "not_identifying"),
    ]
    table = invoke("check", "--as-of", "2024-03-01", "--environment", "closed", "a:b:RAW_READS")
    assert table.exit_code == 0 and "a:b" in table.stdout and "1 pseudonymisable" in table.stdout


def test_check_a_csv_file_and_fail_on_consent(invoke, tmp_path):
    fields = tmp_path / "fields.csv"
    fields.write_text("name,kind\nvcf,VARIANT_CALLS\nexpr,EXPRESSION\n", encoding="utf-8")
    closed = invoke("check", "--as-of", "2024-03-01", "--environment", "closed", "--file", str(fields))
    assert closed.exit_code == 0 and "2 field(s): 1 pseudonymisable, 0 consent_required" in closed.stdout
    reserved = ("check", "--as-of", "2023-07-01", "--environment", "closed", "--file", str(fields))
    assert invoke(*reserved).exit_code == 0  # verdicts alone do not fail the command
    failed = invoke(*reserved, "--fail-on-consent-required")
    assert one_line(failed, 1) == "pseudonymisation: 2 of 2 field(s) need consent"
    assert "2 consent_required" in failed.stdout  # the results are printed first


def test_check_refusals_are_one_line(invoke, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind\nvcf,VCF\n", encoding="utf-8")
    line = one_line(invoke("check", "--environment", "closed", "--file", str(bad)), 1)
    assert line.startswith("pseudonymisation: Row 2, column 'kind': 'VCF' is not a kind")
    line = one_line(invoke("check", "--environment", "closed", "x:FASTQ"), 1)
    assert "fields.0.kind" in line and "'FASTQ'" in line
    line = one_line(invoke("check", "--environment", "closed", "x:RAW_READS", "x:VARIANT_CALLS"), 1)
    assert "given twice" in line
    assert "no such file" in one_line(invoke("check", "--environment", "closed", "--file", str(tmp_path / "no.csv")), 1)


def test_check_usage_errors_exit_2(invoke, tmp_path):
    assert invoke("check", "--environment", "closed").exit_code == 2  # no field
    assert invoke("check", "x:RAW_READS").exit_code == 2  # no environment
    assert invoke("check", "--environment", "lab", "x:RAW_READS").exit_code == 2
    assert "not FIELD:KIND" in one_line(invoke("check", "--environment", "closed", "RAW_READS"), 2)
    assert "--as-of" in one_line(invoke("check", "--environment", "closed", "--as-of", "2024-3-1", "x:RAW_READS"), 2)
    both = invoke("check", "--environment", "closed", "--file", str(tmp_path / "f.csv"), "x:RAW_READS")
    assert "one of the two" in one_line(both, 2)


def test_validate_the_reviewed_rules():
    process = subprocess.run(
        [sys.executable, "-m", "registry.cli", "pseudonymisation", "validate", str(SOURCE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith("ok: 4 edition(s), 1 proposal(s), 8 kinds, no errors")


def test_validate_names_file_and_key(invoke, tmp_path):
    broken = copy_rules(tmp_path)
    edit(broken / "editions" / "2024-01-31.toml", 'verdict = "not_identifying"', 'verdict = "anonymous"')
    result = invoke("validate", str(broken))
    assert result.exit_code == 1
    assert "error: editions/2024-01-31.toml: kinds[4] EXPRESSION.verdict:" in result.stderr
    assert "1 error(s)" in result.stderr
    assert "does not exist" in invoke("validate", str(tmp_path / "nowhere")).stderr


def test_commands_refuse_broken_rules_in_one_line(invoke, tmp_path):
    broken = copy_rules(tmp_path)
    edit(broken / "kinds.toml", 'name_ko = "유전자검사 기록지"', 'name_ko = "유전자검사 report"')
    line = one_line(invoke("versions", REGISTRY_RULES_DIR=str(tmp_path)), 1)
    assert "kinds.toml: kinds.TEST_REPORT.name_ko" in line and "validate" in line
