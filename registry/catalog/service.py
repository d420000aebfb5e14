"""Catalogue use cases: import the reviewed files, open and publish draft editions, and take approved
new items into the open draft (a listener of decided applications)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from registry.audit.service import SYSTEM, Actor, record
from registry.catalog.files import read_catalogue_dir
from registry.catalog.model import (
    CatalogueProblem,
    EditionFile,
    EntryFile,
    EntryStatus,
    MinorsPolicy,
    check_edition,
    check_sequence,
)
from registry.catalog.queries import PUBLISHED, entry_columns, published_catalogue
from registry.catalog.schemas import DraftOut
from registry.catalog.tables import (
    CatalogueCertifiedItem,
    CatalogueDraft,
    CatalogueEdition,
    CatalogueEntry,
    CatalogueItem,
)
from registry.db.engine import insert_one, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import utcnow
from registry.kernel.errors import DomainError, Expected, FieldError, check_version, etag, invalid_body
from registry.kernel.events import DomainEvent, Topic, announce


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


@retried
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
        now = utcnow()
        for _, edition in sorted(new, key=lambda pair: pair[1].effective_from):
            await _insert_edition(edition, item_ids, published_at=now)
            await record(
                SYSTEM,
                "catalogue.edition_imported",
                "catalogue_edition",
                edition.version,
                after={
                    "effective_from": edition.effective_from,
                    "items": len(edition.items),
                    "hash": edition.content_hash(),
                },
            )
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
        CatalogueEntry(edition=edition_id, item=item_ids[e.code], position=i, **entry_columns(e))
        for i, e in enumerate(edition.items)
    ]
    # Chunked: asyncpg caps bound parameters per statement at 32,767.
    for start in range(0, len(entries), 500):
        await CatalogueEntry.insert(*entries[start : start + 500])


# --- drafts and publication --------------------------------------------------------------------------

# What a new draft does not take from the edition it starts from: each announcement states these itself.
NOT_INHERITED: dict = {
    "title_ko": "",
    "title_en": "",
    "legal_basis_ko": "",
    "legal_basis_en": "",
    "announced_total": None,
    "announced_total_qualifier": "exact",
    "announced_on": None,
    "effective_from_note": "",
    "sources": [],
    "notes": "",
}
# What a draft must state before it is published.
REQUIRED_TO_PUBLISH = ("title_ko", "title_en", "legal_basis_ko", "legal_basis_en", "announced_total")


async def open_draft() -> dict | None:
    return await CatalogueDraft.select().where(CatalogueDraft.state == "open").order_by(CatalogueDraft.id).first()


@retried
async def create_draft(
    actor, *, version: str, base_version: str | None, changes: dict | None = None, texts: dict | None = None
) -> DraftOut:
    """A draft edition: a copy of a published edition (the newest by default) with changes applied.
    Runs inside the caller's write transaction or its own."""
    async with write_transaction():
        catalogue = await published_catalogue()
        base = catalogue.get(base_version) if base_version else (catalogue.editions[-1] if catalogue.editions else None)
        if base is None:
            raise DomainError("VERSION_NOT_FOUND.base", version=base_version)
        if await CatalogueDraft.exists().where(CatalogueDraft.version == version) or catalogue.get(version):
            raise DomainError("CONFLICT.edition_exists", version=version)
        content = base.content.model_dump(mode="json")
        # A new announcement has its own title, total, basis, date and sources: nothing of the base's.
        content.update(NOT_INHERITED)
        content.update({"version": version, "effective_from": version, **(texts or {})})
        content = apply_changes(content, changes or {})
        now = utcnow()
        await insert_one(
            CatalogueDraft(
                version=version,
                base_version=base.version,
                content=json.dumps(content, ensure_ascii=False),
                created_by=actor.label,
                created_at=now,
                updated_at=now,
            )
        )
        await record(
            actor,
            "catalogue.draft_created",
            "catalogue_draft",
            version,
            after={"base": base.version, **(changes or {})},
        )
    return DraftOut(version, base.version, "open", actor.label, 1, content, etag(1))


def apply_changes(content: dict, changes: dict) -> dict:
    """Add entries, withdraw codes, replace entries: the three ways a new edition differs from its base."""
    items = {i["code"]: i for i in content["items"]}
    for code in changes.get("withdraw", []):
        if code not in items:
            raise ValueError(f"withdraw: {code} is not in the base edition")
        entry = items[code]
        for key in ("temporary_until", "open_to_reported", "open_to_reported_until"):
            entry.pop(key, None)
        entry["status"] = "withdrawn"
    for entry in changes.get("add", []):
        if entry["code"] in items and items[entry["code"]]["status"] != "withdrawn":
            raise ValueError(f"add: {entry['code']} is already listed")
        items[entry["code"]] = entry
    for entry in changes.get("replace", []):
        if entry["code"] not in items:
            raise ValueError(f"replace: {entry['code']} is not in the base edition")
        items[entry["code"]] = entry
    content["items"] = list(items.values())
    return content


