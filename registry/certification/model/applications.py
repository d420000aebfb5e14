"""The certification domain: application states, what an application must contain, evaluation areas,
certificate numbers, and a certificate's standing on any date. Pure code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from registry.catalog.model import ITEM_CODE_PATTERN, RSID, Catalogue, Category, Tier, is_gene_symbol
from registry.kernel.clock import korean_day
from registry.kernel.errors import DomainError, FieldError
from registry.kernel.findings import Finding, finding
from registry.kernel.ids import is_record_id


class ApplicationKind(StrEnum):
    initial = "initial"
    change = "change"  # add items to a live certificate (변경인증)
    renewal = "renewal"  # re-certification (재인증)


class ApplicationState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    info_requested = "info_requested"
    decided = "decided"
    withdrawn = "withdrawn"


class Action(StrEnum):
    submit = "submit"
    start_review = "start_review"
    request_info = "request_info"
    evaluate = "evaluate"
    decide = "decide"
    withdraw = "withdraw"
    edit = "edit"


# Which action may happen in which state, and where it leads.
TRANSITIONS: dict[tuple[ApplicationState, Action], ApplicationState] = {
    (ApplicationState.draft, Action.edit): ApplicationState.draft,
    (ApplicationState.info_requested, Action.edit): ApplicationState.info_requested,
    (ApplicationState.draft, Action.submit): ApplicationState.submitted,
    (ApplicationState.info_requested, Action.submit): ApplicationState.submitted,
    (ApplicationState.submitted, Action.start_review): ApplicationState.under_review,
    (ApplicationState.under_review, Action.request_info): ApplicationState.info_requested,
    (ApplicationState.under_review, Action.evaluate): ApplicationState.under_review,
    (ApplicationState.under_review, Action.decide): ApplicationState.decided,
    **{
        (state, Action.withdraw): ApplicationState.withdrawn
        for state in (
            ApplicationState.draft,
            ApplicationState.submitted,
            ApplicationState.under_review,
            ApplicationState.info_requested,
        )
    },
}


class IllegalTransition(Exception):
    def __init__(self, state: ApplicationState, action: Action):
        self.state, self.action = state, action
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s is state)
        self.allowed = allowed
        super().__init__(f"cannot {action.value} an application that is {state.value}")


def next_state(state: ApplicationState, action: Action) -> ApplicationState:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state, action) from None


# --- what an application contains ---------------------------------------------------------------------

PMID = re.compile(r"^PMID:\s?[1-9][0-9]{0,8}$")
DOI = re.compile(r"^(doi:)?10\.[0-9]{4,9}/\S+$", re.IGNORECASE)


# The same rules written for the OpenAPI document (JSON Schema regexes; no \s, whose meaning differs).
REFERENCE_SCHEMA = {
    "uniqueItems": True,
    "items": {
        "type": "string",
        "pattern": r"^(?:PMID: ?[1-9][0-9]{0,8}|(?:[dD][oO][iI]:)?10\.[0-9]{4,9}/[^\s\x00-\x1f]+)$",
    },
}
MARKERS_SCHEMA = {  # a plain symbol, one with a hyphenated part, or an rsID: a subset of what is_gene_symbol admits
    "items": {"type": "string", "pattern": r"^(?:[A-Z][A-Z0-9]{0,15}(?:-[A-Z0-9]{1,8})?|rs[1-9][0-9]{0,9})$"},
}


def is_reference(value: str) -> bool:
    """A paper the reviewer can look up: a PubMed id (PMID:12345) or a DOI (10.xxxx/...)."""
    return bool(PMID.match(value) or DOI.match(value))


Marker = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    marker: Marker
    references: list[Annotated[str, StringConstraints(strip_whitespace=True)]] = Field(
        max_length=50, json_schema_extra=REFERENCE_SCHEMA
    )

    @field_validator("references")
    @classmethod
    def _looks_up(cls, refs: list[str]) -> list[str]:
        bad = [r for r in refs if not is_reference(r)]
        if bad:
            raise ValueError(f"not a PMID (PMID:12345) or DOI (10.xxxx/...): {', '.join(bad)}")
        if len(set(refs)) != len(refs):
            raise ValueError("a reference is listed twice")
        return refs


class Accuracy(BaseModel):
    """Accuracy by external quality assessment (외부정도관리) or an equivalent comparison."""

    model_config = ConfigDict(extra="forbid")
    method: Text200
    samples: int = Field(ge=1, le=10_000_000)
    concordance_percent: float = Field(ge=0, le=100)
    sensitivity_percent: float | None = Field(default=None, ge=0, le=100)
    specificity_percent: float | None = Field(default=None, ge=0, le=100)


def _marker_kind_problem(markers: Iterable[str]) -> str | None:
    bad = [m for m in markers if not (is_gene_symbol(m) or RSID.match(m))]
    return f"not an HGNC-style gene symbol or rsID: {', '.join(bad)}" if bad else None


class RequestedItem(BaseModel):
    """A catalogue item the provider asks to be certified for, with its evidence."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=ITEM_CODE_PATTERN)]
    genes: list[Marker] = Field(default_factory=list, max_length=500, json_schema_extra=MARKERS_SCHEMA)
    markers: list[Marker] = Field(default_factory=list, max_length=5000, json_schema_extra=MARKERS_SCHEMA)
    evidence: list[Evidence] = Field(default_factory=list, max_length=5000)
    accuracy: Accuracy
    # The applicant's reference to a disease item's validation (sandbox designation, committee decision),
    # read by the reviewer; it makes no panel pass: that takes a validation record the registry holds.
    validation_ref: Text200 | None = Field(
        default=None, description="the applicant's reference to the item's validation; reviewed, not relied on"
    )

    @model_validator(mode="after")
    def _well_formed(self) -> RequestedItem:
        problem = _marker_kind_problem([*self.genes, *self.markers])
        if problem:
            raise ValueError(problem)
        return self


