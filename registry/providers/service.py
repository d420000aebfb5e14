"""Provider use cases: an organisation registers itself with its first user, a regulator verifies it,
and anyone looks providers up with their standing on a date (the certificate in force and its items)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass

import msgspec
from piccolo.columns.combination import WhereRaw

from registry.accounts.model import Principal, Role, hash_password
from registry.accounts.tables import User
from registry.audit.service import Actor, record
from registry.catalog.model import Catalogue
from registry.catalog.queries import published_catalogue
from registry.certification.model import EventKind, Standing, in_force
from registry.certification.queries import (
    CertificateState,
    certificate_on,
    holding_a_certificate,
    holding_items,
    states_by_provider,
    with_event,
)
from registry.db.engine import insert_one, is_unique_violation, read_transaction, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import today_in_korea, utcnow
from registry.kernel.errors import DomainError, FieldError, not_found
from registry.kernel.text import like_pattern, search_key, search_keys
from registry.providers.model import RegistrationInput
from registry.providers.schemas import ProviderOut, RegistrationOut
from registry.providers.tables import Provider

# A refused registration answers the same whatever made it clash (the business number, the e-mail, or both;
# the e-mail a provider's user's or a staff member's): one 409 naming both fields, so the answer does not
# single out which one, nor tell a staff address from any other taken one. Someone who holds a fresh, valid
# business number can still learn that an e-mail is taken (every registry that refuses duplicate sign-in
# names can be asked that); it no longer tells them whose.
_NOT_AVAILABLE = (
    FieldError("organisation.business_number", "already registered, or not available", "body"),
    FieldError("user.email", "already registered, or not available", "body"),
)


def _not_available() -> DomainError:
    return DomainError("CONFLICT.registered", errors=_NOT_AVAILABLE)


async def register_provider(data: RegistrationInput, *, dry_run: bool = False) -> RegistrationOut:
    """A new organisation and its first user. The organisation starts unverified: it can prepare
    applications but not submit them until a regulator verifies it. A clash is refused with one generic
    409 (see `_NOT_AVAILABLE`), also when two identical registrations race past the checks and the
    database's unique indexes refuse the second."""
    password_hash = hash_password(data.user.password)  # slow on purpose; outside the write lock
    try:
        provider_id, user_id = await _register(data, password_hash, dry_run=dry_run)
    except Exception as exc:
        if is_unique_violation(exc):
            raise _not_available() from None
        raise
    if dry_run:
        return RegistrationOut(provider_id=None, user_id=None, verification="unverified", dry_run=True)
    return RegistrationOut(provider_id=provider_id, user_id=user_id, verification="unverified", dry_run=False)


async def _register(data: RegistrationInput, password_hash: str, *, dry_run: bool) -> tuple[int, int]:
    org, user = data.organisation, data.user
    async with write_transaction(dry_run=dry_run):
        taken = await Provider.exists().where(Provider.business_number == org.business_number)
        if taken or await User.exists().where(User.email == user.email):
            raise _not_available()
        now = utcnow()
        provider_id = await insert_one(
            Provider(
                **org.model_dump(),
                name_key=search_keys(org.name_ko, org.name_en),
                status="unverified",
                created_at=now,
            )
        )
        user_id = await insert_one(
            User(
                email=user.email,
                display_name=user.display_name,
                password_hash=password_hash,
                role=Role.provider.value,
                provider=provider_id,
                created_at=now,
            )
        )
        actor = Actor(user_id, f"{user.display_name} <{user.email}> (provider)")
        await record(actor, "provider.registered", "provider", provider_id, after=org.model_dump())
        await record(
            actor,
            "user.created",
            "user",
            user_id,
            after={"email": user.email, "role": "provider", "provider_id": provider_id},
        )
    return provider_id, user_id


