"""The pseudonymisation scope of genomic data: which kinds of genomic data the health-data guideline lets
be used after pseudonymisation, edition by edition, and the check of a set of fields on a date.

Pure code: no framework, no storage. The same models validate the reviewed files in
rules/pseudonymisation/ (files.py reads them) and answer the API and the command line.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ONE_DAY = dt.timedelta(days=1)
MAX_NAME_LENGTH = 200  # characters in a field's name, in JSON and in CSV
CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,39}$"
VERSION_PATTERN = r"^[0-9][0-9A-Za-z._-]{0,31}$"
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class Verdict(StrEnum):
    pseudonymisable = "pseudonymisable"  # may be used after pseudonymisation, under the conditions
    consent_required = "consent_required"  # may be used only with the data subject's consent
    not_identifying = "not_identifying"  # may be used without pseudonymisation


class Environment(StrEnum):
    closed = "closed"  # a closed analysis environment
    open = "open"  # anything else


class RuleStatus(StrEnum):
    edition = "edition"  # an edition of the guideline: in force from effective_from
    proposal = "proposal"  # a proposal: never in force, never changes a verdict


class Precision(StrEnum):
    day = "day"
    month = "month"


class Severity(StrEnum):
    error = "error"  # the field may not be used without consent
    warning = "warning"  # the answer rests on something the public record does not confirm
    info = "info"


Confidence = Literal["C", "D", "U"]  # confirmed by a cited source, derived, unconfirmed


# --- the reviewed files ---------------------------------------------------------------------------------


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindFile(_File):
    name_ko: Text
    name_en: Text
    formats: tuple[str, ...] = ()
    note_ko: str = ""
    note_en: str = ""


class KindsFile(_File):
    kinds: dict[Code, KindFile] = Field(min_length=1)


class ConditionFile(_File):
    text_ko: Text
    text_en: Text
    requires_environment: Environment | None = None


class ConditionsFile(_File):
    conditions: dict[Code, ConditionFile] = Field(min_length=1)


class FindingFile(_File):
    severity: Severity
    message_ko: Text
    message_en: Text
    basis_ko: Text
    basis_en: Text


class LabelFile(_File):
    ko: Text
    en: Text


class FindingsFile(_File):
    findings: dict[Code, FindingFile]
    verdicts: dict[Verdict, LabelFile]
    environments: dict[Environment, LabelFile]


class DefaultFile(_File):
    """What an edition says of a kind it does not list."""

    verdict: Verdict
    basis_ko: Text
    basis_en: Text
    confidence: Confidence


class EntryFile(_File):
    """One kind as an edition (or a proposal) lists it."""

    kind: Code
    verdict: Verdict
    conditions: tuple[Code, ...] = ()
    basis_ko: Text
    basis_en: Text
    status_confirmed: bool = Field(description="The public record confirms this kind had this verdict then.")
    status_note_ko: str = ""
    status_note_en: str = ""
    confidence: Confidence
    sources: tuple[Url, ...] = ()


class EditionFile(_File):
    """One file of rules/pseudonymisation/editions/: an edition of the guideline, or a proposal."""

    version: Annotated[str, StringConstraints(pattern=VERSION_PATTERN)]
    status: RuleStatus
    title_ko: Text
    title_en: Text
    issuer_ko: Text
    issuer_en: Text
    effective_from: dt.date | None = None
    effective_from_precision: Precision | None = None
    effective_from_note_ko: str = ""
    effective_from_note_en: str = ""
    proposed_on: dt.date | None = None
    draft_published_on: dt.date | None = None
    comments_until: dt.date | None = None
    genomic_provisions_verified: bool = True
    genomic_provisions_note_ko: str = ""
    genomic_provisions_note_en: str = ""
    sources: tuple[Url, ...] = Field(min_length=1)
    notes: str = ""
    default: DefaultFile | None = None
    kinds: tuple[EntryFile, ...] = ()


# --- checks a schema alone cannot say -------------------------------------------------------------------


@dataclass(frozen=True)
class RulesProblem:
    """One thing wrong with the reviewed files: which file, which key, and why."""

    file: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.reason}"


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_/.<>-]*")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def english_words(text: str) -> list[str]:
    """Plain English words in a Korean text. Outside {parameters} and 'quoted names', a Latin word is
    allowed only as an identifier or a format name (FASTQ, SAM/BAM, a code): it holds a capital, a digit
    or a sign; an all-lowercase word is English."""
    bare = re.sub(r"'[^']*'", "", re.sub(r"\{[^}]*\}", "", text))
    return [w for w in _LATIN_WORD.findall(bare) if not re.search(r"[A-Z0-9_/.<>-]", w)]


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(re.sub(r"\{[^}]*\}", "", text)))


def language_problems(file: str, where: str, values: Mapping[str, str]) -> list[RulesProblem]:
    """Korean texts (`*_ko`, `ko`) hold no English words; English texts (`*_en`, `en`) no Hangul."""
    problems = []
    for key, text in values.items():
        if not text:
            continue
        place = f"{where}.{key}" if where else key
        if key == "ko" or key.endswith("_ko"):
            words = english_words(text)
            if words:
                problems.append(RulesProblem(file, place, f"Korean text holds English words: {', '.join(words)}"))
        elif (key == "en" or key.endswith("_en")) and has_hangul(text):
            problems.append(RulesProblem(file, place, "English text holds Hangul"))
    return problems


def text_fields(model: BaseModel) -> dict[str, str]:
    return {k: v for k, v in model.model_dump().items() if isinstance(v, str) and (k[-3:] in ("_ko", "_en"))}


def check_edition_file(
    name: str, edition: EditionFile, kinds: Iterable[str], conditions: Iterable[str]
) -> list[RulesProblem]:
    """Rules inside one edition file that the schema alone cannot say."""
    known_kinds, known_conditions = set(kinds), set(conditions)
    problems: list[RulesProblem] = []

    def bad(where: str, reason: str) -> None:
        problems.append(RulesProblem(name, where, reason))

    stem = name.rsplit("/", 1)[-1].removesuffix(".toml")
    if stem != edition.version:
        bad("version", f"'{edition.version}' differs from the file name '{stem}'")
    if edition.status is RuleStatus.edition:
        if edition.effective_from is None:
            bad("effective_from", "an edition needs effective_from")
        if edition.effective_from_precision is None:
            bad("effective_from_precision", "an edition needs effective_from_precision (day or month)")
        if edition.proposed_on is not None:
            bad("proposed_on", "only a proposal has proposed_on; an edition has effective_from")
        if edition.default is None:
            bad("default", "an edition needs [default]: what a kind it does not list gets")
    else:
        if edition.proposed_on is None:
            bad("proposed_on", "a proposal needs proposed_on")
        for key in ("effective_from", "effective_from_precision", "default"):
            if getattr(edition, key) is not None:
                bad(key, "a proposal is never in force: it has no " + key)
        if not edition.kinds:
            bad("kinds", "a proposal names at least one kind")
    if edition.effective_from_precision is Precision.month:
        if edition.effective_from is not None and edition.effective_from.day != 1:
            bad("effective_from", "a date known to the month only is written as the first day of the month")
        if not (edition.effective_from_note_ko and edition.effective_from_note_en):
            bad("effective_from_note_ko", "a date known to the month only needs a note in Korean and English")
    if not edition.genomic_provisions_verified and not (
        edition.genomic_provisions_note_ko and edition.genomic_provisions_note_en
    ):
        bad("genomic_provisions_note_ko", "unverified genomic provisions need a note in Korean and English")
    if edition.draft_published_on and edition.effective_from and edition.draft_published_on > edition.effective_from:
        bad("draft_published_on", "a draft is published before the edition takes effect")
    if edition.comments_until and edition.draft_published_on and edition.comments_until < edition.draft_published_on:
        bad("comments_until", "comments close after the draft is published")
    problems += language_problems(name, "", text_fields(edition))
    if edition.default is not None:
        problems += language_problems(name, "default", text_fields(edition.default))
    seen: set[str] = set()
    for i, entry in enumerate(edition.kinds):
        where = f"kinds[{i}] {entry.kind}"
        if entry.kind not in known_kinds:
            bad(f"{where}.kind", f"unknown kind; kinds.toml defines {', '.join(sorted(known_kinds))}")
        if entry.kind in seen:
            bad(where, "kind listed twice in one file")
        seen.add(entry.kind)
        for code in entry.conditions:
            if code not in known_conditions:
                bad(f"{where}.conditions", f"unknown condition {code}; conditions.toml defines them")
        if len(set(entry.conditions)) != len(entry.conditions):
            bad(f"{where}.conditions", "a condition listed twice")
        if entry.verdict is Verdict.pseudonymisable and not entry.conditions:
            bad(f"{where}.conditions", "a pseudonymisable kind names its conditions")
        if entry.verdict is not Verdict.pseudonymisable and entry.conditions:
            bad(f"{where}.conditions", f"only a pseudonymisable kind has conditions, not {entry.verdict}")
        if not entry.status_confirmed and not (entry.status_note_ko and entry.status_note_en):
            bad(f"{where}.status_note_ko", "an unconfirmed status needs a note in Korean and English")
        if not entry.status_confirmed and entry.confidence == "C":
            bad(f"{where}.confidence", "an unconfirmed status cannot have confidence C")
        problems += language_problems(name, where, text_fields(entry))
    return problems


def check_sequence(editions: Sequence[tuple[str, EditionFile]]) -> list[RulesProblem]:
    """Rules across files: unique versions, one edition per effective date, a proposal after an edition."""
    problems: list[RulesProblem] = []
    versions: dict[str, str] = {}
    dates: dict[dt.date, str] = {}
    for name, edition in editions:
        if edition.version in versions:
            problems.append(RulesProblem(name, "version", f"'{edition.version}' is also {versions[edition.version]}"))
        versions[edition.version] = name
        if edition.status is RuleStatus.edition and edition.effective_from is not None:
            if edition.effective_from in dates:
                problems.append(
                    RulesProblem(
                        name, "effective_from", f"{edition.effective_from} is also {dates[edition.effective_from]}"
                    )
                )
            dates[edition.effective_from] = name
    if not dates:
        problems.append(RulesProblem("editions", "(directory)", 'holds no edition (status = "edition")'))
    return problems


# --- the rules, once read -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    code: str
    name_ko: str
    name_en: str
    formats: tuple[str, ...] = ()
    note_ko: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Condition:
    code: str
    text_ko: str
    text_en: str
    requires_environment: Environment | None = None


@dataclass(frozen=True)
class Label:
    ko: str
    en: str


@dataclass(frozen=True)
class Entry:
    """What an edition says of one kind: listed in the file, or the edition's default."""

    kind: str
    verdict: Verdict
    conditions: tuple[str, ...]
    basis_ko: str
    basis_en: str
    status_confirmed: bool
    status_note_ko: str
    status_note_en: str
    confidence: str
    sources: tuple[str, ...]
    listed: bool


