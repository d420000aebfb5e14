"""Certificate use cases: issue, add items, record the measures of the Act (a business suspension with its
end or the surcharge replacing it, a hearing, a revocation, an early reinstatement), and the public
verification and history. Each change writes its audit event and announces a domain event."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import msgspec

from registry.accounts.model import Principal
from registry.audit.service import Actor, record
from registry.catalog.queries import published_catalogue
from registry.certification.model import (
    BASIS,
    CertificateKind,
    EventKind,
    HearingInput,
    ReinstatementInput,
    RevocationInput,
    SuspensionInput,
    certificate_number,
    ground_texts,
    hearing_before,
    regime_problem,
    status_change_problem,
    suspension_end_limit,
    suspension_problem,
)
from registry.certification.queries import certificate_on, certificate_row, certificate_state
from registry.certification.schemas import CertificateHistoryOut, CertificateOut
from registry.certification.tables import Certificate, CertificateEvent, CertificateItem
from registry.db.counters import next_serial
from registry.db.engine import insert_one, read_transaction, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import utcnow
from registry.kernel.errors import DomainError, Expected, FieldError, Term, changed_meanwhile, check_version, not_found
from registry.kernel.events import Topic, announce

TOPIC_OF = {
    EventKind.issued: Topic.certificate_issued,
    EventKind.items_added: Topic.certificate_changed,
    EventKind.renewed: Topic.certificate_changed,
    EventKind.suspended: Topic.certificate_status_changed,
    EventKind.surcharged: Topic.certificate_status_changed,
    EventKind.reinstated: Topic.certificate_status_changed,
    EventKind.hearing: Topic.certificate_status_changed,
    EventKind.revoked: Topic.certificate_status_changed,
}


async def allocate_number(table, series: str, render: Callable[[int], str]) -> str:
    """The next number of a series (`APP-2026-00001`, `DTC-2026-0001`) from an atomic counter, skipping
    numbers already recorded (certificates imported from before the registry keep their own)."""

    async def taken(serial: int) -> bool:
        return await table.exists().where(table.number == render(serial))

    return render(await next_serial(series, taken))


async def add_items(certificate: dict, codes: list[str], day: dt.date, application_number: str | None) -> None:
    if codes:
        await CertificateItem.insert(
            *[
                CertificateItem(
                    certificate=certificate["id"], code=c, certified_from=day, application_number=application_number
                )
                for c in codes
            ]
        )


async def record_event(actor: Actor, certificate: dict, kind: EventKind, day: dt.date, **values) -> None:
    """A dated event in the certificate's history, its audit event, and the domain event announcing it."""
    items = values.pop("items", [])
    await CertificateEvent.insert(
        CertificateEvent(
            certificate=certificate["id"],
            kind=kind.value,
            effective_date=day,
            items=json.dumps(items),
            actor=actor.label,
            created_at=utcnow(),
            **values,
        )
    )
    detail = {k: v for k, v in values.items() if v is not None}
    if values.get("ground") is not None:
        detail |= ground_texts(values["ground"])
    if kind in BASIS:
        detail |= {"basis_en": BASIS[kind][0], "basis_ko": BASIS[kind][1]}
    await record(
        actor,
        f"certificate.{kind.value}",
        "certificate",
        certificate["number"],
        after={"effective_date": day, "items": items, **detail},
    )
    await announce(
        TOPIC_OF[kind],
        provider_id=certificate["provider"],
        certificate=certificate["number"],
        kind=kind.value,
        effective_date=day.isoformat(),
    )


