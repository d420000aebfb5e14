"""Certificates in the domain: kinds, status events, a certificate's standing on any date, and the one
rule that says which certificate speaks for a provider on a date. Pure code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

VALIDITY_YEARS = 3  # Art. 49-2(3)
RENEWAL_WINDOW_DAYS = 180  # the registry's policy: renewal may be filed from 180 days before expiry
SUSPENSION_MAX_YEARS = 1  # Art. 56(1): business suspension for a period of up to one year
SURCHARGE_MAX_KRW = 200_000_000  # Art. 58(1): a penalty surcharge of up to KRW 200 million

# The dates of the law. The pilot institutions were named by the MoHW notice from 2020-02-17; Art. 49-2
# (Act 17783, promulgated 2020-12-29) applies from 2021-12-30, and the first certifications under it
# were granted on 2022-12-30, when the pilot ended. A certificate speaks only within its regime.
PILOT_FROM = dt.date(2020, 2, 17)
PILOT_UNTIL = dt.date(2022, 12, 29)
CERTIFICATION_FROM = dt.date(2022, 12, 30)


class CertificateKind(StrEnum):
    certification = "certification"  # Art. 49-2 certification, from 2022-12-30
    pilot = "pilot"  # the 2020-2022 pilot certification (temporary)


REGIMES: dict[CertificateKind, tuple[dt.date, dt.date | None]] = {
    CertificateKind.pilot: (PILOT_FROM, PILOT_UNTIL),
    CertificateKind.certification: (CERTIFICATION_FROM, None),
}


class EventKind(StrEnum):
    issued = "issued"
    items_added = "items_added"
    renewed = "renewed"
    suspended = "suspended"  # a business suspension (Art. 56(1)) from effective_date to ends_on
    surcharged = "surcharged"  # a penalty surcharge instead of the suspension (Art. 58): no change of standing
    reinstated = "reinstated"  # an early end of a suspension
    hearing = "hearing"  # a hearing (Art. 57), required before a revocation
    revoked = "revoked"  # Art. 49-2(4), final


class HearingOutcome(StrEnum):
    """How a hearing (Art. 57) ended, as the registry records it (its own short list)."""

    held = "held"  # the holder was heard
    waived_by_holder = "waived_by_holder"  # the holder declared it waived its opportunity to be heard
    not_attended = "not_attended"  # the holder, duly summoned, did not attend


class Standing(StrEnum):
    active = "active"
    suspended = "suspended"
    revoked = "revoked"
    expired = "expired"
    not_yet_valid = "not_yet_valid"


# Art. 49-2(4): the grounds on which the Minister may revoke a certification, and must revoke it on
# ground 1 (the proviso). The Korean is the statute's wording; the English is the registry's translation.
GROUNDS: dict[int, tuple[str, str]] = {
    1: (
        "the certification was obtained by falsehood or other fraudulent means",
        "거짓이나 부정한 방법으로 인증을 받은 경우",
    ),
    2: (
        "a material change in facilities, staff, equipment or the like in the institution's testing capability "
        "means the certification criteria of paragraph (2) are no longer met",
        "유전자검사기관의 검사역량에 시설ㆍ인력ㆍ장비 등 중요한 변동사항이 발생하여 제2항에 따른 인증기준에 맞지 "
        "아니하게 된 경우",
    ),
    3: (
        "DTC genetic testing was performed on items other than the certified items",
        "인증받은 항목 외에 소비자 대상 직접 시행 유전자검사를 수행한 경우",
    ),
    4: (
        "DTC genetic testing was performed in a way that markedly misleads test subjects, such as leaking their "
        "personal information or distorting the utility of a test",
        "검사대상자의 개인정보를 유출하거나 검사의 효용성을 왜곡하는 등 검사대상자를 현저하게 오도(誤導)하는 방식으로 "
        "소비자 대상 직접 시행 유전자검사를 수행한 경우",
    ),
    5: (
        "DTC genetic testing was performed in breach of other standards set by ordinance of the Ministry of Health "
        "and Welfare",
        "그 밖에 보건복지부령으로 정하는 기준을 위반하여 소비자 대상 직접 시행 유전자검사를 수행한 경우",
    ),
}
MANDATORY_GROUND = 1  # Art. 49-2(4) proviso: revocation is mandatory


def ground_texts(ground: int | None) -> dict[str, str | None]:
    """The ground as shown wherever a ground is shown: the provision and the statute's words."""
    if ground is None or ground not in GROUNDS:
        return {"ground_en": None, "ground_ko": None}
    en, ko = GROUNDS[ground]
    return {
        "ground_en": f"Art. 49-2(4) item {ground}: {en}",
        "ground_ko": f"제49조의2제4항제{ground}호: {ko}",
    }


