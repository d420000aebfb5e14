"""Provider use cases: an organisation registers itself with its first user, a regulator verifies it,
and anyone looks providers up with their standing on a date (the certificate in force and its items)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import msgspec

from registry.accounts.model import Principal, Role, hash_password
from registry.accounts.tables import User
from registry.audit.service import Actor, record
from registry.catalog.model import Catalogue
from registry.catalog.queries import published_catalogue
from registry.certification.model import in_force
from registry.certification.queries import CertificateState, certificate_on, states_by_provider
from registry.db.engine import insert_one, is_unique_violation, read_transaction, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import today_in_korea, utcnow
from registry.kernel.errors import DomainError, FieldError, not_found
from registry.kernel.text import search_key
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
        provider_id = await insert_one(Provider(**org.model_dump(), status="unverified", created_at=now))
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


async def list_providers(*, q: str | None, item: str | None, status: str | None, day: dt.date) -> list[ProviderOut]:
    """Verified providers by English name: search by Korean or English name, by certified item, by status
    on `day`."""
    catalogue = await published_catalogue()
    code = known_item_code(catalogue, item, day) if item else None
    async with read_transaction():
        rows = (
            await Provider.select(Provider.id, Provider.name_ko, Provider.name_en)
            .where(Provider.status == "verified")
            .order_by(Provider.name_en)
        )
        needle = search_key(q) if q else ""
        if needle:
            # Matched here rather than in SQL: one normalisation (kernel/text.py: NFKC, case folding, no
            # spacing) on both engines, over a bounded set: the verified institutions, tens, not millions.
            rows = [r for r in rows if needle in search_key(r["name_ko"]) or needle in search_key(r["name_en"])]
        grouped = await states_by_provider([r["id"] for r in rows])
    out = []
    for row in rows:
        summary = standing_of(row, grouped[row["id"]], day, catalogue)
        if status and summary.status != status:
            continue
        if code and code not in {i.code for i in summary.items}:
            continue
        out.append(summary)
    return out


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