async def issue_certificate(
    actor: Actor,
    *,
    provider_id: int,
    kind: CertificateKind,
    valid_from: dt.date,
    valid_until: dt.date,
    items: list[tuple[str, dt.date]],
    application_number: str | None = None,
    number: str | None = None,
    source: str = "decision",
) -> dict:
    """A new certificate with its items; returns its row (id, number, provider). A certificate is granted
    only within its regime's dates (a certification from 2022-12-30, a pilot one within the pilot)."""
    dates = regime_problem(kind, valid_from)
    if dates:
        refused = {
            "number": number or "-",
            "day": valid_from,
            "errors": [
                FieldError("valid_from", f"a {kind.value} certificate cannot be valid from {valid_from}", "body")
            ],
        }
        if kind is CertificateKind.pilot:
            raise DomainError(
                "CERTIFICATE_DATES.pilot_before" if dates == "before" else "CERTIFICATE_DATES.pilot_after", **refused
            )
        raise DomainError("CERTIFICATE_DATES.certification_before", **refused)
    if number is None:
        year = valid_from.year
        series = f"DTC-{'P' if kind is CertificateKind.pilot else ''}{year}"
        number = await allocate_number(Certificate, series, lambda n: certificate_number(year, n, kind))
    certificate_id = await insert_one(
        Certificate(
            number=number,
            provider=provider_id,
            kind=kind.value,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            created_at=utcnow(),
        )
    )
    row = {"id": certificate_id, "number": number, "provider": provider_id}
    await CertificateItem.insert(
        *[
            CertificateItem(certificate=certificate_id, code=c, certified_from=f, application_number=application_number)
            for c, f in items
        ]
    )
    await record_event(
        actor,
        row,
        EventKind.issued,
        valid_from,
        valid_until=valid_until,
        items=[c for c, _ in items],
        application_number=application_number,
        reason="issued" if source == "decision" else "recorded from before the registry",
    )
    return row


async def _locked_state(number: str, expected: Expected):
    """The certificate's row and state, its version claimed first: of concurrent changes exactly one
    passes, the rest get 412."""
    row = await certificate_row(number)
    if row is None:
        raise not_found("certificate", number)
    check_version(expected, row["version"], "certificate")
    done = (
        await Certificate.update({Certificate.version: row["version"] + 1})
        .where(Certificate.id == row["id"], Certificate.version == row["version"])
        .returning(Certificate.id)
    )
    if not done:
        raise changed_meanwhile(row["version"] + 1, "certificate")
    return row, await certificate_state(row)


def _check_standing(state, number: str, action: EventKind, day: dt.date) -> None:
    current = state.standing_on(day)
    problem = status_change_problem(action, current)
    if problem:
        raise DomainError(
            f"ILLEGAL_TRANSITION.{problem}",
            number=number,
            action=Term(action.value),
            day=day,
            extra={"standing": current.standing.value},
            errors=[FieldError("effective_date", problem, "body")],
        )
    changes = ("suspended", "surcharged", "reinstated", "revoked")
    if any(e["effective_date"] > day and e["kind"] in changes for e in state.events):
        raise DomainError(
            "ILLEGAL_TRANSITION.out_of_order",
            number=number,
            day=day,
            errors=[FieldError("effective_date", "a later status change exists", "body")],
        )


@retried
async def suspend_certificate(
    principal: Principal, number: str, change: SuspensionInput, expected: Expected
) -> CertificateOut:
    """A business suspension (Art. 56(1)) from effective_date to until, or, with surcharge_instead, the
    penalty surcharge that replaces it (Art. 58) and leaves the certificate active."""
    problem = suspension_problem(change)
    if problem == "fraud":
        raise DomainError(
            "REVOCATION_MANDATORY",
            number=number,
            errors=[FieldError("ground", "ground 1 (fraud) requires revocation (Art. 49-2(4) proviso)", "body")],
        )
    if problem:
        raise DomainError(
            "SUSPENSION_PERIOD.too_long" if problem == "too_long" else "SUSPENSION_PERIOD.backwards",
            number=number,
            until=change.until,
            limit=suspension_end_limit(change.effective_date),
            errors=[
                FieldError("until", f"at most one year, until {suspension_end_limit(change.effective_date)}", "body")
            ],
        )
    action = EventKind.suspended if change.surcharge_instead is None else EventKind.surcharged
    async with write_transaction():
        row, state = await _locked_state(number, expected)
        _check_standing(state, number, action, change.effective_date)
        await record_event(
            principal.actor,
            row,
            action,
            change.effective_date,
            ground=change.ground,
            reason=change.reason,
            ends_on=change.until,
            amount=change.surcharge_instead,
        )
    return await verify_certificate(number, change.effective_date)