# What each status event rests on (shown in the history and the verification).
BASIS: dict[EventKind, tuple[str, str]] = {
    EventKind.suspended: (
        "Bioethics and Safety Act Art. 56(1) (business suspension of up to one year); Art. 58 (a penalty "
        "surcharge may replace the suspension)",
        "생명윤리법 제56조제1항(1년 이내의 업무정지); 제58조(업무정지를 갈음하는 과징금)",
    ),
    EventKind.surcharged: (
        "Bioethics and Safety Act Art. 58(1) (a penalty surcharge of up to KRW 200 million instead of a business "
        "suspension)",
        "생명윤리법 제58조제1항(업무정지처분을 갈음하는 2억원 이하의 과징금)",
    ),
    EventKind.hearing: ("Bioethics and Safety Act Art. 57 (hearing)", "생명윤리법 제57조(청문)"),
    EventKind.revoked: (
        "Bioethics and Safety Act Art. 49-2(4) (revocation of certification); Art. 57 (hearing)",
        "생명윤리법 제49조의2제4항(인증의 취소); 제57조(청문)",
    ),
}

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class RevocationInput(BaseModel):
    """A revocation under Art. 49-2(4): its ground (1-5) and the day it takes effect; a hearing (Art. 57)
    must be recorded on or before that day."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason
    ground: int = Field(ge=1, le=5, description="Art. 49-2(4) ground 1-5 (1: revocation is mandatory)")
    effective_date: dt.date


class SuspensionInput(BaseModel):
    """A business suspension under Art. 56(1), from `effective_date` to `until` (at most one year), for a
    breach named by its Art. 49-2(4) ground 2-5; or, with `surcharge_instead`, the penalty surcharge that
    replaces that suspension (Art. 58), which does not suspend."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason
    ground: int = Field(
        ge=1, le=5, description="the breach found, as an Art. 49-2(4) ground 2-5 (1 requires revocation)"
    )
    effective_date: dt.date = Field(description="first day of the suspension")
    until: dt.date = Field(description="last day of the suspension: at most one year from effective_date")
    surcharge_instead: int | None = Field(
        default=None, ge=1, le=SURCHARGE_MAX_KRW, description="KRW: a penalty surcharge replaces the suspension"
    )