@retried
async def verify_provider(principal: Principal, provider_id: int) -> ProviderOut:
    async with write_transaction():
        row = await Provider.select(Provider.id, Provider.status).where(Provider.id == provider_id).first()
        if row is None:
            raise not_found("provider", provider_id)
        # One statement decides: of concurrent verifications exactly one changes the row.
        changed = (
            await Provider.update({Provider.status: "verified", Provider.verified_at: utcnow()})
            .where(Provider.id == provider_id, Provider.status != "verified")
            .returning(Provider.id)
        )
        if not changed:
            raise DomainError("CONFLICT.already_verified")
        await record(
            principal.actor,
            "provider.verified",
            "provider",
            provider_id,
            before={"status": row["status"]},
            after={"status": "verified"},
        )
    return await provider_public(provider_id, today_in_korea(), include_unverified=True)


def standing_of(row: dict, states: list[CertificateState], day: dt.date, catalogue: Catalogue) -> ProviderOut:
    """A provider as the public sees it on `day`: the certificate in force then (`in_force`, the one rule
    the panel check and verification also follow), its items, and every certificate's standing."""
    certificates = [certificate_on(s, day, catalogue) for s in states]
    speaking = in_force([s.record() for s in states], day)
    main = next((c for c in certificates if speaking and c.number == speaking.certificate.number), None)
    body = {
        "id": row["id"],
        "name_ko": row["name_ko"],
        "name_en": row["name_en"],
        "status": main.status if main else "none",
        "certificate_number": main.number if main else None,
        "items": main.items if main else [],
        "certificates": [
            {
                "number": c.number,
                "kind": c.kind,
                "status": c.status,
                "status_since": c.status_since,
                "valid_from": c.valid_from,
                "valid_until": c.valid_until,
                "result": c.result,
            }
            for c in certificates
        ],
    }
    return msgspec.convert(body, ProviderOut, from_attributes=True)


def known_item_code(catalogue: Catalogue, item: str, day: dt.date) -> str:
    """The catalogue's code for what was typed as `item` (case and width do not matter); a code the
    catalogue does not know is a 400 suggesting close codes and items whose names contain it, never an
    empty answer that reads as 'nobody is certified'."""
    code = unicodedata.normalize("NFKC", item).strip().upper()
    if code in catalogue.known_codes():
        return code
    suggestions = catalogue.search_index().suggest(item)
    listed = [
        {"code": c, "name_ko": e.name_ko, "name_en": e.name_en}
        for c in suggestions
        if (e := catalogue.last_reading(c, day)) is not None
    ]
    raise DomainError(
        "UNKNOWN_VALUE.item" if suggestions else "UNKNOWN_VALUE.item_no_match",
        value=item,
        suggestions=suggestions,
        errors=[FieldError("item", "not an item code the catalogue knows")],
        extra={"suggestions": listed},
    )


@dataclass(frozen=True)
class ProviderPage:
    """One page of a listing; `total` is how many providers match when SQL can count them exactly (no filter
    on standing), else None; `more` whether a row follows the page."""

    rows: list[ProviderOut]
    total: int | None
    more: bool


# Rows read at a time when a filter on standing may drop some: the page's size first, then growing to this.
_MAX_CHUNK = 400


async def list_providers(
    *, q: str | None, item: str | None, status: str | None, day: dt.date, limit: int, after: int | None = None
) -> ProviderPage:
    """Verified providers by English name (then id), `limit` of them after the provider `after`: search by
    Korean or English name, by item certified, by status on `day`. Paged in the database: the standing
    (`standing_of`) is computed for the rows read for this page only, never for the whole registry."""
    catalogue = await published_catalogue()
    code = known_item_code(catalogue, item, day) if item else None
    where = [Provider.status == "verified"]
    needle = search_key(q) if q else ""
    if needle:
        where.append(WhereRaw("name_key LIKE {} ESCAPE '\\'", like_pattern(needle)))
    if status in (Standing.suspended.value, Standing.revoked.value):
        where.append(with_event(EventKind(status)))
    elif status and status != "none":
        where.append(holding_a_certificate())
    by_standing = bool(code or status)
    found: list[ProviderOut] = []
    async with read_transaction():
        if code:
            where.append(await holding_items([code], rows_wanted=limit + 1))
        position = await _position(after) if after is not None else None
        standings = _standings(where, day, catalogue, position, limit + 1, grow=by_standing)
        async with aclosing(standings):
            async for summary in standings:
                if status and summary.status != status:
                    continue
                if code and code not in {i.code for i in summary.items}:
                    continue
                found.append(summary)
                if len(found) > limit:
                    break
        more = len(found) > limit
        total = None
        if not by_standing:
            # A first page that holds every match is its own count; else SQL counts (one scan of the index).
            total = len(found) if position is None and not more else await Provider.count().where(*where)
    return ProviderPage(found[:limit], total, more)