@retried
async def revoke_certificate(
    principal: Principal, number: str, change: RevocationInput, expected: Expected
) -> CertificateOut:
    """A revocation on an Art. 49-2(4) ground, after a hearing (Art. 57) recorded on or before its day."""
    async with write_transaction():
        row, state = await _locked_state(number, expected)
        _check_standing(state, number, EventKind.revoked, change.effective_date)
        if hearing_before(state.record().events, change.effective_date) is None:
            raise DomainError(
                "HEARING_REQUIRED",
                number=number,
                day=change.effective_date,
                errors=[FieldError("effective_date", "no hearing (Art. 57) recorded on or before this day", "body")],
            )
        await record_event(
            principal.actor, row, EventKind.revoked, change.effective_date, ground=change.ground, reason=change.reason
        )
    return await verify_certificate(number, change.effective_date)


@retried
async def reinstate_certificate(
    principal: Principal, number: str, change: ReinstatementInput, expected: Expected
) -> CertificateOut:
    """An early end of a suspension (a suspension also ends by itself after its last day)."""
    async with write_transaction():
        row, state = await _locked_state(number, expected)
        _check_standing(state, number, EventKind.reinstated, change.effective_date)
        await record_event(principal.actor, row, EventKind.reinstated, change.effective_date, reason=change.reason)
    return await verify_certificate(number, change.effective_date)


@retried
async def record_hearing(
    principal: Principal, number: str, hearing: HearingInput, expected: Expected
) -> CertificateHistoryOut:
    """A hearing (Art. 57) for the certificate, which a revocation requires."""
    async with write_transaction():
        row, state = await _locked_state(number, expected)
        _check_standing(state, number, EventKind.hearing, hearing.held_on)
        await record_event(
            principal.actor,
            row,
            EventKind.hearing,
            hearing.held_on,
            outcome=hearing.outcome.value,
            reason=hearing.note,
        )
    return await certificate_history(number)


# --- what anyone may know ----------------------------------------------------------------------------


async def verify_certificate(number: str, day: dt.date) -> CertificateOut:
    """What anyone may know of a certificate: holder, validity, standing on `day`, items with names."""
    async with read_transaction():
        row = (
            await Certificate.select(
                Certificate.all_columns(),
                Certificate.provider.name_ko.as_alias("provider_name_ko"),
                Certificate.provider.name_en.as_alias("provider_name_en"),
            )
            .where(Certificate.number == number)
            .first()
        )
        if row is None:
            return CertificateOut(
                number=number,
                result="unknown",
                as_of=day.isoformat(),
                message_en=f"No certificate {number} was ever issued or recorded by the registry.",
                message_ko=f"등록부에 {number} 인증서는 발급되거나 기록된 적이 없습니다.",
            )
        state = await certificate_state(row)
    return certificate_on(state, day, await published_catalogue())


def _iso(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


async def certificate_history(number: str) -> CertificateHistoryOut:
    async with read_transaction():
        row = await certificate_row(number)
        if row is None:
            raise not_found("certificate", number)
        state = await certificate_state(row)
    events = [
        {
            "kind": e["kind"],
            "effective_date": e["effective_date"].isoformat(),
            "valid_until": _iso(e["valid_until"]),
            "until": _iso(e["ends_on"]),
            "ground": e["ground"],
            **ground_texts(e["ground"]),
            "surcharge": e["amount"],
            "hearing_outcome": e["outcome"],
            "basis_en": BASIS.get(EventKind(e["kind"]), (None, None))[0],
            "basis_ko": BASIS.get(EventKind(e["kind"]), (None, None))[1],
            "reason": e["reason"],
            "items": json.loads(e["items"]),
            "application_number": e["application_number"],
            "recorded_at": _iso(e["created_at"]),
        }
        for e in sorted(state.events, key=lambda e: (e["effective_date"], e["id"]))
    ]
    return msgspec.convert({"number": number, "kind": row["kind"], "events": events}, CertificateHistoryOut)
