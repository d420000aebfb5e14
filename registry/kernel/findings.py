"""Finding codes, read once from rules/findings.toml: the one place their messages and bases live."""

from __future__ import annotations

import datetime as dt
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
class Basis:
    """What a finding rests on from a date on, in both languages."""

    since: dt.date | None
    ko: str
    en: str


@dataclass(frozen=True, slots=True)
class FindingRule:
    code: str
    severity: Severity
    message_en: str
    message_ko: str
    bases: tuple[Basis, ...]  # oldest first; the first also speaks for dates before it

    def basis_on(self, day: dt.date | None) -> Basis:
        """The basis in force on `day`; with no day, the newest."""
        if day is None:
            return self.bases[-1]
        found = self.bases[0]
        for basis in self.bases[1:]:
            if basis.since is not None and basis.since <= day:
                found = basis
        return found


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing said about one item (or the whole panel or application when item is None)."""

    item: str | None
    code: str
    severity: Severity
    message_ko: str
    message_en: str
    basis_ko: str
    basis_en: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "code": self.code,
            "severity": self.severity.value,
            "message_ko": self.message_ko,
            "message_en": self.message_en,
            "basis_ko": self.basis_ko,
            "basis_en": self.basis_en,
        }


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


@cache
def finding_rules(path: Path = PROJECT_ROOT / "rules" / "findings.toml") -> dict[str, FindingRule]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        code: FindingRule(code, Severity(v["severity"]), v["message_en"], v["message_ko"], _bases(code, v))
        for code, v in raw.items()
    }


def _bases(code: str, rule: dict) -> tuple[Basis, ...]:
    if "basis" in rule:
        bases = tuple(Basis(b["from"], b["ko"], b["en"]) for b in rule["basis"])
        if not bases or any(b.since is None for b in bases) or list(bases) != sorted(bases, key=lambda b: b.since):
            raise ValueError(f"findings.toml [{code}]: basis periods need a 'from' date each, oldest first")
        return bases
    return (Basis(None, rule["basis_ko"], rule["basis_en"]),)


def finding(code: str, item: str | None = None, *, on: dt.date | None = None, **params: object) -> Finding:
    """One finding, its messages filled from `params` and its basis the one in force `on` that day."""
    rule = finding_rules()[code]
    text = {k: str(v) for k, v in params.items()}
    values = _Blank(text, item=item or "")
    basis = rule.basis_on(on)
    return Finding(
        item,
        code,
        rule.severity,
        rule.message_ko.format_map(values),
        rule.message_en.format_map(values),
        basis.ko,
        basis.en,
        tuple(sorted(text.items())),
    )


@cache
def basis_table():
    """Every code's bases as a polars frame (code, since, basis_ko, basis_en), for `attach_bases`."""
    import polars as pl

    rows = [
        {"code": code, "since": basis.since or dt.date(1, 1, 1), "basis_ko": basis.ko, "basis_en": basis.en}
        for code, rule in finding_rules().items()
        for basis in rule.bases
    ]
    schema = {"code": pl.String, "since": pl.Date, "basis_ko": pl.String, "basis_en": pl.String}
    return pl.DataFrame(rows, schema=schema).sort("since")


def attach_bases(findings, day_column: str, code_column: str = "code"):
    """Add basis_ko and basis_en to a polars frame of findings: for each row the basis of its finding
    code (`code_column`) in force on its `day_column` (a date; where it is null, the newest basis),
    keeping the frame's order."""
    import polars as pl

    bases = basis_table().rename({"code": code_column, "since": "_since"})
    first = bases.group_by(code_column).agg(pl.all().sort_by("_since").first()).drop("_since")
    newest = bases.group_by(code_column).agg(pl.all().sort_by("_since").last()).drop("_since")
    frame = findings.with_row_index("_order").with_columns(pl.col(day_column).cast(pl.Date).alias("_day"))
    dated = frame.filter(pl.col("_day").is_not_null()).sort("_day")
    dated = dated.join_asof(
        bases, left_on="_day", right_on="_since", by=code_column, strategy="backward", check_sortedness=False
    )
    # A date before a code's first basis takes the first one.
    dated = (
        dated.drop("_since")
        .join(first, on=code_column, how="left", suffix="_first")
        .with_columns(
            pl.col("basis_ko").fill_null(pl.col("basis_ko_first")),
            pl.col("basis_en").fill_null(pl.col("basis_en_first")),
        )
    )
    undated = frame.filter(pl.col("_day").is_null()).join(newest, on=code_column, how="left")
    merged = pl.concat([dated.select(undated.columns), undated], how="vertical_relaxed")
    return merged.sort("_order").drop("_order", "_day")


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
