"""Shared by the pseudonymisation tests: the reviewed rules, a copy to break, and a check of one field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from registry.pseudonymisation.files import load_rules
from registry.pseudonymisation.model import Environment, FieldRequest, FieldResult, RuleSet
from tests.conftest import rules_path

SOURCE = rules_path("pseudonymisation")
KINDS = (
    "KNOWN_DISEASE_VARIANT",
    "TUMOUR_NOVEL_VARIANT",
    "TUMOUR_PARTIAL_SEQUENCE",
    "RAW_READS",
    "ALIGNED_READS",
    "VARIANT_CALLS",
    "TEST_REPORT",
    "EXPRESSION",
)
FILE_KINDS = ("RAW_READS", "ALIGNED_READS", "VARIANT_CALLS", "TEST_REPORT")


def reviewed() -> RuleSet:
    return load_rules(SOURCE.resolve())


def one(rules: RuleSet, day: str, kind: str, environment: str = "closed") -> FieldResult:
    result = rules.check(dt.date.fromisoformat(day), Environment(environment), [FieldRequest("f", kind)])
    (field,) = result.fields
    return field


def codes(field: FieldResult) -> list[str]:
    return [f.code for f in field.findings]


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "pseudonymisation"
    shutil.copytree(SOURCE, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