@dataclass(frozen=True)
class Version:
    """An edition or a proposal, with the day after which the next edition takes over."""

    content: EditionFile
    entries: tuple[Entry, ...]  # the kinds the file lists, in its order
    effective_until: dt.date | None = None

    @property
    def version(self) -> str:
        return self.content.version

    @property
    def is_proposal(self) -> bool:
        return self.content.status is RuleStatus.proposal

    @property
    def date(self) -> dt.date:
        """effective_from for an edition, proposed_on for a proposal."""
        day = self.content.proposed_on if self.is_proposal else self.content.effective_from
        assert day is not None  # the loader refuses a file without it
        return day

    def listed(self, kind: str) -> Entry | None:
        return next((e for e in self.entries if e.kind == kind), None)

    def entry(self, kind: str) -> Entry:
        """The kind as this edition treats it: its own entry, or the edition's default."""
        found = self.listed(kind)
        if found is not None:
            return found
        default = self.content.default
        assert default is not None, "a proposal lists its kinds only"
        return Entry(
            kind, default.verdict, (), default.basis_ko, default.basis_en, True, "", "", default.confidence, (), False
        )

    def in_month_of_start(self, day: dt.date) -> bool:
        """A date known to the month only: `day` lies in that month, when the edition may not yet apply."""
        start = self.content.effective_from
        return (
            self.content.effective_from_precision is Precision.month
            and start is not None
            and (day.year, day.month) == (start.year, start.month)
        )


