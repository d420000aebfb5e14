"""Reading the permitted-item list: the published editions as one `Catalogue`, cached per database and
rebuilt only when an edition was published. Other features read the catalogue through here."""

from __future__ import annotations

import datetime as dt
import json

from registry.catalog.model import Catalogue, EditionFile, EntryFile
from registry.catalog.tables import CatalogueEdition, CatalogueEntry
from registry.db.cache import RevisionCache

PUBLISHED = "published"

# Entry columns mirror EntryFile field for field; the two gene lists are stored as JSON text.
_JSON_FIELDS = ("restricted_genes", "restricted_markers")
_ENTRY_FIELDS = tuple(f for f in EntryFile.model_fields if f != "code" and f not in _JSON_FIELDS)


def entry_columns(entry: EntryFile) -> dict:
    values = entry.model_dump(exclude={"code"})
    return {**values, **{f: json.dumps(list(values[f])) for f in _JSON_FIELDS}}


async def _revision() -> tuple:
    rows = await CatalogueEdition.raw(
        "SELECT COUNT(*) AS n, MAX(id) AS last_id FROM catalogue_edition WHERE state = {}", PUBLISHED
    )
    return (rows[0]["n"], rows[0]["last_id"])


async def published_catalogue() -> Catalogue:
    """All published editions. Published editions never change, so the catalogue is rebuilt only when
    an edition was published."""
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
    return Catalogue(contents, published_at)


_catalogue: RevisionCache[Catalogue] = RevisionCache(_revision, _load_catalogue)


def item_names(catalogue: Catalogue, code: str, day: dt.date | None = None) -> tuple[str | None, str | None]:
    """An item's Korean and English names as the edition in force on `day` writes them (or, for an item
    not listed then, as the newest edition listing it does)."""
    edition = catalogue.in_force(day) if day else None
    entry = (edition.entry(code) if edition else None) or next(
        (e.entry(code) for e in reversed(catalogue.editions) if e.entry(code)), None
    )
    return (entry.name_ko, entry.name_en) if entry else (None, None)
