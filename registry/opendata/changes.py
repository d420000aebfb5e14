"""The change feed: public events from three sources, each with its own monotonic id — certificate events
(issued, items added, renewed, suspended, surcharged, reinstated, hearing, revoked), published catalogue
editions, and new items certified to an institution.

A reader's position is the last id it has seen of each source (`model.Position`), so no source can hide
another's events: a page takes the next rows of every source in id order and merges them by the time they
were recorded (a k-way merge that keeps each source's id order, so what a page returns is always a prefix
of each source, whatever the clocks said). Ids are given in commit order because every write takes the
registry's write lock before it inserts."""

from __future__ import annotations

import datetime as dt
import heapq
import json

from registry.catalog import urls as catalog_urls
from registry.catalog.model import EntryFile
from registry.catalog.queries import PUBLISHED
from registry.catalog.tables import CatalogueCertifiedItem, CatalogueEdition
from registry.certification import urls as certification_urls
from registry.certification.tables import CertificateEvent
from registry.db.engine import read_transaction
from registry.kernel.clock import aware
from registry.opendata.model import (
    SOURCES,
    Change,
    Position,
    Source,
    Subject,
    certificate_sentences,
    certified_item_sentences,
    edition_sentences,
)
from registry.providers.tables import Provider


def _certificate_change(row: dict) -> Change:
    event = {**row, "items": json.loads(row["items"])}
    en, ko = certificate_sentences(
        row["kind"], row["number"], (row["provider_name_en"], row["provider_name_ko"]), event
    )
    return Change(
        Source.certificate_event,
        row["id"],
        f"certificate.{row['kind']}",
        aware(row["created_at"]),
        row["effective_date"],
        Subject(
            certificate_number=row["number"],
            provider_id=row["provider_id"],
            provider_name_ko=row["provider_name_ko"],
            provider_name_en=row["provider_name_en"],
        ),
        en,
        ko,
        certification_urls.certificate(row["number"]),
    )


def _edition_change(row: dict) -> Change:
    en, ko = edition_sentences(row["version"], row["effective_from"], row["title_en"], row["title_ko"])
    recorded = row["published_at"] or dt.datetime.combine(row["effective_from"], dt.time(), dt.UTC)
    return Change(
        Source.edition,
        row["id"],
        "catalogue.edition_published",
        aware(recorded),
        row["effective_from"],
        Subject(edition_version=row["version"]),
        en,
        ko,
        catalog_urls.version(row["version"]),
    )


def _certified_item_change(row: dict, providers: dict[int, dict]) -> Change:
    entry = EntryFile.model_validate_json(row["entry"])
    provider = providers.get(row["provider_id"], {})
    who = (provider.get("name_en", ""), provider.get("name_ko", ""))
    en, ko = certified_item_sentences(
        entry.code, (entry.name_en, entry.name_ko), who, row["approved_on"], row["application"]
    )
    return Change(
        Source.certified_item,
        row["id"],
        "catalogue.item_certified",
        aware(row["recorded_at"]),
        row["approved_on"],
        Subject(
            provider_id=row["provider_id"],
            provider_name_ko=provider.get("name_ko"),
            provider_name_en=provider.get("name_en"),
            item_code=entry.code,
        ),
        en,
        ko,
        catalog_urls.item(entry.code),
    )


async def _rows(source: Source, *, after: int, limit: int, newest: bool) -> list[dict]:
    """Up to `limit` rows of one source after id `after`, oldest first (or the newest ones, newest first)."""
    if source is Source.certificate_event:
        table, query = (
            CertificateEvent,
            CertificateEvent.select(
                CertificateEvent.all_columns(),
                CertificateEvent.certificate.number.as_alias("number"),
                CertificateEvent.certificate.provider.as_alias("provider_id"),
                CertificateEvent.certificate.provider.name_ko.as_alias("provider_name_ko"),
                CertificateEvent.certificate.provider.name_en.as_alias("provider_name_en"),
            ),
        )
    elif source is Source.edition:
        table = CatalogueEdition
        query = CatalogueEdition.select(
            CatalogueEdition.id,
            CatalogueEdition.version,
            CatalogueEdition.effective_from,
            CatalogueEdition.title_ko,
            CatalogueEdition.title_en,
            CatalogueEdition.published_at,
        ).where(CatalogueEdition.state == PUBLISHED)
    else:
        table, query = CatalogueCertifiedItem, CatalogueCertifiedItem.select()
    return await query.where(table.id > after).order_by(table.id, ascending=not newest).limit(limit)


async def _changes(rows: dict[Source, list[dict]]) -> dict[Source, list[Change]]:
    certified = rows[Source.certified_item]
    wanted = sorted({r["provider_id"] for r in certified})
    providers = (
        {
            p["id"]: p
            for p in await Provider.select(Provider.id, Provider.name_ko, Provider.name_en).where(
                Provider.id.is_in(wanted)
            )
        }
        if wanted
        else {}
    )
    return {
        Source.certificate_event: [_certificate_change(r) for r in rows[Source.certificate_event]],
        Source.edition: [_edition_change(r) for r in rows[Source.edition]],
        Source.certified_item: [_certified_item_change(r, providers) for r in certified],
    }


def _order(change: Change) -> tuple:
    return (change.time, SOURCES.index(change.source), change.source_id)


async def changes_since(position: Position, limit: int) -> tuple[list[Change], Position, bool]:
    """The next `limit` events after `position`, oldest first; the position after them; whether more wait."""
    async with read_transaction():
        rows = {s: await _rows(s, after=position.after(s), limit=limit + 1, newest=False) for s in SOURCES}
        by_source = await _changes(rows)
    merged = list(heapq.merge(*(by_source[s] for s in SOURCES), key=_order))
    page = merged[:limit]
    after = position
    for change in page:
        after = after.moved(change.source, change.source_id)
    return page, after, len(merged) > limit


async def latest_changes(limit: int) -> list[Change]:
    """The newest `limit` events, newest first (what the Atom feed shows)."""
    async with read_transaction():
        rows = {s: await _rows(s, after=0, limit=limit, newest=True) for s in SOURCES}
        by_source = await _changes(rows)
    return sorted((c for s in SOURCES for c in by_source[s]), key=_order, reverse=True)[:limit]