def entry_from_file(entry: EntryFile) -> Entry:
    return Entry(
        entry.kind,
        entry.verdict,
        entry.conditions,
        entry.basis_ko,
        entry.basis_en,
        entry.status_confirmed,
        entry.status_note_ko,
        entry.status_note_en,
        entry.confidence,
        entry.sources,
        True,
    )


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message_ko: str
    message_en: str
    basis_ko: str
    basis_en: str


@dataclass(frozen=True)
class FieldRequest:
    name: str
    kind: str


@dataclass(frozen=True)
class FieldResult:
    name: str
    kind: str
    verdict: Verdict
    conditions: tuple[Condition, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class CheckResult:
    as_of: dt.date
    environment: Environment
    edition: Version | None
    fields: tuple[FieldResult, ...]

    def count(self, verdict: Verdict) -> int:
        return sum(1 for f in self.fields if f.verdict is verdict)


@dataclass(frozen=True)
class KindChange:
    kind: str
    before: Entry
    after: Entry
    changed: tuple[str, ...]  # verdict, conditions


@dataclass(frozen=True)
class RulesDiff:
    source: Version
    target: Version
    added: tuple[KindChange, ...]  # listed in target, not in source
    removed: tuple[KindChange, ...]  # listed in source, not in target
    changed: tuple[KindChange, ...]  # listed in both, verdict or conditions differ


# The parameters each finding's texts may use (the loader refuses any other name).
_COMMON = frozenset({"kind", "kind_ko", "kind_en", "version", "title_ko", "title_en", "as_of"})
FINDING_PARAMETERS: dict[str, frozenset[str]] = {
    "PSEUDONYMISABLE": _COMMON | {"conditions_ko", "conditions_en", "basis_ko", "basis_en"},
    "CONSENT_REQUIRED": _COMMON | {"basis_ko", "basis_en"},
    "NOT_IDENTIFYING": _COMMON | {"basis_ko", "basis_en"},
    "ENVIRONMENT_REQUIRED": _COMMON
    | {"basis_ko", "basis_en", "required_ko", "required_en", "environment_ko", "environment_en"},
    "NO_GUIDELINE": frozenset({"kind", "kind_ko", "kind_en", "as_of", "first"}),
    "STATUS_UNCONFIRMED": _COMMON | {"note_ko", "note_en", "basis_ko", "basis_en"},
    "EDITION_UNVERIFIED": _COMMON | {"note_ko", "note_en"},
    "DATE_APPROXIMATE": _COMMON | {"note_ko", "note_en", "month", "effective_from"},
    "PROPOSED": _COMMON
    | {"proposal_ko", "proposal_en", "proposed_on", "proposed_ko", "proposed_en", "basis_ko", "basis_en"},
}
VERDICT_FINDINGS = {
    Verdict.pseudonymisable: "PSEUDONYMISABLE",
    Verdict.consent_required: "CONSENT_REQUIRED",
    Verdict.not_identifying: "NOT_IDENTIFYING",
}


def template_names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@dataclass(frozen=True)
class RuleSet:
    """Every kind, condition, finding text, edition and proposal, as read from rules/pseudonymisation/."""

    kinds: Mapping[str, Kind]
    conditions: Mapping[str, Condition]
    findings: Mapping[str, FindingFile]
    verdict_labels: Mapping[Verdict, Label]
    environment_labels: Mapping[Environment, Label]
    editions: tuple[Version, ...]  # oldest first
    proposals: tuple[Version, ...]  # oldest first

    @classmethod
    def build(
        cls,
        kinds: KindsFile,
        conditions: ConditionsFile,
        findings: FindingsFile,
        files: Iterable[EditionFile],
    ) -> RuleSet:
        versions = [Version(f, tuple(entry_from_file(e) for e in f.kinds)) for f in files]
        editions = sorted((v for v in versions if not v.is_proposal), key=lambda v: v.date)
        dated = [Version(a.content, a.entries, b.date - ONE_DAY) for a, b in pairwise(editions)] + editions[-1:]
        return cls(
            kinds={c: Kind(c, k.name_ko, k.name_en, k.formats, k.note_ko, k.note_en) for c, k in kinds.kinds.items()},
            conditions={
                c: Condition(c, k.text_ko, k.text_en, k.requires_environment) for c, k in conditions.conditions.items()
            },
            findings=dict(findings.findings),
            verdict_labels={v: Label(x.ko, x.en) for v, x in findings.verdicts.items()},
            environment_labels={e: Label(x.ko, x.en) for e, x in findings.environments.items()},
            editions=tuple(dated),
            proposals=tuple(sorted((v for v in versions if v.is_proposal), key=lambda v: v.date)),
        )

    # --- editions ---

    def get(self, version: str) -> Version | None:
        return next((v for v in (*self.editions, *self.proposals) if v.version == version), None)

    def newest_first(self) -> list[Version]:
        return sorted((*self.editions, *self.proposals), key=lambda v: (v.date, not v.is_proposal), reverse=True)

    def in_force(self, day: dt.date) -> Version | None:
        """The edition in force on `day`: the newest that took effect on or before it. Proposals never are."""
        found = None
        for edition in self.editions:
            if edition.date <= day:
                found = edition
        return found

    def previous(self, edition: Version) -> Version | None:
        earlier = [e for e in self.editions if e.date < edition.date]
        return earlier[-1] if earlier else None

    def first(self) -> Version:
        return self.editions[0]

    def proposals_known(self, day: dt.date) -> list[Version]:
        return [p for p in self.proposals if p.date <= day]

    def resolved(self, version: Version) -> list[Entry]:
        """Every kind as this version treats it (a proposal: only the kinds it names)."""
        if version.is_proposal:
            return list(version.entries)
        return [version.entry(code) for code in self.kinds]

    # --- diff ---

    def diff(self, source: Version, target: Version) -> RulesDiff:
        added, removed, changed = [], [], []
        for code in self.kinds:
            before, after = source.entry(code), target.entry(code)
            differs = tuple(
                name
                for name, a, b in (
                    ("verdict", before.verdict, after.verdict),
                    ("conditions", before.conditions, after.conditions),
                )
                if a != b
            )
            change = KindChange(code, before, after, differs)
            if after.listed and not before.listed:
                added.append(change)
            elif before.listed and not after.listed:
                removed.append(change)
            elif differs:
                changed.append(change)
        return RulesDiff(source, target, tuple(added), tuple(removed), tuple(changed))

    # --- the check ---

    def _finding(self, code: str, params: Mapping[str, object]) -> Finding:
        rule = self.findings[code]
        values = {k: str(v) for k, v in params.items()}
        return Finding(
            code,
            rule.severity,
            rule.message_ko.format_map(values),
            rule.message_en.format_map(values),
            rule.basis_ko.format_map(values),
            rule.basis_en.format_map(values),
        )

    def check(self, as_of: dt.date, environment: Environment, fields: Sequence[FieldRequest]) -> CheckResult:
        """Each field's verdict on `as_of` for use in `environment`, with its conditions and findings.
        The kinds must be known (the use case refuses others before asking)."""
        edition = self.in_force(as_of)
        return CheckResult(
            as_of, environment, edition, tuple(self._check_one(f, as_of, environment, edition) for f in fields)
        )

    def _check_one(
        self, request: FieldRequest, as_of: dt.date, environment: Environment, edition: Version | None
    ) -> FieldResult:
        kind = self.kinds[request.kind]
        named = {"kind": kind.code, "kind_ko": kind.name_ko, "kind_en": kind.name_en, "as_of": as_of.isoformat()}
        if edition is None:
            finding = self._finding("NO_GUIDELINE", {**named, "first": self.first().version})
            return FieldResult(request.name, kind.code, Verdict.consent_required, (), (finding,))
        c = edition.content
        params = {**named, "version": c.version, "title_ko": c.title_ko, "title_en": c.title_en}
        entry = edition.entry(kind.code)
        basis = {"basis_ko": entry.basis_ko, "basis_en": entry.basis_en}
        verdict = entry.verdict
        conditions = tuple(self.conditions[code] for code in entry.conditions)
        findings: list[Finding] = []
        required = next(
            (x.requires_environment for x in conditions if x.requires_environment not in (None, environment)), None
        )
        if verdict is Verdict.pseudonymisable and required is not None:
            verdict, conditions = Verdict.consent_required, ()
            findings.append(
                self._finding(
                    "ENVIRONMENT_REQUIRED",
                    {
                        **params,
                        **basis,
                        "required_ko": self.environment_labels[required].ko,
                        "required_en": self.environment_labels[required].en,
                        "environment_ko": self.environment_labels[environment].ko,
                        "environment_en": self.environment_labels[environment].en,
                    },
                )
            )
        else:
            texts = {
                "conditions_ko": " ".join(x.text_ko for x in conditions),
                "conditions_en": " ".join(x.text_en for x in conditions),
            }
            findings.append(self._finding(VERDICT_FINDINGS[verdict], {**params, **basis, **texts}))
        if not entry.status_confirmed:
            note = {"note_ko": entry.status_note_ko, "note_en": entry.status_note_en}
            findings.append(self._finding("STATUS_UNCONFIRMED", {**params, **basis, **note}))
        if not c.genomic_provisions_verified:
            note = {"note_ko": c.genomic_provisions_note_ko, "note_en": c.genomic_provisions_note_en}
            findings.append(self._finding("EDITION_UNVERIFIED", {**params, **note}))
        if edition.in_month_of_start(as_of):
            assert c.effective_from is not None
            findings.append(
                self._finding(
                    "DATE_APPROXIMATE",
                    {
                        **params,
                        "note_ko": c.effective_from_note_ko,
                        "note_en": c.effective_from_note_en,
                        "month": c.effective_from.strftime("%Y-%m"),
                        "effective_from": c.effective_from.isoformat(),
                    },
                )
            )
        for proposal in self.proposals_known(as_of):
            proposed = proposal.listed(kind.code)
            if proposed is None or proposed.verdict is entry.verdict:
                continue
            p = proposal.content
            label = self.verdict_labels[proposed.verdict]
            findings.append(
                self._finding(
                    "PROPOSED",
                    {
                        **params,
                        "proposal_ko": p.title_ko,
                        "proposal_en": p.title_en,
                        "proposed_on": proposal.date.isoformat(),
                        "proposed_ko": label.ko,
                        "proposed_en": label.en,
                        "basis_ko": proposed.basis_ko,
                        "basis_en": proposed.basis_en,
                    },
                )
            )
        return FieldResult(request.name, kind.code, verdict, conditions, tuple(findings))


def check_findings_file(name: str, findings: FindingsFile) -> list[RulesProblem]:
    """Every finding the check says is defined, none other, each text uses only the names it is given,
    and the texts are clean in their language; every verdict and environment has its label."""
    problems: list[RulesProblem] = []
    for code in sorted(set(FINDING_PARAMETERS) - set(findings.findings)):
        problems.append(RulesProblem(name, f"findings.{code}", "missing: the check says this finding"))
    for code, rule in findings.findings.items():
        allowed = FINDING_PARAMETERS.get(code)
        if allowed is None:
            problems.append(RulesProblem(name, f"findings.{code}", "no check says this finding"))
            continue
        for key in ("message_ko", "message_en", "basis_ko", "basis_en"):
            text = getattr(rule, key)
            try:
                unknown = sorted(template_names(text) - allowed)
            except ValueError as exc:
                problems.append(RulesProblem(name, f"findings.{code}.{key}", f"not a valid template: {exc}"))
                continue
            if unknown:
                problems.append(
                    RulesProblem(
                        name,
                        f"findings.{code}.{key}",
                        f"unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
                    )
                )
        problems += language_problems(name, f"findings.{code}", text_fields(rule))
    for table, keys in (("verdicts", list(Verdict)), ("environments", list(Environment))):
        labels = getattr(findings, table)
        for key in keys:
            if key not in labels:
                problems.append(RulesProblem(name, f"{table}.{key}", "missing label"))
            else:
                problems += language_problems(name, f"{table}.{key}", {"ko": labels[key].ko, "en": labels[key].en})
    return problems
