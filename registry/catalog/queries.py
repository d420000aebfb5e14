"""Reading the permitted-item list: the published editions and the new items certified to institutions
as one `Catalogue`, cached per database and rebuilt only when an edition was published or an item
certified. Other features read the catalogue through here."""

from __future__ import annotations

import datetime as dt
import json

from registry.catalog.model import Catalogue, CertifiedItem, EditionFile, EntryFile
from registry.catalog.tables import CatalogueCertifiedItem, CatalogueEdition, CatalogueEntry
from registry.db.cache import RevisionCache

PUBLISHED = "published"

# Entry columns mirror EntryFile field for field; the two gene lists are stored as JSON text.
_JSON_FIELDS = ("restricted_genes", "restricted_markers")
_ENTRY_FIELDS = tuple(f for f in EntryFile.model_fields if f != "code" and f not in _JSON_FIELDS)


def entry_columns(entry: EntryFile) -> dict:
    values = entry.model_dump(exclude={"code"})
    return {**values, **{f: json.dumps(list(values[f])) for f in _JSON_FIELDS}}


# What the published catalogue is built from; other caches that derive from it add these to their revision.
REVISION_SQL = (
    "(SELECT COUNT(*) FROM catalogue_edition WHERE state = 'published') AS editions, "
    "(SELECT MAX(id) FROM catalogue_edition WHERE state = 'published') AS last_edition, "
    "(SELECT COUNT(*) FROM catalogue_certified_item) AS certified_items, "
    "(SELECT MAX(id) FROM catalogue_certified_item) AS last_certified_item"
)


async def _revision() -> tuple:
    rows = await CatalogueEdition.raw(f"SELECT {REVISION_SQL}")
    return tuple(rows[0].values())


async def published_catalogue() -> Catalogue:
    """All published editions and the certified new items. Published editions and certified items never
    change, so the catalogue is rebuilt only when an edition was published or an item certified."""
    return await _catalogue.get()


async def _load_catalogue() -> Catalogue:
    editions = await CatalogueEdition.select().where(CatalogueEdition.state == PUBLISHED)
    entries = (
        await CatalogueEntry.select(CatalogueEntry.all_columns(), CatalogueEntry.item.code.as_alias("code"))
        .where(CatalogueEntry.edition.state == PUBLISHED)
        .order_by(CatalogueEntry.position)
    )
    by_edition: dict[int, list[EntryFile]] = {}
    for row in entries:
        by_edition.setdefault(row["edition"], []).append(
            EntryFile.model_validate(
                {
                    "code": row["code"],
                    **{f: json.loads(row[f]) for f in _JSON_FIELDS},
                    **{f: row[f] for f in _ENTRY_FIELDS},
                }
            )
        )
    contents = []
    published_at: dict[str, dt.datetime] = {}
    for row in editions:
        contents.append(
            EditionFile.model_validate(
                {
                    **{k: row[k] for k in EditionFile.model_fields if k not in ("items", "sources") and k in row},
                    "sources": json.loads(row["sources"]),
                    "items": by_edition.get(row["id"], []),
                }
            )
        )
        published_at[row["version"]] = row["published_at"]
    certified = [
        CertifiedItem(EntryFile.model_validate_json(row["entry"]), row["approved_on"], row["application"])
        for row in await CatalogueCertifiedItem.select().order_by(CatalogueCertifiedItem.id)
    ]
    return Catalogue(contents, published_at, certified)


_catalogue: RevisionCache[Catalogue] = RevisionCache(_revision, _load_catalogue)


def item_names(catalogue: Catalogue, code: str, day: dt.date | None = None) -> tuple[str | None, str | None]:
    """An item's Korean and English names as the edition in force on `day` writes them (or, for an item
    not listed then, as the newest edition listing it does)."""
    edition = catalogue.in_force(day) if day else None
    entry = (edition.entry(code) if edition else None) or next(
        (e.entry(code) for e in reversed(catalogue.editions) if e.entry(code)), None
    )
    return (entry.name_ko, entry.name_en) if entry else (None, None)
