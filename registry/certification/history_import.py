"""Records from before the registry: providers and certificates granted before it existed (e.g. the
2020-2022 pilot certifications), with their real dates, items and status events, so that answers for
past dates are right."""

from __future__ import annotations

from pydantic import ValidationError

from registry.audit.service import SYSTEM, Actor, record
from registry.catalog.queries import published_catalogue
from registry.certification.certificates import add_items, issue_certificate, record_event
from registry.certification.history import HistoryFile
from registry.certification.model import EventKind
from registry.certification.tables import Certificate
from registry.db.engine import insert_one, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import utcnow
from registry.kernel.errors import DomainError, invalid_body
from registry.kernel.text import search_keys
from registry.providers.tables import Provider


@retried
async def import_history(document: dict, *, actor: Actor = SYSTEM, demo: bool = False) -> list[str]:
    """Idempotent: a certificate number already recorded is skipped. One transaction, all or nothing.
    Returns the numbers recorded now."""
    try:
        history = HistoryFile.model_validate(document)
    except ValidationError as exc:
        raise invalid_body(exc) from None
    recorded: list[str] = []
    catalogue = await published_catalogue()
    async with write_transaction():
        for provider in history.providers:
            existing = (
                await Provider.select(Provider.id).where(Provider.business_number == provider.business_number).first()
            )
            if existing is None:
                provider_id = await insert_one(
                    Provider(
                        **provider.model_dump(exclude={"certificates"}),
                        name_key=search_keys(provider.name_ko, provider.name_en),
                        status="verified",
                        verified_at=utcnow(),
                        created_at=utcnow(),
                        is_demo=demo,
                    )
                )
                await record(
                    actor,
                    "provider.recorded",
                    "provider",
                    provider_id,
                    after=provider.model_dump(mode="json", exclude={"certificates"}),
                )
            else:
                provider_id = existing["id"]
            for cert in provider.certificates:
                if await Certificate.exists().where(Certificate.number == cert.number):
                    continue
                unknown = sorted({i.code for i in cert.items} - catalogue.known_codes())
                if unknown:
                    raise DomainError("INVALID_BODY.unknown_items", certificate=cert.number, codes=unknown)
                row = await issue_certificate(
                    actor,
                    provider_id=provider_id,
                    kind=cert.kind,
                    valid_from=cert.valid_from,
                    valid_until=cert.valid_until,
                    items=[(i.code, i.certified_from or cert.valid_from) for i in cert.items],
                    number=cert.number,
                    source="import",
                )
                for event in sorted(cert.events, key=lambda e: e.effective_date):
                    if event.kind is EventKind.items_added:
                        await add_items(row, event.items, event.effective_date, None)
                    await record_event(
                        actor,
                        row,
                        event.kind,
                        event.effective_date,
                        items=event.items,
                        ground=event.ground,
                        reason=event.reason,
                        valid_until=event.valid_until,
                        ends_on=event.until,
                        amount=event.surcharge,
                        outcome=event.outcome.value if event.outcome else None,
                    )
                recorded.append(cert.number)
    return recorded