async def add_to_draft(actor, entry: EntryFile, *, day: dt.date) -> str:
    """Put an approved new item into the open draft (creating one for the next day when none is open).
    Returns the draft's version. Idempotent: an item already in the draft is left as it is."""
    async with write_transaction():
        draft = await open_draft()
        if draft is not None and any(i["code"] == entry.code for i in json.loads(draft["content"])["items"]):
            return draft["version"]
        if draft is None:
            version = (await _free_draft_day(day + dt.timedelta(days=1))).isoformat()
            await create_draft(
                actor,
                version=version,
                base_version=None,
                texts={"notes": "Draft opened by the approval of a proposed item."},
            )
            draft = await open_draft()
        content = json.loads(draft["content"])
        content = apply_changes(content, {"add": [entry.model_dump(mode="json")]})
        await CatalogueDraft.update(
            {
                CatalogueDraft.content: json.dumps(content, ensure_ascii=False),
                CatalogueDraft.updated_at: utcnow(),
                CatalogueDraft.revision: CatalogueDraft.revision + 1,
            }
        ).where(CatalogueDraft.id == draft["id"])
        await record(
            actor,
            "catalogue.draft_item_added",
            "catalogue_draft",
            draft["version"],
            after=entry.model_dump(mode="json"),
        )
    return draft["version"]


async def _free_draft_day(earliest: dt.date) -> dt.date:
    """The first day from `earliest` on that no edition or draft is dated, after the newest published
    edition: an approval must never fail (and be retried forever) because tomorrow is already taken."""
    catalogue = await published_catalogue()
    if catalogue.editions:
        earliest = max(earliest, catalogue.editions[-1].effective_from + dt.timedelta(days=1))
    while await CatalogueDraft.exists().where(CatalogueDraft.version == earliest.isoformat()):
        earliest += dt.timedelta(days=1)
    return earliest


@retried
async def publish_draft(actor, version: str, *, effective_from: dt.date | None, today: dt.date) -> ImportReport:
    """Publish a draft: it is checked like a reviewed file (schema, and against every published
    edition), then inserted exactly as an imported edition is. Never retroactive."""
    async with write_transaction():
        draft = await CatalogueDraft.select().where(CatalogueDraft.version == version).first()
        if draft is None or draft["state"] != "open":
            raise DomainError("VERSION_NOT_FOUND.draft", version=version)
        content = json.loads(draft["content"])
        missing = [f for f in REQUIRED_TO_PUBLISH if content.get(f) in (None, "")]
        if missing:
            raise DomainError(
                "INVALID_BODY.draft_incomplete",
                version=version,
                missing=", ".join(missing),
                errors=[FieldError(f, "required before publication", "draft") for f in missing],
            )
        day = effective_from or dt.date.fromisoformat(content["effective_from"])
        if day < today:
            raise DomainError(
                "INVALID_BODY.edition_in_the_past",
                day=day,
                errors=[FieldError("effective_from", "before today", "body")],
            )
        content.update({"version": day.isoformat(), "effective_from": day.isoformat()})
        if not content.get("announced_on"):
            content["announced_on"] = today.isoformat()
        if content.get("announced_total") is not None:
            listed = sum(1 for i in content["items"] if i["status"] != "withdrawn")
            content["announced_total"] = max(content["announced_total"], listed)
        try:
            edition = EditionFile.model_validate(content)
        except ValidationError as exc:
            raise invalid_body(exc, "draft") from None
        catalogue = await published_catalogue()
        named = [(e.version, e.content) for e in catalogue.editions] + [(edition.version, edition)]
        problems = check_edition(edition.version, edition) + check_sequence(named)
        problems = [p for p in problems if p.where != "version" or "file name" not in p.reason]
        if problems:
            raise DomainError(
                "INVALID_BODY.draft_unpublishable",
                problems="; ".join(str(p) for p in problems),
                errors=[FieldError(p.where, p.reason, "draft") for p in problems],
            )
        codes = {e.code for e in edition.items}
        item_ids = await _ensure_items(codes)
        await _insert_edition(edition, item_ids, published_at=utcnow())
        await CatalogueDraft.update({CatalogueDraft.state: "published", CatalogueDraft.updated_at: utcnow()}).where(
            CatalogueDraft.id == draft["id"]
        )
        await record(
            actor,
            "catalogue.edition_published",
            "catalogue_edition",
            edition.version,
            after={"draft": version, "effective_from": edition.effective_from, "items": len(edition.items)},
        )
        await announce(Topic.edition_published, version=edition.version, effective_from=edition.effective_from)
    return ImportReport(imported=[edition.version])


def _draft_body(row: dict) -> DraftOut:
    return DraftOut(
        row["version"],
        row["base_version"],
        row["state"],
        row["created_by"],
        row["revision"],
        json.loads(row["content"]),
        etag(row["revision"]),
    )


