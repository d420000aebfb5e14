"""Public catalogue API: editions, the edition in force on a date, diffs, and one item's history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from registry.catalog import service as catalogue_service
from registry.catalog import urls
from registry.catalog.drafts import DraftEdit, DraftInput, PublishInput
from registry.catalog.model import (
    Catalogue,
    Edition,
    EditionDiff,
    EntryFile,
    ItemFound,
    diff_editions,
    entry_changes,
    find_items,
)
from registry.catalog.queries import published_catalogue
from registry.catalog.schemas import DraftList, DraftOut, ItemFoundOut, ItemSearchOut, PublishedOut
from registry.http.auth import regulator_only, signed_in_principal
from registry.http.pagination import paginate as paginate_rows
from registry.http.params import AsOf, Cursor, Limit, parse_date
from registry.http.preconditions import versions_read
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError

# --- response shapes -----------------------------------------------------------------------------------


class ItemEntry(msgspec.Struct):
    code: str
    name_ko: str
    name_en: str
    category: str
    category_assigned: bool
    tier: str
    status: str
    temporary_until: dt.date | None
    open_to_reported: bool
    open_to_reported_until: dt.date | None
    restricted_genes: list[str]
    restricted_markers: list[str]
    minors: str
    confidence: str
    first_edition_confirmed: bool
    notes: str


class CertifiedItemOut(msgspec.Struct):
    """A new item certified to an institution: part of the union of certified items from its first
    certification, whether or not an edition names it yet."""

    code: str
    name_ko: str
    name_en: str
    category: str
    tier: str
    minors: str
    first_certified_on: dt.date
    source_application: str  # the application whose approval certified it first
    in_edition: str  # how the edition in force lists it: permitted | temporary | withdrawn | not_listed


class VersionSummary(msgspec.Struct):
    version: str
    title_ko: str
    title_en: str
    announced_on: dt.date | None
    effective_from: dt.date
    effective_until: dt.date | None
    announced_total: int | None
    announced_total_qualifier: str
    items_known: int
    items_unnamed: int | None
    items_temporary: int
    items_withdrawn: int
    certified_access: str
    published_at: dt.datetime | None


class VersionDetail(VersionSummary):
    legal_basis_ko: str
    legal_basis_en: str
    effective_from_note: str
    who_may_test_ko: str
    who_may_test_en: str
    minors_basis_ko: str
    minors_basis_en: str
    sources: list[str]
    notes: str
    items: list[ItemEntry]


class CurrentVersion(VersionDetail):
    as_of: dt.date
    # From 2022-12-30 a laboratory's scope is its own certified items: the new items certified to
    # institutions on or before as_of, beside the edition's (announced) items. Empty before then.
    certified_items: list[CertifiedItemOut] = msgspec.field(default_factory=list)
    items_in_union: int | None = None  # edition items listed + certified items not listed (from 2022-12-30)


class VersionList(msgspec.Struct):
    data: list[VersionSummary]
    total: int
    next_cursor: str | None
    last_updated: dt.datetime | None
    edition_in_force: str | None


class FieldChangeOut(msgspec.Struct):
    field: str
    before: object
    after: object


class ItemChangeOut(msgspec.Struct):
    code: str
    name_ko: str
    name_en: str
    changes: list[FieldChangeOut]


class DiffOut(msgspec.Struct):
    from_version: VersionSummary = msgspec.field(name="from")
    to_version: VersionSummary = msgspec.field(name="to")
    added: list[ItemEntry]
    withdrawn: list[ItemEntry]
    changed: list[ItemChangeOut]


class HistoryRow(msgspec.Struct):
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    status: str  # permitted | temporary | withdrawn | not_listed
    changes: list[FieldChangeOut]
    entry: ItemEntry | None


class ItemHistory(msgspec.Struct):
    code: str
    latest: ItemEntry
    first_listed: str
    history: list[HistoryRow]


# --- mapping from the domain ---------------------------------------------------------------------------


def _json_value(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    return getattr(value, "value", value)


def entry_out(e: EntryFile) -> ItemEntry:
    return ItemEntry(**e.model_dump())


def _summary_fields(edition: Edition) -> dict:
    c = edition.content
    counts = edition.counts()
    return dict(
        version=c.version,
        title_ko=c.title_ko,
        title_en=c.title_en,
        announced_on=c.announced_on,
        effective_from=c.effective_from,
        effective_until=edition.effective_until,
        announced_total=c.announced_total,
        announced_total_qualifier=c.announced_total_qualifier,
        items_known=counts["items_known"],
        items_unnamed=edition.items_unnamed(),
        items_temporary=counts["items_temporary"],
        items_withdrawn=counts["items_withdrawn"],
        certified_access=c.certified_access.value,
        published_at=edition.published_at,
    )


def summary_out(edition: Edition) -> VersionSummary:
    return VersionSummary(**_summary_fields(edition))


def _detail_fields(edition: Edition) -> dict:
    c = edition.content
    return dict(
        **_summary_fields(edition),
        legal_basis_ko=c.legal_basis_ko,
        legal_basis_en=c.legal_basis_en,
        effective_from_note=c.effective_from_note,
        who_may_test_ko=c.who_may_test_ko,
        who_may_test_en=c.who_may_test_en,
        minors_basis_ko=c.minors_basis_ko,
        minors_basis_en=c.minors_basis_en,
        sources=list(c.sources),
        notes=c.notes,
        items=[entry_out(e) for e in c.items],
    )


def certified_fields(catalogue: Catalogue, edition: Edition, day: dt.date) -> dict:
    """The certified items beside the edition in force on `day` (per-institution regime only)."""
    if not catalogue.per_institution(day):
        return {"certified_items": [], "items_in_union": None}
    out = []
    for item in catalogue.certified_on(day):
        listed = edition.entry(item.code)
        e = item.entry
        out.append(
            CertifiedItemOut(
                code=e.code,
                name_ko=e.name_ko,
                name_en=e.name_en,
                category=e.category.value,
                tier=e.tier.value,
                minors=e.minors.value,
                first_certified_on=item.approved_on,
                source_application=item.application,
                in_edition=listed.status.value if listed else "not_listed",
            )
        )
    unlisted = sum(1 for c in out if c.in_edition == "not_listed")
    return {"certified_items": out, "items_in_union": edition.counts()["items_known"] + unlisted}


def diff_out(diff: EditionDiff) -> DiffOut:
    return DiffOut(
        from_version=summary_out(diff.source),
        to_version=summary_out(diff.target),
        added=[entry_out(e) for e in diff.added],
        withdrawn=[entry_out(e) for e in diff.withdrawn],
        changed=[
            ItemChangeOut(
                code=c.code,
                name_ko=c.entry.name_ko,
                name_en=c.entry.name_en,
                changes=[FieldChangeOut(f.field, _json_value(f.before), _json_value(f.after)) for f in c.changes],
            )
            for c in diff.changed
        ],
    )


def history_out(catalogue: Catalogue, code: str) -> ItemHistory | None:
    rows = catalogue.item_history(code)
    if not rows:
        return None
    out: list[HistoryRow] = []
    previous: EntryFile | None = None
    latest: EntryFile | None = None
    for edition, entry in rows:
        changes: list[FieldChangeOut] = []
        if entry is not None and previous is not None:
            changes = [
                FieldChangeOut(f.field, _json_value(f.before), _json_value(f.after))
                for f in entry_changes(previous, entry)
            ]
        out.append(
            HistoryRow(
                version=edition.version,
                effective_from=edition.effective_from,
                effective_until=edition.effective_until,
                status=entry.status.value if entry is not None else "not_listed",
                changes=changes,
                entry=entry_out(entry) if entry is not None else None,
            )
        )
        if entry is not None:
            previous = latest = entry
    assert latest is not None
    return ItemHistory(code=code, latest=entry_out(latest), first_listed=rows[0][0].version, history=out)


def found_out(found: ItemFound) -> ItemFoundOut:
    e = found.entry
    return ItemFoundOut(
        code=e.code,
        name_ko=e.name_ko,
        name_en=e.name_en,
        category=e.category.value,
        tier=e.tier.value,
        first_edition=found.first_edition,
        first_edition_confirmed=e.first_edition_confirmed,
        first_certified_on=found.first_certified_on,
        status=found.status,
        href=urls.item(e.code),
    )


# --- errors --------------------------------------------------------------------------------------------


def version_not_found(version: str, param: str | None = None) -> DomainError:
    if param:
        return DomainError("VERSION_NOT_FOUND.parameter", version=version, param=param, extra={"parameter": param})
    return DomainError("VERSION_NOT_FOUND", version=version)


def _edition(catalogue: Catalogue, version: str, param: str | None = None) -> Edition:
    edition = catalogue.get(version)
    if edition is None:
        raise version_not_found(version, param)
    return edition


# --- controller ----------------------------------------------------------------------------------------


class CatalogueController(Controller):
    tags = ("catalogue",)

    @get(urls.VERSIONS, operation_id="listCatalogueVersions", summary="All published editions, newest first")
    async def list_versions(
        self,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> VersionList:
        catalogue = await published_catalogue()
        page = paginate_rows(catalogue.newest_first(), lambda e: e.version, limit, cursor)
        in_force = catalogue.in_force(today_in_korea())
        stamps = [e.published_at for e in catalogue.editions if e.published_at is not None]
        return VersionList(
            data=[summary_out(e) for e in page.rows],
            total=page.total,
            next_cursor=page.next_cursor,
            last_updated=max(stamps) if stamps else None,
            edition_in_force=in_force.version if in_force else None,
        )

    @get(urls.VERSION, operation_id="getCatalogueVersion", summary="One edition with all its items")
    async def get_version(self, version: FromPath[str]) -> VersionDetail:
        catalogue = await published_catalogue()
        return VersionDetail(**_detail_fields(_edition(catalogue, version)))

    @get(
        urls.CURRENT,
        opt={"refusals": [404]},
        operation_id="getCatalogueInForce",
        summary="The edition in force on a date",
    )
    async def current(self, as_of: AsOf = None) -> CurrentVersion:
        day = parse_date("as_of", as_of, default=today_in_korea())
        catalogue = await published_catalogue()
        edition = catalogue.in_force(day)
        if edition is None:
            first = catalogue.first()
            since = first.effective_from.isoformat() if first else None
            raise DomainError(
                "NO_EDITION_IN_FORCE" if since else "NO_EDITION_IN_FORCE.none_published",
                day=day,
                since=since,
                extra={"first_effective_from": since, "as_of": day.isoformat()},
            )
        return CurrentVersion(**_detail_fields(edition), as_of=day, **certified_fields(catalogue, edition, day))

    @get(
        urls.DIFF,
        opt={"refusals": [404]},
        operation_id="diffCatalogueVersions",
        summary="Items added, withdrawn and changed between editions",
    )
    async def diff(
        self,
        from_version: Annotated[str, QueryParameter(name="from", description="edition to compare from")],
        to_version: Annotated[str, QueryParameter(name="to", description="edition to compare to")],
    ) -> DiffOut:
        catalogue = await published_catalogue()
        source = _edition(catalogue, from_version, "from")
        target = _edition(catalogue, to_version, "to")
        return diff_out(diff_editions(source, target))

    @get(
        urls.ITEMS,
        operation_id="searchCatalogueItems",
        summary="Items by code or name, Korean or English, with their status on a date",
    )
    async def items(
        self,
        q: Annotated[
            str | None,
            QueryParameter(
                description="part of a code or of a name, Korean or English; case, full-width letters, spacing "
                "and punctuation do not matter ('비타민 D', '비타민D' and 'vitamin d' all find NUT-VITD); "
                "empty: every item",
                required=False,
                max_length=200,
            ),
        ] = None,
        as_of: AsOf = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> ItemSearchOut:
        day = parse_date("as_of", as_of, default=today_in_korea())
        found = find_items(await published_catalogue(), q or "", day)
        page = paginate_rows(found, lambda f: f.entry.code, limit, cursor)
        return ItemSearchOut(
            data=[found_out(f) for f in page.rows],
            total=page.total,
            next_cursor=page.next_cursor,
            as_of=day,
            q=q or None,
        )

    @get(urls.ITEM, operation_id="getCatalogueItem", summary="One item and its history across editions")
    async def item(self, code: FromPath[str]) -> ItemHistory:
        catalogue = await published_catalogue()
        history = history_out(catalogue, code.upper())
        if history is None:
            raise DomainError("ITEM_NOT_FOUND", code=code)
        return history

    # --- drafts: regulator only ---

    @post(
        urls.VERSIONS,
        guards=[regulator_only],
        operation_id="draftCatalogueVersion",
        status_code=201,
        summary="Draft a new edition",
        opt={"created": ("getCatalogueDraft", {"version": "$response.body#/version"})},
    )
    async def create(self, request: Request, data: JSONBody[DraftInput]) -> Response[DraftOut]:
        texts = {
            k: v
            for k, v in data.model_dump(
                include={"title_ko", "title_en", "legal_basis_ko", "legal_basis_en", "announced_total", "notes"}
            ).items()
            if v is not None
        }
        changes = {
            "add": [e.model_dump(mode="json") for e in data.add],
            "withdraw": [c.upper() for c in data.withdraw],
            "replace": [e.model_dump(mode="json") for e in data.replace],
        }
        try:
            draft = await catalogue_service.create_draft(
                signed_in_principal(request).actor,
                version=data.version.isoformat(),
                base_version=data.base,
                changes=changes,
                texts=texts,
            )
        except ValueError as exc:
            raise DomainError("INVALID_BODY.draft_changes", reason=str(exc)) from None
        return Response(draft, status_code=201, headers={"ETag": draft.etag, "Location": urls.draft(draft.version)})

    @get(
        urls.DRAFTS,
        guards=[regulator_only],
        operation_id="listCatalogueDrafts",
        summary="Draft editions not yet published (regulator)",
    )
    async def drafts(self) -> DraftList:
        return DraftList(await catalogue_service.list_drafts())

    @get(
        urls.DRAFT,
        guards=[regulator_only],
        operation_id="getCatalogueDraft",
        summary="One draft edition with its items and ETag (regulator)",
    )
    async def draft(self, version: FromPath[str]) -> Response[DraftOut]:
        draft = await catalogue_service.get_draft(version)
        if draft is None:
            raise version_not_found(version)
        return Response(draft, headers={"ETag": draft.etag})

    @patch(urls.DRAFT, guards=[regulator_only], operation_id="editCatalogueDraft", summary="Edit an open draft")
    async def edit_draft(
        self,
        request: Request,
        version: FromPath[str],
        data: JSONBody[DraftEdit],
        if_match: Annotated[
            str | None, HeaderParameter(name="If-Match", description="the draft's ETag", required=False)
        ] = None,
    ) -> Response[DraftOut]:
        texts = data.model_dump(
            mode="json", exclude_none=True, exclude={"add", "withdraw", "replace"}, include=data.model_fields_set
        )
        changes = {
            "add": [e.model_dump(mode="json") for e in data.add],
            "withdraw": list(data.withdraw),
            "replace": [e.model_dump(mode="json") for e in data.replace],
        }
        draft = await catalogue_service.edit_draft(
            signed_in_principal(request).actor,
            version,
            texts=texts,
            changes=changes,
            expected=versions_read(if_match),
            today=today_in_korea(),
        )
        return Response(draft, headers={"ETag": draft.etag})

    @post(
        urls.PUBLISH,
        guards=[regulator_only],
        operation_id="publishCatalogueVersion",
        summary="Publish a draft edition, never with a date in the past (regulator)",
        status_code=200,
    )
    async def publish(
        self, request: Request, version: FromPath[str], data: JSONBody[PublishInput | None] = None
    ) -> PublishedOut:
        report = await catalogue_service.publish_draft(
            signed_in_principal(request).actor,
            version,
            effective_from=data.effective_from if data else None,
            today=today_in_korea(),
        )
        return PublishedOut(report.imported[0])