async def certified_for_items(codes: list[str], day: dt.date, *, limit: int) -> dict[str, list[ProviderOut]]:
    """Up to `limit` providers certified on `day` for each of these item codes, by English name: the
    same answer as listing providers with `?item=` for each code, reading the holders of these items only."""
    by_code: dict[str, list[ProviderOut]] = {c: [] for c in codes}
    if not codes:
        return by_code
    catalogue = await published_catalogue()
    async with read_transaction():
        where = [Provider.status == "verified", await holding_items(codes, rows_wanted=limit + 1)]
        standings = _standings(where, day, catalogue, None, limit + 1, grow=True)
        async with aclosing(standings):
            async for summary in standings:
                for certified in summary.items:
                    if certified.code in by_code and len(by_code[certified.code]) < limit:
                        by_code[certified.code].append(summary)
                if all(len(held) >= limit for held in by_code.values()):
                    break
    return {c: held for c, held in by_code.items() if held}


async def _standings(
    where: list, day: dt.date, catalogue: Catalogue, position: tuple[str, int] | None, chunk: int, *, grow: bool
) -> AsyncIterator[ProviderOut]:
    """The providers `where` selects, by English name then id after `position`, each with its standing on
    `day`: read `chunk` rows at a time (growing up to `_MAX_CHUNK` when the caller drops some), so that what
    is computed is what the caller reads, plus at most one chunk."""
    while True:
        query = Provider.select(Provider.id, Provider.name_ko, Provider.name_en).where(*where)
        if position is not None:
            query = query.where(WhereRaw("(name_en, id) > ({}, {})", *position))
        rows = await query.order_by(Provider.name_en, Provider.id).limit(chunk)
        grouped = await states_by_provider([r["id"] for r in rows])
        for row in rows:
            yield standing_of(row, grouped[row["id"]], day, catalogue)
        if len(rows) < chunk:
            return
        position = (rows[-1]["name_en"], rows[-1]["id"])
        chunk = min(chunk * 2, _MAX_CHUNK) if grow else chunk


async def _position(provider_id: int) -> tuple[str, int]:
    """Where a listing resumes: after the verified provider a cursor names."""
    row = await Provider.select(Provider.name_en).where(Provider.id == provider_id, Provider.status == "verified")
    if not row:
        raise DomainError("NOT_FOUND.cursor", errors=[FieldError("cursor", "unknown position")])
    return row[0]["name_en"], provider_id


async def provider_public(provider_id: int, day: dt.date, *, include_unverified: bool = False) -> ProviderOut:
    async with read_transaction():
        row = (
            await Provider.select(Provider.id, Provider.name_ko, Provider.name_en, Provider.status)
            .where(Provider.id == provider_id)
            .first()
        )
        if row is None or (row["status"] != "verified" and not include_unverified):
            raise not_found("provider", provider_id)
        grouped = await states_by_provider([provider_id])
    summary = standing_of(row, grouped[provider_id], day, await published_catalogue())
    summary.verification = row["status"]
    summary.as_of = day.isoformat()
    return summary


async def registered_providers() -> list[dict]:
    """Every registered organisation for the regulator's review of registrations: those still awaiting
    verification first, then the verified; each group oldest registration first."""
    async with read_transaction():
        rows = await Provider.select(
            Provider.id,
            Provider.name_ko,
            Provider.name_en,
            Provider.business_number,
            Provider.representative,
            Provider.contact_email,
            Provider.status,
            Provider.created_at,
            Provider.verified_at,
        ).order_by(Provider.id)
    return sorted(rows, key=lambda r: r["status"] == "verified")