@retried
async def edit_draft(
    actor, version: str, *, texts: dict, changes: dict, expected: Expected, today: dt.date
) -> DraftOut:
    """Change an open draft: its texts, total, dates and sources, and items added, withdrawn or replaced.
    A published edition is never edited. Audited with what changed; refused whole or applied whole."""
    async with write_transaction():
        draft = await CatalogueDraft.select().where(CatalogueDraft.version == version).first()
        if (draft is not None and draft["state"] != "open") or (
            draft is None and await CatalogueEdition.exists().where(CatalogueEdition.version == version)
        ):
            raise DomainError("CONFLICT.edition_published", version=version)
        if draft is None:
            raise DomainError("VERSION_NOT_FOUND.draft", version=version)
        check_version(expected, draft["revision"], "draft")
        effective_from = texts.get("effective_from")
        if effective_from is not None and dt.date.fromisoformat(effective_from) < today:
            raise DomainError(
                "INVALID_BODY.edition_in_the_past",
                day=effective_from,
                errors=[FieldError("effective_from", "before today", "body")],
            )
        content = json.loads(draft["content"])
        before = {k: content.get(k) for k in texts}
        content.update(texts)
        try:
            content = apply_changes(content, changes)
        except ValueError as exc:
            field_name = str(exc).split(":", 1)[0]
            raise DomainError(
                "INVALID_BODY.draft_changes", reason=str(exc), errors=[FieldError(field_name, str(exc), "body")]
            ) from None
        revision = draft["revision"] + 1
        await CatalogueDraft.update(
            {
                CatalogueDraft.content: json.dumps(content, ensure_ascii=False),
                CatalogueDraft.updated_at: utcnow(),
                CatalogueDraft.revision: revision,
            }
        ).where(CatalogueDraft.id == draft["id"])
        await record(
            actor,
            "catalogue.draft_edited",
            "catalogue_draft",
            version,
            before=before,
            after={**texts, **{k: v for k, v in changes.items() if v}},
        )
    return DraftOut(version, draft["base_version"], "open", draft["created_by"], revision, content, etag(revision))


async def list_drafts() -> list[DraftOut]:
    rows = await CatalogueDraft.select().where(CatalogueDraft.state == "open").order_by(CatalogueDraft.id)
    return [_draft_body(r) for r in rows]


async def get_draft(version: str) -> DraftOut | None:
    row = await CatalogueDraft.select().where(CatalogueDraft.version == version).first()
    return _draft_body(row) if row else None


async def take_approved_proposals(event: DomainEvent) -> None:
    """Listener of decided applications: each approved new item is certified to the applicant from the
    day of the decision, so the catalogue records it (the union of certified items, Art. 49-2(2)) and
    puts it into the open draft edition, for the next announcement. One transaction; idempotent (an
    event may come twice): an item already recorded or already in the draft is left as it is. When
    something new was recorded, `catalogue.items_certified` tells the panels to re-check."""
    proposals = event.payload.get("approved_proposals", [])
    if not proposals:
        return
    application = event.payload["application"]
    day = dt.date.fromisoformat(event.payload["decided_on"])
    actor = Actor(event.payload["actor_id"], event.payload["actor"])
    async with write_transaction():
        recorded = []
        for proposal in proposals:
            entry = EntryFile(
                code=proposal["code"],
                name_ko=proposal["name_ko"],
                name_en=proposal["name_en"],
                category=proposal["category"],
                category_assigned=False,
                tier=proposal["tier"],
                status=EntryStatus.permitted,
                minors=MinorsPolicy.not_permitted,
                confidence="C",
                notes=f"Proposed by a provider; approved with application {application} on {day}.",
            )
            provider_id = event.payload["provider_id"]
            if await _record_certified(actor, entry, day=day, application=application, provider_id=provider_id):
                recorded.append(entry.code)
            await add_to_draft(actor, entry, day=day)
        if recorded:
            await announce(Topic.items_certified, codes=recorded, application=application, approved_on=day.isoformat())


async def _record_certified(
    actor: Actor, entry: EntryFile, *, day: dt.date, application: str, provider_id: int
) -> bool:
    """Record an item's first certification; False when it is already recorded (nothing is written)."""
    if await CatalogueCertifiedItem.exists().where(CatalogueCertifiedItem.code == entry.code):
        return False
    await insert_one(
        CatalogueCertifiedItem(
            code=entry.code,
            entry=entry.model_dump_json(),
            approved_on=day,
            application=application,
            provider_id=provider_id,
            recorded_at=utcnow(),
        )
    )
    await record(
        actor,
        "catalogue.item_certified",
        "catalogue_item",
        entry.code,
        after={
            "approved_on": day,
            "application": application,
            "provider_id": provider_id,
            **entry.model_dump(mode="json"),
        },
    )
    return True
