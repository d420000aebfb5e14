"""Catalogue use cases: import the reviewed files, and read the published editions."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from registry.catalog.files import read_catalogue_dir
from registry.catalog.model import Catalogue, CatalogueProblem, EditionFile, EntryFile
from registry.catalog.tables import CatalogueEdition, CatalogueEntry, CatalogueItem
from registry.db.engine import describe, read_transaction, write_transaction

PUBLISHED = "published"


class CatalogueImportError(Exception):
    """The reviewed files cannot be imported; nothing was written."""

    def __init__(self, problems: list[CatalogueProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.imported)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def import_catalogue(catalog_dir: Path) -> ImportReport:
    """Import every edition file in one transaction: new editions are added, identical ones are left
    alone, and an edition already published with different content is refused (editions are immutable;
    a change is a new edition)."""
    files = read_catalogue_dir(catalog_dir)
    if not files.ok:
        raise CatalogueImportError(files.problems)
    report = ImportReport()
    async with write_transaction():
        stored = {
            row["version"]: row
            for row in await CatalogueEdition.select(
                CatalogueEdition.version, CatalogueEdition.content_hash, CatalogueEdition.state
            )
        }
        refused = [
            CatalogueProblem(
                name,
                "version",
                f"edition {e.version} is already published with other content; "
                "published editions are never edited, add a new edition instead",
            )
            for name, e in files.editions
            if e.version in stored and stored[e.version]["content_hash"] != e.content_hash()
        ]
        if refused:
            raise CatalogueImportError(refused)
        new = [(n, e) for n, e in files.editions if e.version not in stored]
        report.unchanged = sorted(e.version for _, e in files.editions if e.version in stored)
        if not new:
            return report
        codes = {entry.code for _, e in new for entry in e.items}
        item_ids = await _ensure_items(codes)
        now = _utcnow()
        for _, edition in sorted(new, key=lambda pair: pair[1].effective_from):
            await _insert_edition(edition, item_ids, published_at=now)
            report.imported.append(edition.version)
    return report


async def _ensure_items(codes: set[str]) -> dict[str, int]:
    existing = (
        {
            r["code"]: r["id"]
            for r in await CatalogueItem.select(CatalogueItem.id, CatalogueItem.code).where(
                CatalogueItem.code.is_in(sorted(codes))
            )
        }
        if codes
        else {}
    )
    missing = sorted(codes - existing.keys())
    for start in range(0, len(missing), 500):
        await CatalogueItem.insert(*[CatalogueItem(code=c) for c in missing[start : start + 500]])
    if missing:
        existing.update(
            {
                r["code"]: r["id"]
                for r in await CatalogueItem.select(CatalogueItem.id, CatalogueItem.code).where(
                    CatalogueItem.code.is_in(missing)
                )
            }
        )
    return existing


async def _insert_edition(edition: EditionFile, item_ids: dict[str, int], published_at: dt.datetime) -> None:
    rows = await CatalogueEdition.insert(
        CatalogueEdition(
            version=edition.version,
            state=PUBLISHED,
            title_ko=edition.title_ko,
            title_en=edition.title_en,
            legal_basis_ko=edition.legal_basis_ko,
            legal_basis_en=edition.legal_basis_en,
            announced_on=edition.announced_on,
            effective_from=edition.effective_from,
            effective_from_note=edition.effective_from_note,
            announced_total=edition.announced_total,
            announced_total_qualifier=edition.announced_total_qualifier,
            certified_access=edition.certified_access.value,
            who_may_test_ko=edition.who_may_test_ko,
            who_may_test_en=edition.who_may_test_en,
            minors_basis_ko=edition.minors_basis_ko,
            minors_basis_en=edition.minors_basis_en,
            sources=json.dumps(list(edition.sources), ensure_ascii=False),
            notes=edition.notes,
            content_hash=edition.content_hash(),
            published_at=published_at,
        )
    ).returning(CatalogueEdition.id)
    edition_id = rows[0]["id"]
    entries = [
        CatalogueEntry(edition=edition_id, item=item_ids[e.code], position=i, **_entry_columns(e))
        for i, e in enumerate(edition.items)
    ]
    # Chunked: asyncpg caps bound parameters per statement (STACK-NOTES).
    for start in range(0, len(entries), 500):
        await CatalogueEntry.insert(*entries[start : start + 500])


# --- reading -------------------------------------------------------------------------------------------

# Entry columns mirror EntryFile field for field; the two gene lists are stored as JSON text.
_JSON_FIELDS = ("restricted_genes", "restricted_markers")
_ENTRY_FIELDS = tuple(f for f in EntryFile.model_fields if f != "code" and f not in _JSON_FIELDS)


def _entry_columns(entry: EntryFile) -> dict:
    values = entry.model_dump(exclude={"code"})
    return {**values, **{f: json.dumps(list(values[f])) for f in _JSON_FIELDS}}


@dataclass(frozen=True)
class _Cached:
    revision: tuple
    catalogue: Catalogue


_cache: dict[str, _Cached] = {}  # per database


async def _revision() -> tuple:
    rows = await CatalogueEdition.raw(
        "SELECT COUNT(*) AS n, MAX(id) AS last_id FROM catalogue_edition WHERE state = {}", PUBLISHED
    )
    return (rows[0]["n"], rows[0]["last_id"])


async def published_catalogue() -> Catalogue:
    """All published editions. Published editions never change, so the catalogue is rebuilt only when
    the set of published editions has grown; every call still asks the database, so several workers
    stay consistent."""
    async with read_transaction():
        revision = await _revision()
        key = describe(CatalogueEdition._meta.db)
        cached = _cache.get(key)
        if cached is not None and cached.revision == revision:
            return cached.catalogue
        catalogue = await _load_catalogue()
    _cache[key] = _Cached(revision, catalogue)
    return catalogue


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