class ProposedItem(RequestedItem):
    """A new item, not yet on the permitted list (how the list grew from 70 to 190)."""

    name_ko: Text200
    name_en: Text200
    category: Category
    tier: Tier
    rationale: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=5000)]


class ApplicationContent(BaseModel):
    """What a provider writes: create, and replace while a draft or answering an information request."""

    # The schema states the rules of `_shape` a schema can say (each item once cannot be: by code).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["items"], "properties": {"items": {"minItems": 1}}},
                {"required": ["proposals"], "properties": {"proposals": {"minItems": 1}}},
            ],
            "if": {"properties": {"kind": {"const": "initial"}}},
            "then": {"properties": {"certificate_number": {"type": "null"}}},
            "else": {
                "required": ["certificate_number"],
                "properties": {"certificate_number": {"type": "string", "minLength": 1}},
            },
        },
    )
    kind: ApplicationKind
    certificate_number: str | None = Field(default=None, description="the certificate a change or renewal is for")
    items: list[RequestedItem] = Field(default_factory=list, max_length=500)
    proposals: list[ProposedItem] = Field(default_factory=list, max_length=100)
    note: Annotated[str, StringConstraints(max_length=5000)] = ""

    @model_validator(mode="after")
    def _shape(self) -> ApplicationContent:
        if not self.items and not self.proposals:
            raise ValueError("an application requests at least one item or proposes one")
        codes = [i.code for i in self.items] + [p.code for p in self.proposals]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"each item once: {', '.join(twice)} appear(s) more than once")
        if self.kind is ApplicationKind.initial and self.certificate_number:
            raise ValueError("an initial application names no certificate")
        if self.kind is not ApplicationKind.initial and not self.certificate_number:
            raise ValueError(f"a {self.kind.value} application names the certificate it is for")
        return self


def evidence_findings(item: RequestedItem) -> list[Finding]:
    """At least two papers per item-marker link, and evidence for every marker tested."""
    found: list[Finding] = []
    tested = [*item.genes, *item.markers]
    if not tested:
        found.append(finding("NO_MARKERS", item.code))
    by_marker = {e.marker: e for e in item.evidence}
    for marker in tested:
        evidence = by_marker.get(marker)
        if evidence is None:
            found.append(finding("MARKER_WITHOUT_EVIDENCE", item.code, marker=marker))
        elif len(evidence.references) < 2:
            found.append(finding("EVIDENCE_INSUFFICIENT", item.code, marker=marker, count=len(evidence.references)))
    return found


def submission_findings(
    content: ApplicationContent,
    catalogue: Catalogue,
    day: dt.date,
    *,
    certified_codes: set[str],
    certificate_number: str | None,
    codes_in_other_proposals: set[str],
) -> list[Finding]:
    """Everything that stops an application from being submitted on `day`, one finding per problem."""
    found: list[Finding] = []
    for item in content.items:
        permission = catalogue.permission_finding(item.code, day)
        if permission is not None:
            found.append(permission)
        if content.kind is ApplicationKind.change and item.code in certified_codes:
            found.append(finding("ITEM_ALREADY_CERTIFIED", item.code, certificate=certificate_number))
        found.extend(evidence_findings(item))
    for proposal in content.proposals:
        if proposal.code in catalogue.known_codes() or proposal.code in codes_in_other_proposals:
            found.append(finding("PROPOSAL_CODE_TAKEN", proposal.code))
        if proposal.tier is Tier.disease and not proposal.validation_ref:
            found.append(finding("PROPOSAL_DIAGNOSIS_EXCLUDED", proposal.code))
        found.extend(evidence_findings(proposal))
    return found