class ReinstatementInput(BaseModel):
    """An early end of a suspension, from `effective_date`."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason
    effective_date: dt.date


class HearingInput(BaseModel):
    """A hearing (Art. 57) held for a certificate before its revocation."""

    model_config = ConfigDict(extra="forbid")
    held_on: dt.date
    outcome: HearingOutcome
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""


def suspension_end_limit(start: dt.date) -> dt.date:
    """The last day a suspension from `start` may run: one year (Art. 56(1))."""
    return validity_end(start, SUSPENSION_MAX_YEARS)


def suspension_problem(change: SuspensionInput) -> str | None:
    """Why a suspension cannot be ordered as asked, or None: `fraud` (ground 1 calls for revocation; the
    field is `ground`), `backwards` or `too_long` (the field is `until`)."""
    if change.ground == MANDATORY_GROUND:
        return "fraud"
    if change.until < change.effective_date:
        return "backwards"
    if change.until > suspension_end_limit(change.effective_date):
        return "too_long"
    return None


def regime_problem(kind: CertificateKind, valid_from: dt.date) -> str | None:
    """Why a certificate of `kind` cannot be granted from `valid_from` (the dates of the law): `before` or
    `after` its regime, or None. Pilot certificates only within the pilot; certifications from 2022-12-30."""
    start, end = REGIMES[kind]
    if valid_from < start:
        return "before"
    if end is not None and valid_from > end:
        return "after"
    return None


def hearing_before(events: Sequence[CertificateEventView], day: dt.date) -> CertificateEventView | None:
    """The latest hearing recorded on or before `day`."""
    held = [e for e in events if e.kind is EventKind.hearing and e.effective_date <= day]
    return max(held, key=lambda e: (e.effective_date, e.seq)) if held else None


@dataclass(frozen=True)
class CertificateEventView:
    kind: EventKind
    effective_date: dt.date
    valid_until: dt.date | None = None
    ground: int | None = None
    reason: str = ""
    seq: int = 0
    ends_on: dt.date | None = None  # suspended: the last day of the suspension (None: until reinstated)


@dataclass(frozen=True)
class StandingOnDate:
    standing: Standing
    since: dt.date
    valid_from: dt.date
    valid_until: dt.date
    reason: str = ""
    ground: int | None = None
    until: dt.date | None = None  # suspended: the last day of the suspension

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
    """A certificate's standing on `day`, from its events (issued first). Revocation is final; a
    suspension lasts from its first to its last day (or until an earlier reinstatement) and the
    certificate is active again the day after, with no further event; a certificate past its validity
    (as extended by renewals on or before `day`) is expired. Hearings and surcharges change nothing."""
    ordered = sorted(events, key=lambda e: (e.effective_date, e.seq))
    issued = ordered[0]
    if issued.kind is not EventKind.issued or issued.valid_until is None:
        raise ValueError("a certificate's first event is its issue, with its validity")
    valid_from, valid_until = issued.effective_date, issued.valid_until
    if day < valid_from:
        return StandingOnDate(Standing.not_yet_valid, valid_from, valid_from, valid_until)
    current = StandingOnDate(Standing.active, valid_from, valid_from, valid_until)

    def lapsed(state: StandingOnDate, on: dt.date) -> StandingOnDate:
        if state.standing is Standing.suspended and state.until is not None and on > state.until:
            return StandingOnDate(Standing.active, state.until + dt.timedelta(days=1), valid_from, valid_until)
        return state

    for event in ordered[1:]:
        if event.effective_date > day:
            break
        current = lapsed(current, event.effective_date)
        if event.kind is EventKind.renewed and event.valid_until is not None:
            valid_until = max(valid_until, event.valid_until)
        elif event.kind is EventKind.suspended and current.standing is Standing.active:
            current = StandingOnDate(
                Standing.suspended,
                event.effective_date,
                valid_from,
                valid_until,
                event.reason,
                event.ground,
                event.ends_on,
            )
        elif event.kind is EventKind.reinstated and current.standing is Standing.suspended:
            current = StandingOnDate(Standing.active, event.effective_date, valid_from, valid_until, event.reason)
        elif event.kind is EventKind.revoked:
            return StandingOnDate(
                Standing.revoked, event.effective_date, valid_from, valid_until, event.reason, event.ground
            )
    if day > valid_until:
        return StandingOnDate(Standing.expired, valid_until + dt.timedelta(days=1), valid_from, valid_until)
    current = lapsed(current, day)
    return StandingOnDate(
        current.standing, current.since, valid_from, valid_until, current.reason, current.ground, current.until
    )


def within_regime(kind: CertificateKind, standing: StandingOnDate, day: dt.date) -> StandingOnDate:
    """A standing bounded by the dates of the law: before its regime began a certificate is not yet valid
    (it does not speak); after its regime ended (the pilot, on 2022-12-29) it has expired then."""
    start, end = REGIMES[kind]
    valid_from = max(standing.valid_from, start)
    valid_until = standing.valid_until if end is None else min(standing.valid_until, end)
    if day < start:
        return StandingOnDate(Standing.not_yet_valid, valid_from, valid_from, valid_until)
    if end is not None and day > end:
        if standing.standing is Standing.revoked and standing.since <= end:
            return replace(standing, valid_from=valid_from, valid_until=valid_until)
        if standing.standing is Standing.not_yet_valid:
            return replace(standing, valid_from=valid_from, valid_until=valid_until)
        return StandingOnDate(Standing.expired, valid_until + dt.timedelta(days=1), valid_from, valid_until)
    return replace(standing, valid_from=valid_from, valid_until=valid_until)


def status_change_problem(action: EventKind, current: StandingOnDate) -> str | None:
    """Why a suspension (or the surcharge replacing it), revocation, reinstatement or hearing cannot be
    recorded on its date, given the standing then: a reason key (its sentences are in rules/problems.toml
    under ILLEGAL_TRANSITION)."""
    if current.standing is Standing.revoked:
        return "revoked_is_final"
    if current.standing is Standing.expired:
        return "expired_then"
    if current.standing is Standing.not_yet_valid:
        return "not_yet_valid_then"
    if action in (EventKind.suspended, EventKind.surcharged) and current.standing is Standing.suspended:
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
        """The standing on `day`, within the dates of the law for this kind of certificate."""
        return within_regime(self.kind, standing_on(self.events, day), day)

    def codes_on(self, day: dt.date) -> frozenset[str]:
        return frozenset(c for c, start, until in self.items if start <= day and (until is None or day <= until))

    def change_dates(self) -> set[dt.date]:
        """The days from which this certificate's standing or items may differ from the day before."""
        start, end = REGIMES[self.kind]
        days: set[dt.date] = {start} if end is None else {start, end + dt.timedelta(days=1)}
        for e in self.events:
            days.add(e.effective_date)
            if e.valid_until is not None:
                days.add(e.valid_until + dt.timedelta(days=1))
            if e.ends_on is not None:  # a suspension ends by itself: active again the day after
                days.add(e.ends_on + dt.timedelta(days=1))
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
