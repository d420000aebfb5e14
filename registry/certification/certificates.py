"""Certificate use cases: issue, add items, record status changes (suspend, revoke, reinstate), and the
public verification and history. Each change writes its audit event and announces a domain event."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import msgspec

from registry.accounts.model import Principal
from registry.audit.service import Actor, record
from registry.catalog.queries import published_catalogue
from registry.certification.model import (
    CertificateKind,
    EventKind,
    StatusChangeInput,
    certificate_number,
    status_change_problem,
)
from registry.certification.queries import certificate_on, certificate_row, certificate_state
from registry.certification.schemas import CertificateHistoryOut, CertificateOut
from registry.certification.tables import Certificate, CertificateEvent, CertificateItem
from registry.db.counters import next_serial
from registry.db.engine import insert_one, read_transaction, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import utcnow
from registry.kernel.errors import DomainError, Expected, changed_meanwhile, check_version, not_found
from registry.kernel.events import Topic, announce

TOPIC_OF = {
    EventKind.issued: Topic.certificate_issued,
    EventKind.items_added: Topic.certificate_changed,
    EventKind.renewed: Topic.certificate_changed,
    EventKind.suspended: Topic.certificate_status_changed,
    EventKind.reinstated: Topic.certificate_status_changed,
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
    await record(
        actor,
        f"certificate.{kind.value}",
        "certificate",
        certificate["number"],
        after={"effective_date": day, "items": items, **{k: v for k, v in values.items() if v is not None}},
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
    """A new certificate with its items; returns its row (id, number, provider)."""
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


@retried
async def change_certificate_status(
    principal: Principal, number: str, action: EventKind, change: StatusChangeInput, expected: Expected
) -> CertificateOut:
    async with write_transaction():
        row = await certificate_row(number)
        if row is None:
            raise not_found("certificate", number)
        check_version(expected, row["version"], "certificate")
        # Claim the version first: of concurrent changes exactly one passes, the rest get 412.
        done = (
            await Certificate.update({Certificate.version: row["version"] + 1})
            .where(Certificate.id == row["id"], Certificate.version == row["version"])
            .returning(Certificate.id)
        )
        if not done:
            raise changed_meanwhile(row["version"] + 1, "certificate")
        state = await certificate_state(row)
        current = state.standing_on(change.effective_date)
        problem = status_change_problem(action, current, change)
        if problem:
            raise DomainError(
                f"ILLEGAL_TRANSITION.{problem}",
                number=number,
                action=action.value,
                day=change.effective_date,
                extra={"standing": current.standing.value},
            )
        later = [
            e
            for e in state.events
            if e["effective_date"] > change.effective_date and e["kind"] in ("suspended", "reinstated", "revoked")
        ]
        if later:
            raise DomainError("ILLEGAL_TRANSITION.out_of_order", number=number, day=change.effective_date)
        await record_event(
            principal.actor, row, action, change.effective_date, ground=change.ground, reason=change.reason
        )
    return await verify_certificate(number, change.effective_date)


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
            "ground": e["ground"],
            "reason": e["reason"],
            "items": json.loads(e["items"]),
            "application_number": e["application_number"],
            "recorded_at": _iso(e["created_at"]),
        }
        for e in sorted(state.events, key=lambda e: (e["effective_date"], e["id"]))
    ]
    return msgspec.convert({"number": number, "kind": row["kind"], "events": events}, CertificateHistoryOut)
