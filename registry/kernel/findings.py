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


def _render(frame, template: str):
    import polars as pl

    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name:
            parts.append(pl.col(name).cast(pl.String).fill_null("?"))
    return pl.concat_str(parts) if parts else pl.lit("")


def _segments(template: str) -> list[tuple[str, str | None]]:
    return [(literal, name) for literal, name, _, _ in string.Formatter().parse(template)]


def render_messages(findings):
    """Add message_ko and message_en to a polars frame of findings (`code`, `item` and the placeholder
    columns), from the same templates as `finding`, keeping the frame's order. Templates are laid out
    segment by segment: the k-th literal of each row's template is looked up by its code, the k-th
    placeholder picked from the column it names; one concatenation per language."""
    if findings.height == 0:  # nothing to say: skip planning the expressions (about 1 ms)
        import polars as pl

        return findings.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in ("message_ko", "message_en"))
    return findings.with_columns(_message_columns())


@cache
def _message_columns():
    import polars as pl

    rules = finding_rules()
    columns = []
    for language in ("ko", "en"):
        layouts = {code: _segments(getattr(rule, f"message_{language}")) for code, rule in rules.items()}
        width = max(len(segments) for segments in layouts.values())
        pieces = []
        for k in range(width):
            literal = {code: (segs[k][0] if k < len(segs) else "") for code, segs in layouts.items()}
            pieces.append(pl.col("code").replace_strict(literal, default="", return_dtype=pl.String))
            by_field: dict[str, list[str]] = {}
            for code, segs in layouts.items():
                if k < len(segs) and segs[k][1]:
                    by_field.setdefault(segs[k][1], []).append(code)
            value = pl.lit("", dtype=pl.String)
            for name, codes in by_field.items():
                value = (
                    pl.when(pl.col("code").is_in(codes))
                    .then(pl.col(name).cast(pl.String).fill_null("?"))
                    .otherwise(value)
                )
            pieces.append(value)
        columns.append(pl.concat_str(pieces).alias(f"message_{language}"))
    return columns
