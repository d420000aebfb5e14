"""Reading certificates: the rows with their status events and items, loaded in a few queries (never one
per certificate), as the domain's `CertificateRecord`s. Other features read certificates through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec
from piccolo.columns.combination import WhereRaw

from registry.catalog.model import Catalogue
from registry.catalog.queries import item_names
from registry.certification.model import (
    BASIS,
    CertificateEventView,
    CertificateKind,
    CertificateRecord,
    EventKind,
    InForce,
    Standing,
    StandingOnDate,
    ground_texts,
    in_force,
)
from registry.certification.model.validations import ValidationRecord
from registry.certification.schemas import CertificateOut
from registry.certification.tables import Certificate, CertificateEvent, CertificateItem, Validation
from registry.kernel.errors import etag
from registry.providers.tables import Provider


@dataclass
class CertificateState:
    """A certificate's row, its events and items as stored, and the domain record built from them."""

    row: dict
    events: list[dict]
    items: list[dict]

    def record(self) -> CertificateRecord:
        return CertificateRecord(
            self.row["provider"],
            self.row["number"],
            CertificateKind(self.row["kind"]),
            [
                CertificateEventView(
                    EventKind(e["kind"]),
                    e["effective_date"],
                    e["valid_until"],
                    e["ground"],
                    e["reason"],
                    e["id"],
                    e["ends_on"],
                )
                for e in self.events
            ],
            [(i["code"], i["certified_from"], i["certified_until"]) for i in self.items],
        )

    def standing_on(self, day: dt.date) -> StandingOnDate:
        return self.record().standing_on(day)

    def codes_on(self, day: dt.date) -> frozenset[str]:
        return self.record().codes_on(day)


