"""Certificates in the domain: kinds, status events, a certificate's standing on any date, and the one
rule that says which certificate speaks for a provider on a date. Pure code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

VALIDITY_YEARS = 3  # Art. 49-2(3)
RENEWAL_WINDOW_DAYS = 180  # the registry's policy: renewal may be filed from 180 days before expiry


class CertificateKind(StrEnum):
    certification = "certification"  # Art. 49-2 certification, from 2022-12-30
    pilot = "pilot"  # the 2020-2022 pilot certification (temporary)


class EventKind(StrEnum):
    issued = "issued"
    items_added = "items_added"
    renewed = "renewed"
    suspended = "suspended"
    reinstated = "reinstated"
    revoked = "revoked"


class Standing(StrEnum):
    active = "active"
    suspended = "suspended"
    revoked = "revoked"
    expired = "expired"
    not_yet_valid = "not_yet_valid"


# Art. 49-2(4): the grounds for revocation (and, by the ordinance, suspension).
GROUNDS: dict[int, tuple[str, str]] = {
    1: (
        "obtained by falsehood or fraud (revocation mandatory)",
        "거짓이나 부정한 방법으로 인증을 받은 경우(필요적 취소)",
    ),
    2: (
        "facilities, staff or equipment no longer meet the criteria",
        "시설·인력·장비 등이 인증 기준에 미달하게 된 경우",
    ),
    3: (
        "DTC testing of items outside the certified items",
        "인증받은 검사항목 외의 항목을 소비자 대상 직접 검사한 경우",
    ),
    4: (
        "DTC testing that markedly misleads subjects (e.g. leaking personal data, distorting a test's utility)",
        "개인정보 유출, 검사 유용성 왜곡 등 검사대상자를 현저히 오인하게 한 경우",
    ),
    5: ("other breaches of the ministerial ordinance", "그 밖에 보건복지부령으로 정하는 기준을 위반한 경우"),
}


class StatusChangeInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    ground: int | None = Field(default=None, ge=1, le=5, description="Art. 49-2(4) ground 1-5")
    effective_date: dt.date


@dataclass(frozen=True)
class CertificateEventView:
    kind: EventKind
    effective_date: dt.date
    valid_until: dt.date | None = None
    ground: int | None = None
    reason: str = ""
    seq: int = 0


@dataclass(frozen=True)
class StandingOnDate:
    standing: Standing
    since: dt.date
    valid_from: dt.date
    valid_until: dt.date
    reason: str = ""
    ground: int | None = None

    @property
    def certified(self) -> bool:
        return self.standing is Standing.active


def validity_end(start: dt.date, years: int = VALIDITY_YEARS) -> dt.date:
    """Three years from the grant date: 2022-12-30 -> 2025-12-29 (the first cohort's dates)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        anniversary = start.replace(year=start.year + years, day=28) + dt.timedelta(days=1)
    return anniversary - dt.timedelta(days=1)


def standing_on(events: Sequence[CertificateEventView], day: dt.date) -> StandingOnDate:
    """A certificate's standing on `day`, from its events (issued first). Revocation is final; otherwise
    a certificate past its validity (as extended by renewals on or before `day`) is expired."""
    ordered = sorted(events, key=lambda e: (e.effective_date, e.seq))
    issued = ordered[0]
    if issued.kind is not EventKind.issued or issued.valid_until is None:
        raise ValueError("a certificate's first event is its issue, with its validity")
    valid_from, valid_until = issued.effective_date, issued.valid_until
    if day < valid_from:
        return StandingOnDate(Standing.not_yet_valid, valid_from, valid_from, valid_until)
    standing, since, reason, ground = Standing.active, valid_from, "", None
    for event in ordered[1:]:
        if event.effective_date > day:
            break
        if event.kind is EventKind.renewed and event.valid_until is not None:
            valid_until = max(valid_until, event.valid_until)
        elif event.kind is EventKind.suspended and standing is Standing.active:
            standing, since, reason, ground = Standing.suspended, event.effective_date, event.reason, event.ground
        elif event.kind is EventKind.reinstated and standing is Standing.suspended:
            standing, since, reason, ground = Standing.active, event.effective_date, event.reason, None
        elif event.kind is EventKind.revoked:
            return StandingOnDate(
                Standing.revoked, event.effective_date, valid_from, valid_until, event.reason, event.ground
            )
    if day > valid_until:
        return StandingOnDate(Standing.expired, valid_until + dt.timedelta(days=1), valid_from, valid_until)
    return StandingOnDate(standing, since, valid_from, valid_until, reason, ground)


def status_change_problem(action: EventKind, current: StandingOnDate, change: StatusChangeInput) -> str | None:
    """Why a suspension, revocation or reinstatement cannot be recorded on its effective date: a reason
    key (its sentences are in rules/problems.toml under ILLEGAL_TRANSITION)."""
    if action in (EventKind.suspended, EventKind.revoked) and change.ground is None:
        return "ground_required"
    if current.standing is Standing.revoked:
        return "revoked_is_final"
    if current.standing is Standing.expired:
        return "expired_then"
    if current.standing is Standing.not_yet_valid:
        return "not_yet_valid_then"
    if action is EventKind.suspended and current.standing is Standing.suspended:
        return "already_suspended"
    if action is EventKind.reinstated and current.standing is not Standing.suspended:
        return "only_suspended_reinstated"
    return None


CERTIFICATE_NUMBER = re.compile(r"^DTC-(P)?(\d{4})-(\d{4})$")


def certificate_number(year: int, serial: int, kind: CertificateKind = CertificateKind.certification) -> str:
    """DTC-2026-0001 for certifications; DTC-P2020-0001 for pilot certifications recorded afterwards."""
    return f"DTC-{'P' if kind is CertificateKind.pilot else ''}{year}-{serial:04d}"


def renewal_window(valid_until: dt.date) -> tuple[dt.date, dt.date]:
    return valid_until - dt.timedelta(days=RENEWAL_WINDOW_DAYS), valid_until


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate with its status events and its items (code, certified from, certified until)."""

    provider_id: int
    number: str
    kind: CertificateKind
    events: Sequence[CertificateEventView]
    items: Sequence[tuple[str, dt.date, dt.date | None]] = field(default_factory=tuple)

    def standing_on(self, day: dt.date) -> StandingOnDate:
        return standing_on(self.events, day)

    def codes_on(self, day: dt.date) -> frozenset[str]:
        return frozenset(c for c, start, until in self.items if start <= day and (until is None or day <= until))

    def change_dates(self) -> set[dt.date]:
        """The days from which this certificate's standing or items may differ from the day before."""
        days: set[dt.date] = set()
        for e in self.events:
            days.add(e.effective_date)
            if e.valid_until is not None:
                days.add(e.valid_until + dt.timedelta(days=1))
        for _, start, until in self.items:
            days.add(start)
            if until is not None:
                days.add(until + dt.timedelta(days=1))
        return days


@dataclass(frozen=True)
class InForce:
    """The certificate that speaks for a provider on a date, its standing then, and the items it covers
    (none unless the standing is active)."""

    certificate: CertificateRecord
    standing: StandingOnDate
    codes: frozenset[str]

    @property
    def certified(self) -> bool:
        return self.standing.certified


def in_force(certificates: Iterable[CertificateRecord], day: dt.date) -> InForce | None:
    """The one answer to "which certificate speaks for this provider on `day`, and for which items":
    of the certificates already valid on `day`, an active one before any other, and among equals the
    most recently granted. None when no certificate had begun by `day`. The panel engine, the public
    lookup, verification and decisions all ask this function."""
    chosen: tuple[tuple[bool, dt.date], CertificateRecord, StandingOnDate] | None = None
    for certificate in certificates:
        standing = certificate.standing_on(day)
        if standing.standing is Standing.not_yet_valid:
            continue
        rank = (standing.certified, standing.valid_from)
        if chosen is None or rank > chosen[0]:
            chosen = (rank, certificate, standing)
    if chosen is None:
        return None
    _, certificate, standing = chosen
    return InForce(certificate, standing, certificate.codes_on(day) if standing.certified else frozenset())
