"""Finding codes, read once from rules/findings.toml: the one place their messages and bases live."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from registry.settings import PROJECT_ROOT


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True, slots=True)
class FindingRule:
    code: str
    severity: Severity
    message_en: str
    message_ko: str
    basis: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing said about one item (or the whole panel or application when item is None)."""

    item: str | None
    code: str
    severity: Severity
    message_ko: str
    message_en: str
    basis: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "code": self.code,
            "severity": self.severity.value,
            "message_ko": self.message_ko,
            "message_en": self.message_en,
            "basis": self.basis,
        }


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


@cache
def finding_rules(path: Path = PROJECT_ROOT / "rules" / "findings.toml") -> dict[str, FindingRule]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        code: FindingRule(code, Severity(v["severity"]), v["message_en"], v["message_ko"], v["basis"])
        for code, v in raw.items()
    }


def finding(code: str, item: str | None = None, **params: object) -> Finding:
    rule = finding_rules()[code]
    text = {k: str(v) for k, v in params.items()}
    values = _Blank(text, item=item or "")
    return Finding(
        item,
        code,
        rule.severity,
        rule.message_ko.format_map(values),
        rule.message_en.format_map(values),
        rule.basis,
        tuple(sorted(text.items())),
    )


def template_fields() -> list[str]:
    """Every placeholder any message uses (besides item): the columns a vectorised check provides."""
    fields = set()
    for rule in finding_rules().values():
        for template in (rule.message_en, rule.message_ko):
            fields |= {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return sorted(fields - {"item"})


def message_expression(language: str):
    """A polars expression rendering each row's message from its `code` and placeholder columns: the
    same templates as `finding`, applied to a whole column at once."""
    import polars as pl

    expression = pl.lit(None, dtype=pl.String)
    for code, rule in finding_rules().items():
        template = rule.message_en if language == "en" else rule.message_ko
        parts = []
        for literal, name, _, _ in string.Formatter().parse(template):
            if literal:
                parts.append(pl.lit(literal))
            if name:
                parts.append(pl.col(name).cast(pl.String).fill_null("?"))
        expression = pl.when(pl.col("code") == code).then(pl.concat_str(parts)).otherwise(expression)
    return expression
