"""What the pseudonymisation API reads (a check request) and answers (editions, diffs, check results), and
the mapping from the domain to those answers, shared by the API and the command line."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry.pseudonymisation.model import (
    MAX_NAME_LENGTH,
    CheckResult,
    Condition,
    Entry,
    FieldRequest,
    KindChange,
    RulesDiff,
    RuleSet,
    Verdict,
    Version,
)

MAX_FIELDS = 1_000  # fields in one JSON check; a larger data dictionary goes through the CSV batch

# --- the request ---------------------------------------------------------------------------------------


class FieldInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=r"\S", description="the field's name")
    kind: str = Field(max_length=64, description="a kind code, e.g. VARIANT_CALLS (GET .../kinds lists them)")


class CheckInput(BaseModel):
    """Fields of a data set, each with the kind of genomic data it holds, checked as of a date."""

    model_config = ConfigDict(extra="forbid")
    as_of: dt.date | None = Field(default=None, description="YYYY-MM-DD; default today in Korea")
    environment: Literal["closed", "open"] = Field(description="where the data is analysed")
    fields: list[FieldInput] = Field(min_length=1, max_length=MAX_FIELDS)

    @field_validator("as_of", mode="before")
    @classmethod
    def _date_text(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError("expected a date as YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("expected a date as YYYY-MM-DD") from None

    @field_validator("fields")
    @classmethod
    def _names_once(cls, fields: list[FieldInput]) -> list[FieldInput]:
        first: dict[str, int] = {}
        for i, f in enumerate(fields):
            if f.name in first:
                raise ValueError(f"the name '{f.name}' is given twice: fields.{first[f.name]} and fields.{i}")
            first[f.name] = i
        return fields

    def requests(self) -> list[FieldRequest]:
        return [FieldRequest(f.name, f.kind) for f in self.fields]


# --- answers -------------------------------------------------------------------------------------------


class KindOut(msgspec.Struct):
    code: str
    name_ko: str
    name_en: str
    formats: list[str]
    note_ko: str
    note_en: str


class KindList(msgspec.Struct):
    data: list[KindOut]


class ConditionOut(msgspec.Struct):
    code: str
    text_ko: str
    text_en: str


class EntryOut(msgspec.Struct):
    kind: str
    name_ko: str
    name_en: str
    verdict: str
    conditions: list[ConditionOut]
    basis_ko: str
    basis_en: str
    status_confirmed: bool
    status_note_ko: str
    status_note_en: str
    confidence: str
    sources: list[str]
    listed: bool  # false: the edition does not name the kind; its default applies


class Counts(msgspec.Struct):
    listed: int
    pseudonymisable: int
    consent_required: int
    not_identifying: int


class VersionSummary(msgspec.Struct):
    version: str
    status: str  # edition | proposal
    title_ko: str
    title_en: str
    effective_from: dt.date | None
    effective_from_precision: str | None  # day | month
    effective_until: dt.date | None
    proposed_on: dt.date | None
    genomic_provisions_verified: bool
    counts: Counts


class VersionDetail(VersionSummary):
    issuer_ko: str
    issuer_en: str
    effective_from_note_ko: str
    effective_from_note_en: str
    draft_published_on: dt.date | None
    comments_until: dt.date | None
    genomic_provisions_note_ko: str
    genomic_provisions_note_en: str
    sources: list[str]
    notes: str
    kinds: list[EntryOut]


class VersionList(msgspec.Struct):
    data: list[VersionSummary]
    total: int
    edition_in_force: str | None


class SideOut(msgspec.Struct):
    verdict: str
    conditions: list[str]
    listed: bool


class KindChangeOut(msgspec.Struct):
    kind: str
    name_ko: str
    name_en: str
    changed: list[str]  # verdict, conditions
    before: SideOut
    after: SideOut


class DiffOut(msgspec.Struct):
    from_version: VersionSummary = msgspec.field(name="from")
    to_version: VersionSummary = msgspec.field(name="to")
    added: list[KindChangeOut]
    removed: list[KindChangeOut]
    changed: list[KindChangeOut]


class CurrentOut(VersionDetail):
    as_of: dt.date
    previous: str | None
    diff: DiffOut | None  # against the previous edition; null for the first
    proposals: list[VersionSummary]  # proposals made on or before as_of; none is in force


class FindingOut(msgspec.Struct):
    code: str
    severity: str
    message_ko: str
    message_en: str
    basis_ko: str
    basis_en: str


class FieldOut(msgspec.Struct):
    name: str
    kind: str
    verdict: str
    conditions: list[ConditionOut]
    findings: list[FindingOut]


class EditionRef(msgspec.Struct):
    version: str
    title_ko: str
    title_en: str
    effective_from: dt.date | None
    effective_from_precision: str | None
    effective_until: dt.date | None


class CheckSummary(msgspec.Struct):
    fields: int
    pseudonymisable: int
    consent_required: int
    not_identifying: int


class CheckOut(msgspec.Struct):
    as_of: dt.date
    environment: str
    edition: EditionRef | None  # null before the first edition of the guideline
    summary: CheckSummary
    fields: list[FieldOut]


# --- mapping from the domain ---------------------------------------------------------------------------


def kinds_out(rules: RuleSet) -> KindList:
    return KindList(
        [KindOut(k.code, k.name_ko, k.name_en, list(k.formats), k.note_ko, k.note_en) for k in rules.kinds.values()]
    )


def condition_out(condition: Condition) -> ConditionOut:
    return ConditionOut(condition.code, condition.text_ko, condition.text_en)


def entry_out(rules: RuleSet, entry: Entry) -> EntryOut:
    kind = rules.kinds[entry.kind]
    return EntryOut(
        kind=entry.kind,
        name_ko=kind.name_ko,
        name_en=kind.name_en,
        verdict=entry.verdict.value,
        conditions=[condition_out(rules.conditions[c]) for c in entry.conditions],
        basis_ko=entry.basis_ko,
        basis_en=entry.basis_en,
        status_confirmed=entry.status_confirmed,
        status_note_ko=entry.status_note_ko,
        status_note_en=entry.status_note_en,
        confidence=entry.confidence,
        sources=list(entry.sources),
        listed=entry.listed,
    )


def _summary_fields(rules: RuleSet, version: Version) -> dict:
    c = version.content
    entries = rules.resolved(version)
    verdicts = [e.verdict for e in entries]
    return dict(
        version=c.version,
        status=c.status.value,
        title_ko=c.title_ko,
        title_en=c.title_en,
        effective_from=c.effective_from,
        effective_from_precision=c.effective_from_precision.value if c.effective_from_precision else None,
        effective_until=version.effective_until,
        proposed_on=c.proposed_on,
        genomic_provisions_verified=c.genomic_provisions_verified,
        counts=Counts(
            listed=sum(1 for e in entries if e.listed),
            pseudonymisable=verdicts.count(Verdict.pseudonymisable),
            consent_required=verdicts.count(Verdict.consent_required),
            not_identifying=verdicts.count(Verdict.not_identifying),
        ),
    )


def summary_out(rules: RuleSet, version: Version) -> VersionSummary:
    return VersionSummary(**_summary_fields(rules, version))


def _detail_fields(rules: RuleSet, version: Version) -> dict:
    c = version.content
    return dict(
        **_summary_fields(rules, version),
        issuer_ko=c.issuer_ko,
        issuer_en=c.issuer_en,
        effective_from_note_ko=c.effective_from_note_ko,
        effective_from_note_en=c.effective_from_note_en,
        draft_published_on=c.draft_published_on,
        comments_until=c.comments_until,
        genomic_provisions_note_ko=c.genomic_provisions_note_ko,
        genomic_provisions_note_en=c.genomic_provisions_note_en,
        sources=list(c.sources),
        notes=c.notes,
        kinds=[entry_out(rules, e) for e in rules.resolved(version)],
    )


def detail_out(rules: RuleSet, version: Version) -> VersionDetail:
    return VersionDetail(**_detail_fields(rules, version))


def versions_out(rules: RuleSet, today: dt.date) -> VersionList:
    listed = rules.newest_first()
    in_force = rules.in_force(today)
    return VersionList(
        data=[summary_out(rules, v) for v in listed],
        total=len(listed),
        edition_in_force=in_force.version if in_force else None,
    )


def _side(entry: Entry) -> SideOut:
    return SideOut(entry.verdict.value, list(entry.conditions), entry.listed)


def _change_out(rules: RuleSet, change: KindChange) -> KindChangeOut:
    kind = rules.kinds[change.kind]
    return KindChangeOut(
        change.kind, kind.name_ko, kind.name_en, list(change.changed), _side(change.before), _side(change.after)
    )


def diff_out(rules: RuleSet, diff: RulesDiff) -> DiffOut:
    return DiffOut(
        from_version=summary_out(rules, diff.source),
        to_version=summary_out(rules, diff.target),
        added=[_change_out(rules, c) for c in diff.added],
        removed=[_change_out(rules, c) for c in diff.removed],
        changed=[_change_out(rules, c) for c in diff.changed],
    )


def current_out(rules: RuleSet, edition: Version, day: dt.date) -> CurrentOut:
    previous = rules.previous(edition)
    return CurrentOut(
        **_detail_fields(rules, edition),
        as_of=day,
        previous=previous.version if previous else None,
        diff=diff_out(rules, rules.diff(previous, edition)) if previous else None,
        proposals=[summary_out(rules, p) for p in rules.proposals_known(day)],
    )


def check_out(result: CheckResult) -> CheckOut:
    edition = result.edition
    ref = None
    if edition is not None:
        c = edition.content
        ref = EditionRef(
            version=c.version,
            title_ko=c.title_ko,
            title_en=c.title_en,
            effective_from=c.effective_from,
            effective_from_precision=c.effective_from_precision.value if c.effective_from_precision else None,
            effective_until=edition.effective_until,
        )
    return CheckOut(
        as_of=result.as_of,
        environment=result.environment.value,
        edition=ref,
        summary=CheckSummary(
            fields=len(result.fields),
            pseudonymisable=result.count(Verdict.pseudonymisable),
            consent_required=result.count(Verdict.consent_required),
            not_identifying=result.count(Verdict.not_identifying),
        ),
        fields=[
            FieldOut(
                name=f.name,
                kind=f.kind,
                verdict=f.verdict.value,
                conditions=[condition_out(x) for x in f.conditions],
                findings=[
                    FindingOut(x.code, x.severity.value, x.message_ko, x.message_en, x.basis_ko, x.basis_en)
                    for x in f.findings
                ],
            )
            for f in result.fields
        ],
    )