async def certificate_states(rows: list[dict]) -> list[CertificateState]:
    """Events and items for many certificates in two queries."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    events = (
        await CertificateEvent.select().where(CertificateEvent.certificate.is_in(ids)).order_by(CertificateEvent.id)
    )
    items = await CertificateItem.select().where(CertificateItem.certificate.is_in(ids)).order_by(CertificateItem.id)
    by_cert: dict[int, CertificateState] = {r["id"]: CertificateState(r, [], []) for r in rows}
    for e in events:
        by_cert[e["certificate"]].events.append(e)
    for i in items:
        by_cert[i["certificate"]].items.append(i)
    return [by_cert[i] for i in ids if by_cert[i].events]


async def certificate_state(row: dict) -> CertificateState:
    return (await certificate_states([row]))[0]


async def certificate_row(number: str, *, provider_id: int | None = None) -> dict | None:
    query = Certificate.select().where(Certificate.number == number)
    if provider_id is not None:
        query = query.where(Certificate.provider == provider_id)
    return await query.first()


async def states_by_provider(provider_ids: Iterable[int]) -> dict[int, list[CertificateState]]:
    wanted = list(provider_ids)
    grouped: dict[int, list[CertificateState]] = {p: [] for p in wanted}
    if not wanted:
        return grouped
    rows = await Certificate.select().where(Certificate.provider.is_in(wanted)).order_by(Certificate.id)
    for state in await certificate_states(rows):
        grouped[state.row["provider"]].append(state)
    return grouped


# Conditions on a query of the `provider` table that narrow a listing by standing in SQL before the
# standing rule (`in_force`, `standing_on`) decides for each row read. Each is necessary, never
# sufficient: a provider they keep may still fail the rule on the day; one they drop always would.


async def holding_items(codes: list[str], *, rows_wanted: int) -> WhereRaw:
    """Providers one of whose certificates has ever held one of these item codes. Two forms, the same
    answer: when the items have few holders, their list (index certificate_item_code), whose cost is the
    number of holders; when many, a test of each provider read in order (certificate_provider,
    certificate_item_once), whose cost is the rows read until `rows_wanted` are found."""
    placeholders = ", ".join("{}" for _ in codes)
    holders = await CertificateItem.count().where(CertificateItem.code.is_in(codes))
    last = await Provider.select(Provider.id).order_by(Provider.id, ascending=False).first()
    registered = last["id"] if last else 0  # the newest id: as many providers as that, at most, in O(1)
    if holders and rows_wanted * registered < holders * holders:
        # Nested, so that SQLite without statistics reads certificate_item_once rather than scanning the code.
        return WhereRaw(
            'EXISTS (SELECT 1 FROM certificate c WHERE c.provider = "provider"."id" AND EXISTS'
            f" (SELECT 1 FROM certificate_item i WHERE i.certificate = c.id AND i.code IN ({placeholders})))",
            *codes,
        )
    return WhereRaw(
        '"provider"."id" IN (SELECT c.provider FROM certificate c JOIN certificate_item i ON i.certificate = c.id'
        f" WHERE i.code IN ({placeholders}))",
        *codes,
    )


def holding_a_certificate() -> WhereRaw:
    """Providers with a certificate of any standing: every status but `none` needs one."""
    return WhereRaw('EXISTS (SELECT 1 FROM certificate c WHERE c.provider = "provider"."id")')


def with_event(kind: EventKind) -> WhereRaw:
    """Providers one of whose certificates has an event of this kind: a suspension for `suspended`, a
    revocation for `revoked`."""
    return WhereRaw(
        'EXISTS (SELECT 1 FROM certificate c WHERE c.provider = "provider"."id" AND EXISTS'
        " (SELECT 1 FROM certificate_event e WHERE e.certificate = c.id AND e.kind = {}))",
        kind.value,
    )


async def certificate_records(provider_ids: Iterable[int] | None = None) -> list[CertificateRecord]:
    """Every certificate (or those of some providers) as the domain reads it."""
    query = Certificate.select()
    if provider_ids is not None:
        query = query.where(Certificate.provider.is_in(list(provider_ids) or [-1]))
    return [state.record() for state in await certificate_states(await query)]


async def live_certification(provider_id: int, day: dt.date) -> InForce | None:
    """The provider's Art. 49-2 certification in force on `day` and still standing (active or suspended):
    what makes a second initial application pointless."""
    rows = await Certificate.select().where(
        Certificate.provider == provider_id, Certificate.kind == CertificateKind.certification.value
    )
    found = in_force([s.record() for s in await certificate_states(rows)], day)
    return found if found is not None and found.standing.standing.value in ("active", "suspended") else None


_MEASURES = ("suspended", "revoked")  # standings that a measure of the Act brought about

VERIFICATION_MESSAGES = {
    Standing.active: ("Certified on {day}.", "{day} 기준 인증 유효."),
    Standing.suspended: (
        "Not certified on {day}: business suspended from {since} to {until} (Art. 56(1)).",
        "{day} 기준 업무정지 중({since}부터 {until}까지, 제56조제1항).",
    ),
    Standing.revoked: ("Not certified on {day}: revoked on {since}.", "{day} 기준 인증 취소({since})."),
    Standing.expired: (
        "Not certified on {day}: its validity ended on {valid_until}; a new application is needed.",
        "{day} 기준 인증 유효기간 만료({valid_until}까지 유효). 인증을 새로 신청해야 합니다.",
    ),
    Standing.not_yet_valid: (
        "Not certified on {day}: valid from {since}.",
        "{day} 기준 아직 유효하지 않음({since}부터).",
    ),
}


def certificate_on(state: CertificateState, day: dt.date, catalogue: Catalogue) -> CertificateOut:
    row = state.row
    standing = state.standing_on(day)
    certified = standing.certified
    en, ko = VERIFICATION_MESSAGES[standing.standing]
    basis = BASIS.get(EventKind(standing.standing.value)) if standing.standing.value in _MEASURES else None
    items = []
    for code in sorted(state.codes_on(day)):
        ko_name, en_name = item_names(catalogue, code, day)
        since = min(i["certified_from"] for i in state.items if i["code"] == code and i["certified_from"] <= day)
        items.append({"code": code, "name_ko": ko_name, "name_en": en_name, "certified_from": since.isoformat()})
    body = {
        "number": row["number"],
        "result": "certified" if certified else "not_certified",
        "as_of": day.isoformat(),
        "status": standing.standing.value,
        "status_since": standing.since.isoformat(),
        "status_until": standing.until.isoformat() if standing.until else None,
        "status_reason": standing.reason or None,
        "ground": standing.ground,
        **ground_texts(standing.ground),
        "basis_en": basis[0] if basis else None,
        "basis_ko": basis[1] if basis else None,
        "message_en": en.format(
            day=day, since=standing.since, until=standing.until or "reinstatement", valid_until=standing.valid_until
        ),
        "message_ko": ko.format(
            day=day, since=standing.since, until=standing.until or "회복 시", valid_until=standing.valid_until
        ),
        "kind": row["kind"],
        "provider_id": row["provider"],
        "provider_name_ko": row.get("provider_name_ko"),
        "provider_name_en": row.get("provider_name_en"),
        "valid_from": standing.valid_from.isoformat(),
        "valid_until": standing.valid_until.isoformat(),
        "items": items if certified else [],
        "items_on_certificate": items,
        "etag": etag(row["version"]),
    }
    return msgspec.convert(body, CertificateOut)


async def validation_records() -> list[ValidationRecord]:
    """Every validation record as the rules read it (withdrawn ones too: they covered until withdrawn)."""
    rows = await Validation.select(
        Validation.provider, Validation.code, Validation.committee_decided_on, Validation.withdrawn_on
    )
    return [ValidationRecord(r["provider"], r["code"], r["committee_decided_on"], r["withdrawn_on"]) for r in rows]