def proposal_prefix_problem(proposal: ProposedItem) -> str | None:
    from registry.catalog.model import CATEGORY_PREFIX

    prefix = CATEGORY_PREFIX[proposal.category]
    if not proposal.code.startswith(prefix + "-"):
        return f"the code of a {proposal.category.value} item starts with {prefix}-"
    return None


# --- review and decision ---------------------------------------------------------------------------------


class EvaluationArea(StrEnum):
    accuracy_proficiency = "accuracy_proficiency"
    item_appropriateness_evidence = "item_appropriateness_evidence"
    advertising_result_delivery = "advertising_result_delivery"
    personal_information_protection = "personal_information_protection"
    facilities_personnel_management = "facilities_personnel_management"


class AreaScore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=0, le=100)
    remarks: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class EvaluationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: dict[EvaluationArea, AreaScore] = Field(
        description="a score and remarks for each of the five evaluation areas",
        json_schema_extra={
            "properties": {area.value: {"$ref": "#/components/schemas/AreaScore"} for area in EvaluationArea},
            "required": [area.value for area in EvaluationArea],
            "additionalProperties": False,
        },
    )
    recommendation: Literal["approve", "approve_in_part", "reject"]
    remarks: Annotated[str, StringConstraints(max_length=10000)] = ""

    @model_validator(mode="after")
    def _every_area(self) -> EvaluationInput:
        missing = sorted(a.value for a in EvaluationArea if a not in self.scores)
        if missing:
            raise ValueError(f"every evaluation area needs a score and remarks; missing: {', '.join(missing)}")
        return self

    @property
    def total(self) -> int:
        return round(sum(s.score for s in self.scores.values()) / len(self.scores))


class InfoRequestInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000)]


class ItemDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    outcome: Literal["approved", "rejected"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""

    @model_validator(mode="after")
    def _reason_for_rejection(self) -> ItemDecision:
        if self.outcome == "rejected" and not self.reason:
            raise ValueError(f"{self.code}: a rejection needs a reason")
        return self


class DecisionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemDecision] = Field(min_length=1, max_length=600)  # requested items and proposals


def decision_problems(requested: Sequence[str], decision: DecisionInput) -> list[str]:
    """Every requested item decided exactly once, and nothing else."""
    decided = [d.code for d in decision.items]
    problems = []
    missing = sorted(set(requested) - set(decided))
    extra = sorted(set(decided) - set(requested))
    twice = sorted({c for c in decided if decided.count(c) > 1})
    if missing:
        problems.append(f"not decided: {', '.join(missing)}")
    if extra:
        problems.append(f"not requested in this application: {', '.join(extra)}")
    if twice:
        problems.append(f"decided more than once: {', '.join(twice)}")
    return problems


def outcome_of(decision: DecisionInput) -> str:
    approved = sum(1 for d in decision.items if d.outcome == "approved")
    if approved == 0:
        return "rejected"
    return "approved" if approved == len(decision.items) else "partially_approved"


def application_number(year: int, serial: int) -> str:
    return f"APP-{year}-{serial:05d}"


_APPLICATION_NUMBER = re.compile(r"APP-[0-9]{4}-[0-9]{5,}")


def application_reference(text: str) -> int | str | None:
    """What names an application in a path: its numeric id (`12`) or its number (`APP-2026-00012`, any
    case); None for anything else, which names no application."""
    value = text.strip()
    if value.isascii() and value.isdigit():
        number = int(value) if len(value) <= 10 else 0
        return number if is_record_id(number) else None
    value = value.upper()
    return value if _APPLICATION_NUMBER.fullmatch(value) else None


def parse_states(values: list[str] | None) -> list[str]:
    """The states a list asks for (the parameter repeated: state=submitted&state=under_review); an unknown
    one is a 400 naming it and the states there are."""
    if not values:
        return []
    allowed = [s.value for s in ApplicationState]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise DomainError(
            "UNKNOWN_VALUE.state",
            unknown=unknown,
            allowed=allowed,
            errors=[FieldError("state", f"unknown state '{v}'") for v in unknown],
            extra={"unknown": unknown, "allowed": allowed},
        )
    return sorted(set(values), key=allowed.index)


# While an application waits for a decision, how long it has waited counts from its submission.
_WAITING = frozenset({ApplicationState.submitted.value, ApplicationState.under_review.value,
                      ApplicationState.info_requested.value})  # fmt: skip


def waiting_days(state: str, submitted_at: dt.datetime | None, today: dt.date) -> int | None:
    """Whole Korean days since submission while the application awaits a decision; None otherwise."""
    if state not in _WAITING or submitted_at is None:
        return None
    return (today - korean_day(submitted_at)).days
