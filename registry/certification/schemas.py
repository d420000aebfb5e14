"""What the certification use cases return: typed results, which the API also documents (OpenAPI) and
sends as they are."""

from __future__ import annotations

from typing import Any

import msgspec


class ItemOut(msgspec.Struct):
    code: str
    name_ko: str | None
    name_en: str | None
    proposal: dict[str, Any] | None
    genes: list[str]
    markers: list[str]
    evidence: list[dict[str, Any]]
    accuracy: dict[str, Any]
    validation_ref: str | None
    outcome: str | None
    reason: str


class EvaluationOut(msgspec.Struct):
    reviewer_id: int
    scores: dict[str, dict[str, Any]]
    total_score: int
    recommendation: str
    remarks: str
    created_at: str


class DecidedCertificateOut(msgspec.Struct):
    """The certificate an approval produced: `effect` issued (an initial application), items_added (a
    change) or renewed (a renewal), from `effective_date`; `href` verifies it."""

    number: str
    effect: str
    effective_date: str
    href: str


class ApplicationOut(msgspec.Struct):
    """An application. Its progress is `state` (draft, submitted, under_review, info_requested, decided,
    withdrawn); `certificate_number` is the certificate a change or renewal applies to (as filed);
    `decided_certificate` is the certificate the decision produced (null until an approval)."""

    id: int
    number: str
    provider_id: int
    provider_name_ko: str | None
    provider_name_en: str | None
    kind: str
    state: str
    certificate_number: str | None
    note: str
    created_at: str
    updated_at: str
    submitted_at: str | None
    decided_on: str | None
    outcome: str | None
    info_request: str
    provider_response: str
    version: int
    etag: str
    allowed_actions: list[str]
    items: list[ItemOut]
    evaluation: EvaluationOut | None
    decided_certificate: DecidedCertificateOut | None = None


class ApplicationSummary(msgspec.Struct):
    """A row of the list (a regulator's queue): `waiting_days` counts whole Korean days since submission
    while the application awaits a decision (submitted, under_review, info_requested), else null."""

    id: int
    number: str
    provider_id: int
    provider_name_ko: str
    provider_name_en: str
    kind: str
    state: str
    certificate_number: str | None
    updated_at: str
    submitted_at: str | None
    outcome: str | None
    version: int
    etag: str
    item_count: int  # catalogue items requested
    proposal_count: int  # new items proposed
    waiting_days: int | None
    href: str


class ApplicationList(msgspec.Struct):
    data: list[ApplicationSummary]
    total: int
    next_cursor: str | None


class DryRunOut(msgspec.Struct):
    """What a dry run found: `valid` means the request would succeed (for a draft: could be submitted
    today); otherwise `problem` is the code that would refuse it, with its findings."""

    dry_run: bool
    state: str
    valid: bool
    number: str | None = None
    problem: str | None = None
    findings: list[dict[str, Any]] = msgspec.field(default_factory=list)


class SubmissionOut(msgspec.Struct):
    number: str | None = None
    state: str | None = None
    version: int | None = None
    etag: str | None = None
    dry_run: bool = False
    valid: bool | None = None


class CertifiedItemOut(msgspec.Struct):
    code: str
    name_ko: str | None
    name_en: str | None
    certified_from: str


class CertificateOut(msgspec.Struct):
    """Verification: `certified`, `not_certified` (status, since when, until when for a suspension, why,
    on which ground and provision) or `unknown`."""

    number: str
    result: str
    as_of: str
    message_en: str
    message_ko: str
    status: str | None = None
    status_since: str | None = None
    status_until: str | None = None
    status_reason: str | None = None
    ground: int | None = None
    ground_en: str | None = None
    ground_ko: str | None = None
    basis_en: str | None = None
    basis_ko: str | None = None
    kind: str | None = None
    provider_id: int | None = None
    provider_name_ko: str | None = None
    provider_name_en: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    items: list[CertifiedItemOut] = msgspec.field(default_factory=list)
    items_on_certificate: list[CertifiedItemOut] = msgspec.field(default_factory=list)
    etag: str | None = None


class CertificateEventOut(msgspec.Struct):
    """One dated event. `until`: a suspension's last day (active again the day after); `ground` with its
    statutory words (Art. 49-2(4)); `surcharge`: KRW imposed instead of the suspension (Art. 58);
    `hearing_outcome`: held | waived_by_holder | not_attended (Art. 57); `basis_*`: the provision."""

    kind: str
    effective_date: str
    valid_until: str | None
    until: str | None
    ground: int | None
    ground_en: str | None
    ground_ko: str | None
    surcharge: int | None
    hearing_outcome: str | None
    basis_en: str | None
    basis_ko: str | None
    reason: str
    items: list[str]
    application_number: str | None
    recorded_at: str


class CertificateHistoryOut(msgspec.Struct):
    number: str
    kind: str
    events: list[CertificateEventOut]


class ValidationOut(msgspec.Struct):
    """A validation record as anyone may read it, and whether it covers the day asked."""

    id: int
    provider_id: int
    code: str
    sandbox_designation: str
    sandbox_granted_by: str
    sandbox_from: str
    sandbox_until: str
    committee_decided_on: str
    committee_reference: str | None
    note: str
    recorded_at: str
    withdrawn_on: str | None
    withdrawal_reason: str
    as_of: str
    covers_as_of: bool


class ValidationList(msgspec.Struct):
    data: list[ValidationOut]
    total: int
    next_cursor: str | None
