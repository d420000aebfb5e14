"""Storage of the catalogue: items, editions and the entries of each edition."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table


class CatalogueItem(Table, tablename="catalogue_item"):
    """An item's identity across editions; what it is called and how it is ruled lives per edition."""

    code = Varchar(length=32, unique=True, null=False)


class CatalogueEdition(Table, tablename="catalogue_edition"):
    version = Varchar(length=32, unique=True, null=False)
    state = Varchar(length=16, null=False, default="published")  # draft | published
    title_ko = Text(null=False)
    title_en = Text(null=False)
    legal_basis_ko = Text(null=False)
    legal_basis_en = Text(null=False)
    announced_on = Date(null=True, default=None)
    effective_from = Date(null=False)
    effective_from_note = Text(null=False, default="")
    announced_total = Integer(null=True, default=None)
    announced_total_qualifier = Varchar(length=16, null=False, default="exact")
    certified_access = Varchar(length=32, null=False)
    who_may_test_ko = Text(null=False)
    who_may_test_en = Text(null=False)
    minors_basis_ko = Text(null=False, default="")
    minors_basis_en = Text(null=False, default="")
    sources = Text(null=False, default="[]")  # JSON list of URLs, only ever read whole
    notes = Text(null=False, default="")
    content_hash = Varchar(length=64, null=False)
    published_at = Timestamptz(null=True, default=None)


class CatalogueEntry(Table, tablename="catalogue_entry"):
    """One item as one edition lists it. Unique per (edition, item): see the migration."""

    edition = ForeignKey(CatalogueEdition, null=False, on_delete=OnDelete.restrict)
    item = ForeignKey(CatalogueItem, null=False, on_delete=OnDelete.restrict)
    position = Integer(null=False)  # order in the reviewed file
    name_ko = Text(null=False)
    name_en = Text(null=False)
    category = Varchar(length=32, null=False)
    category_assigned = Boolean(null=False, default=False)
    tier = Varchar(length=16, null=False)
    status = Varchar(length=16, null=False)
    temporary_until = Date(null=True, default=None)
    open_to_reported = Boolean(null=False, default=False)
    open_to_reported_until = Date(null=True, default=None)
    restricted_genes = Text(null=False, default="[]")  # JSON list, read whole
    restricted_markers = Text(null=False, default="[]")
    minors = Varchar(length=16, null=False)
    confidence = Varchar(length=1, null=False)
    first_edition_confirmed = Boolean(null=False, default=True)
    notes = Text(null=False, default="")


class CatalogueCertifiedItem(Table, tablename="catalogue_certified_item"):
    """A new item certified to an institution by the approval of its proposal: from `approved_on` it is
    part of the union of certified items (Art. 49-2(2)), before any edition announces it. One row per
    item, its first certification; recorded when the catalogue hears of the decision."""

    code = Varchar(length=32, unique=True, null=False)
    entry = Text(null=False)  # JSON of the EntryFile: names, category, tier, markers as approved
    approved_on = Date(null=False)
    application = Varchar(length=64, null=False)  # the application number: the source
    provider_id = Integer(null=False)
    recorded_at = Timestamptz(null=False)


class CatalogueDraft(Table, tablename="catalogue_draft"):
    """An edition being prepared. Drafts change; on publication the content becomes an ordinary
    published edition (through the same insert as the reviewed files) and the draft is closed."""

    version = Varchar(length=32, unique=True, null=False)  # the intended effective date
    base_version = Varchar(length=32, null=False)
    content = Text(null=False)  # JSON of an EditionFile
    state = Varchar(length=16, null=False, default="open")  # open | published
    created_by = Varchar(length=200, null=False)
    created_at = Timestamptz(null=False)
    updated_at = Timestamptz(null=False)
    revision = Integer(null=False, default=1)
