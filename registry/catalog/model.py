"""The catalogue domain: items, editions, which edition is in force on a date, diffs and history.

Pure code: no framework, no storage. The same models validate the reviewed files in rules/catalog/
and describe what the database holds.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from registry.kernel.findings import Finding, finding
from registry.kernel.ids import MAX_ID
from registry.kernel.text import search_key

ONE_DAY = dt.timedelta(days=1)

ITEM_CODE_PATTERN = r"^[A-Z]{3}-[A-Z0-9]{1,24}$"
ItemCode = Annotated[str, StringConstraints(pattern=ITEM_CODE_PATTERN)]
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"


class Category(StrEnum):
    nutrients = "nutrients"
    exercise = "exercise"
    skin_hair = "skin_hair"
    eating_habits = "eating_habits"
    personal_traits = "personal_traits"
    health_management = "health_management"
    ancestry = "ancestry"
    disease = "disease"


# The three-letter prefix of an item code names its category, so a code alone tells a reader where
# an item belongs. Disease items (none yet) use DIS.
CATEGORY_PREFIX: dict[Category, str] = {
    Category.nutrients: "NUT",
    Category.exercise: "EXE",
    Category.skin_hair: "SKN",
    Category.eating_habits: "EAT",
    Category.personal_traits: "TRT",
    Category.health_management: "HLT",
    Category.ancestry: "ANC",
    Category.disease: "DIS",
}


class Tier(StrEnum):
    wellness = "wellness"
    disease_like = "disease_like"
    disease = "disease"


class EntryStatus(StrEnum):
    permitted = "permitted"
    temporary = "temporary"
    withdrawn = "withdrawn"


class CertifiedAccess(StrEnum):
    """Which certificate, if any, lets an institution test items beyond the open ones."""

    none = "none"  # no certification exists: only items open to every reported institution
    pilot_certified = "pilot_certified"  # the 2020-2022 pilot certification
    certified_own_items = "certified_own_items"  # Art. 49-2 certification, per institution and item


class MinorsPolicy(StrEnum):
    not_permitted = "not_permitted"
    permitted = "permitted"


class EntryFile(BaseModel):
    """One item as an edition lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: ItemCode
    name_ko: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    name_en: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    category: Category
    category_assigned: bool = Field(
        default=False, description="The category is the registry's assignment, not the regulator's."
    )
    tier: Tier
    status: EntryStatus
    temporary_until: dt.date | None = None
    open_to_reported: bool = Field(
        default=False,
        description="Every reported institution may test it, within the gene restriction.",
    )
    open_to_reported_until: dt.date | None = None
    restricted_genes: tuple[str, ...] = ()
    restricted_markers: tuple[str, ...] = ()
    minors: MinorsPolicy = MinorsPolicy.not_permitted
    confidence: Literal["C", "D", "U"] = Field(
        description="C confirmed by a cited source, D derived, U unconfirmed detail."
    )
    first_edition_confirmed: bool = Field(
        default=True,
        description="False when the public record names the item but not the edition that first listed it: "
        "it is listed from an edition it is known to be in, which may be later than its first.",
    )
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> EntryFile:
        if self.status is EntryStatus.temporary and self.temporary_until is None:
            raise ValueError("a temporary permission needs temporary_until")
        if self.status is not EntryStatus.temporary and self.temporary_until is not None:
            raise ValueError(f"temporary_until is only for status 'temporary', not '{self.status}'")
        if self.open_to_reported_until is not None and not self.open_to_reported:
            raise ValueError("open_to_reported_until needs open_to_reported = true")
        if self.status is EntryStatus.withdrawn and self.open_to_reported:
            raise ValueError("a withdrawn item cannot be open to reported institutions")
        if self.open_to_reported and not (self.restricted_genes or self.restricted_markers):
            raise ValueError("an item open to every reported institution needs its gene restriction")
        prefix = CATEGORY_PREFIX[self.category]
        if not self.code.startswith(prefix + "-"):
            raise ValueError(f"code {self.code} does not carry the prefix {prefix}- of category {self.category}")
        return self


class EditionFile(BaseModel):
    """One edition of the permitted list, as reviewed in rules/catalog/<version>.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[str, StringConstraints(pattern=VERSION_PATTERN)]
    title_ko: Annotated[str, StringConstraints(min_length=1)]
    title_en: Annotated[str, StringConstraints(min_length=1)]
    legal_basis_ko: Annotated[str, StringConstraints(min_length=1)]
    legal_basis_en: Annotated[str, StringConstraints(min_length=1)]
    announced_on: dt.date | None = Field(default=None, description="Empty when not in the public record.")
    effective_from: dt.date
    effective_from_note: str = ""
    announced_total: int | None = Field(default=None, ge=0, le=MAX_ID, description="Empty when never announced.")
    announced_total_qualifier: Literal["exact", "up_to"] = "exact"
    certified_access: CertifiedAccess
    who_may_test_ko: Annotated[str, StringConstraints(min_length=1)]
    who_may_test_en: Annotated[str, StringConstraints(min_length=1)]
    minors_basis_ko: str = ""
    minors_basis_en: str = ""
    sources: tuple[str, ...] = ()
    notes: str = ""
    items: tuple[EntryFile, ...] = ()

    @classmethod
    def of_draft(cls, content: dict) -> EditionFile:
        """A draft's content read as an edition (to preview its effect): texts a draft has not stated yet
        read as a dash; publication refuses the draft until it states them."""
        texts = ("title_ko", "title_en", "legal_basis_ko", "legal_basis_en")
        return cls.model_validate({**content, **{k: content.get(k) or "-" for k in texts}})

    def content_hash(self) -> str:
        """A stable digest of the edition's content: import uses it to tell 'unchanged' from 'edited'."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


# --- the catalogue as the registry reasons about it -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edition:
    """A published edition with its entries; effective_until follows from the next edition."""

    content: EditionFile
    effective_until: dt.date | None
    published_at: dt.datetime | None = None
    by_code: dict[str, EntryFile] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_code.update({e.code: e for e in self.content.items})

    @property
    def version(self) -> str:
        return self.content.version

    @property
    def effective_from(self) -> dt.date:
        return self.content.effective_from

    def entry(self, code: str) -> EntryFile | None:
        return self.by_code.get(code)

    def entries_by_code(self) -> dict[str, EntryFile]:
        return self.by_code

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)

    def listed(self) -> list[EntryFile]:
        """The items it names as permitted or temporary: what a provider may apply for under it."""
        return [e for e in self.content.items if e.status is not EntryStatus.withdrawn]

    def counts(self) -> dict[str, int]:
        """Items known by name (permitted or temporary), withdrawn, and temporary."""
        listed = self.listed()
        return {
            "items_known": len(listed),
            "items_temporary": sum(1 for e in listed if e.status is EntryStatus.temporary),
            "items_withdrawn": len(self.content.items) - len(listed),
        }

    def counts_by_category(self) -> dict[Category, int]:
        """Items listed (permitted or temporary) per category, every category present (zero when none)."""
        counts = dict.fromkeys(Category, 0)
        for e in self.content.items:
            if e.status is not EntryStatus.withdrawn:
                counts[e.category] += 1
        return counts

    def items_unnamed(self) -> int | None:
        """How many items of the announced total were never named in public (None if no total)."""
        total = self.content.announced_total
        if total is None:
            return None
        return max(total - self.counts()["items_known"], 0)


@dataclass(frozen=True, slots=True)
class CertifiedItem:
    """A new item certified to an institution by the approval of its proposal (Art. 49-2(2)): from the
    day of approval it is part of the union of certified items, whether or not an edition names it yet."""

    entry: EntryFile
    approved_on: dt.date
    application: str

    @property
    def code(self) -> str:
        return self.entry.code


class Catalogue:
    """All published editions in order of effect, and the new items certified to institutions; the one
    place that answers 'which edition, when' and 'is this item within the permitted scope on a day'.

    Until 2022-12-29 the published notices were the gate: an item is permitted only when the edition in
    force lists it. From 2022-12-30 (editions whose `certified_access` is `certified_own_items`) a
    laboratory's scope is its own certified items: an item certified to some institution on a day is not
    gated by the editions (which record the announced union), and the certificate of each laboratory
    decides. An item an edition withdrew stays withdrawn.
    """

    def __init__(
        self,
        editions: Iterable[EditionFile],
        published_at: dict[str, dt.datetime] | None = None,
        certified: Iterable[CertifiedItem] = (),
    ):
        ordered = sorted(editions, key=lambda e: e.effective_from)
        published_at = published_at or {}
        self.editions: tuple[Edition, ...] = tuple(
            Edition(
                content=e,
                effective_until=(ordered[i + 1].effective_from - ONE_DAY) if i + 1 < len(ordered) else None,
                published_at=published_at.get(e.version),
            )
            for i, e in enumerate(ordered)
        )
        self._by_version = {e.version: e for e in self.editions}
        self._listed_codes = frozenset(e.code for edition in self.editions for e in edition.content.items)
        firsts: dict[str, CertifiedItem] = {}
        for item in sorted(certified, key=lambda c: (c.approved_on, c.application)):
            firsts.setdefault(item.code, item)
        self.certified: tuple[CertifiedItem, ...] = tuple(firsts.values())
        self._certified = firsts
        self._known_codes = self._listed_codes | firsts.keys()
        self._index: ItemIndex | None = None

    def search_index(self) -> ItemIndex:
        """The search keys of every known item, built on first use (the catalogue itself is cached)."""
        if self._index is None:
            self._index = ItemIndex(self)
        return self._index

    def __len__(self) -> int:
        return len(self.editions)

    def get(self, version: str) -> Edition | None:
        return self._by_version.get(version)

    def first(self) -> Edition | None:
        return self.editions[0] if self.editions else None

    def in_force(self, day: dt.date) -> Edition | None:
        """The edition in force on `day`, or None before the first edition took effect."""
        found = None
        for edition in self.editions:
            if edition.effective_from <= day:
                found = edition
            else:
                break
        return found

    def newest_first(self) -> list[Edition]:
        return list(reversed(self.editions))

    def item_history(self, code: str) -> list[tuple[Edition, EntryFile | None]]:
        """Every edition from the item's first appearance on, with its entry (None once dropped)."""
        history: list[tuple[Edition, EntryFile | None]] = []
        for edition in self.editions:
            entry = edition.entry(code)
            if entry is not None or history:
                history.append((edition, entry))
        return history

    def known_codes(self, day: dt.date | None = None) -> frozenset[str]:
        """Every code an edition lists or an institution was certified for (on `day`, when given: items
        certified only from a later day are left out)."""
        if day is None:
            return self._known_codes
        return self._listed_codes | {c for c, item in self._certified.items() if item.approved_on <= day}

    def certified_item(self, code: str) -> CertifiedItem | None:
        """The first certification of a new item to an institution, if it was certified that way."""
        return self._certified.get(code)

    def certified_on(self, day: dt.date) -> list[CertifiedItem]:
        """The new items certified to institutions on or before `day`, in order of code."""
        return sorted((c for c in self.certified if c.approved_on <= day), key=lambda c: c.code)

    def per_institution(self, day: dt.date) -> bool:
        """Whether on `day` a laboratory's scope is its own certified items (from 2022-12-30)."""
        in_force = self.in_force(day)
        return in_force is not None and in_force.content.certified_access is CertifiedAccess.certified_own_items

    def entry_on(self, code: str, day: dt.date) -> EntryFile | None:
        """How the item reads on `day`: as the edition in force lists it, else as it was certified."""
        in_force = self.in_force(day)
        entry = in_force.entry(code) if in_force else None
        if entry is not None:
            return entry
        certified = self._certified.get(code)
        return certified.entry if certified is not None and certified.approved_on <= day else None

    def last_reading(self, code: str, day: dt.date) -> EntryFile | None:
        """How the item reads on `day`, else (not yet or no longer listed) as it last read: the newest
        listing of any edition, else as it was certified. None for a code the catalogue does not know."""
        entry = self.entry_on(code, day)
        if entry is not None:
            return entry
        listed = next((e for _, e in reversed(self.item_history(code)) if e is not None), None)
        certified = self._certified.get(code)
        return listed or (certified.entry if certified else None)

    def permission_finding(self, code: str, day: dt.date) -> Finding | None:
        """Whether the permitted scope allows `code` on `day` (steps 1-2 of judging an item, README "Panel checks"):
        None when it does, else the finding that says why not. See the class for the two regimes."""
        certified = self._certified.get(code)
        certified_by_day = certified is not None and certified.approved_on <= day
        if code not in self._listed_codes and not certified_by_day:
            return finding("UNKNOWN_ITEM", code)
        in_force = self.in_force(day)
        entry = in_force.entry(code) if in_force else None
        if entry is None or entry.status is EntryStatus.withdrawn:
            last_listing = next(
                (e for e in reversed(self.editions) if e.effective_from <= day and e.entry(code) is not None), None
            )
            if last_listing is not None and last_listing.by_code[code].status is EntryStatus.withdrawn:
                return finding("ITEM_WITHDRAWN", code, withdrawn_in=last_listing.version)
            if certified_by_day and self.per_institution(day):
                return None  # certified to an institution: each laboratory's certificate decides
            later = next(
                (
                    e
                    for e in self.editions
                    if e.effective_from > day
                    and code in e.by_code
                    and e.by_code[code].status is not EntryStatus.withdrawn
                ),
                None,
            )
            return finding(
                "ITEM_NOT_YET_PERMITTED",
                code,
                as_of=day,
                edition=in_force.version if in_force else "none",
                first_listed=later.effective_from if later else "?",
            )
        if entry.status is EntryStatus.temporary and entry.temporary_until is not None and day > entry.temporary_until:
            return finding("TEMPORARY_PERMISSION_EXPIRED", code, until=entry.temporary_until)
        return None


@dataclass(frozen=True, slots=True)
class ItemFound:
    """An item as a search answers it on a day: how it reads then (or, not yet or no longer listed, as it
    last read), the edition that first listed it, and its status that day:

    - `permitted`, `temporary`, `withdrawn`: as the edition in force lists it;
    - `temporary_expired`: listed as temporary, past its `temporary_until`;
    - `certified_to_institution`: no edition in force lists it, but an institution was certified for it
      on or before the day (each laboratory's certificate decides);
    - `not_yet_listed`: known to the registry, first listed or certified after the day;
    - `no_longer_listed`: dropped by an edition after it was withdrawn.
    """

    entry: EntryFile
    first_edition: str | None
    first_certified_on: dt.date | None
    status: str


class ItemIndex:
    """The search keys of every item the catalogue knows: its code and every name any edition or
    certification gave it (names change: 탈모 became 남성형 탈모), folded by `kernel.text.search_key`."""

    def __init__(self, catalogue: Catalogue):
        names: dict[str, set[str]] = {}
        for edition in catalogue.editions:
            for e in edition.content.items:
                names.setdefault(e.code, set()).update((e.code, e.name_ko, e.name_en))
        for item in catalogue.certified:
            names.setdefault(item.code, set()).update((item.code, item.entry.name_ko, item.entry.name_en))
        self.keys: dict[str, tuple[str, ...]] = {
            code: tuple(sorted({search_key(n) for n in texts} - {""})) for code, texts in sorted(names.items())
        }

    def find(self, query: str) -> list[str]:
        """Codes whose code or one of whose names contains the folded query, in order of code."""
        needle = search_key(query)
        if not needle:
            return list(self.keys)
        return [code for code, keys in self.keys.items() if any(needle in k for k in keys)]

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Codes close to something typed that is not a code: close spellings of the code first, then
        items whose names contain it."""
        folded = search_key(text)
        by_key = {search_key(code): code for code in self.keys}
        close = [by_key[k] for k in difflib.get_close_matches(folded, list(by_key), n=limit, cutoff=0.6)]
        named = [c for c in self.find(text) if c not in close] if folded else []
        return (close + named)[:limit]


def item_status(catalogue: Catalogue, code: str, day: dt.date) -> str:
    """The status of a known item on `day` (see `ItemFound`)."""
    in_force = catalogue.in_force(day)
    entry = in_force.entry(code) if in_force else None
    if entry is not None:
        if entry.status is EntryStatus.temporary and entry.temporary_until and day > entry.temporary_until:
            return "temporary_expired"
        return entry.status.value
    certified = catalogue.certified_item(code)
    if certified is not None and certified.approved_on <= day:
        return "certified_to_institution"
    if any(e.effective_from <= day and e.entry(code) is not None for e in catalogue.editions):
        return "no_longer_listed"
    return "not_yet_listed"


def find_items(catalogue: Catalogue, query: str, day: dt.date) -> list[ItemFound]:
    """Items whose code or any name contains `query` (folded: case, width, spacing and Hangul
    composition do not matter), each as it reads on `day`, in order of code."""
    found = []
    for code in catalogue.search_index().find(query):
        history = catalogue.item_history(code)
        certified = catalogue.certified_item(code)
        entry = catalogue.last_reading(code, day)
        if entry is None:  # unreachable: every indexed code is listed or certified
            continue
        found.append(
            ItemFound(
                entry=entry,
                first_edition=history[0][0].version if history else None,
                first_certified_on=certified.approved_on if certified else None,
                status=item_status(catalogue, code, day),
            )
        )
    return found


# --- differences between two editions ----------------------------------------------------------------

# Fields compared for "changed"; status changes between listed states (permitted <-> temporary) count too.
DIFF_FIELDS: tuple[str, ...] = (
    "name_ko",
    "name_en",
    "category",
    "category_assigned",
    "tier",
    "status",
    "temporary_until",
    "open_to_reported",
    "open_to_reported_until",
    "restricted_genes",
    "restricted_markers",
    "minors",
)


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: object
    after: object


@dataclass(frozen=True, slots=True)
class ItemChange:
    code: str
    entry: EntryFile
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class EditionDiff:
    source: Edition
    target: Edition
    added: tuple[EntryFile, ...]
    withdrawn: tuple[EntryFile, ...]
    changed: tuple[ItemChange, ...]


def entry_changes(old: EntryFile, new: EntryFile) -> tuple[FieldChange, ...]:
    """The compared fields that differ between two listings of one item."""
    return tuple(
        FieldChange(f, getattr(old, f), getattr(new, f)) for f in DIFF_FIELDS if getattr(old, f) != getattr(new, f)
    )


def _listed(edition: Edition) -> dict[str, EntryFile]:
    return {e.code: e for e in edition.content.items if e.status is not EntryStatus.withdrawn}


def diff_editions(source: Edition, target: Edition) -> EditionDiff:
    """What a reader of `source` must learn to read `target`: items added, withdrawn, changed.

    An item listed in `source` and absent from `target` counts as withdrawn: editions may drop an item
    once an earlier edition has marked it withdrawn, so between distant editions absence means that.
    """
    before, after = _listed(source), _listed(target)
    target_entries = target.entries_by_code()
    source_entries = source.entries_by_code()
    added = tuple(after[c] for c in sorted(after.keys() - before.keys()))
    withdrawn = tuple(target_entries.get(c) or source_entries[c] for c in sorted(before.keys() - after.keys()))
    changed = []
    for code in sorted(before.keys() & after.keys()):
        changes = entry_changes(before[code], after[code])
        if changes:
            changed.append(ItemChange(code, after[code], changes))
    return EditionDiff(source, target, added, withdrawn, tuple(changed))


# --- validation of the reviewed files ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogueProblem:
    """One thing wrong with the reviewed files: which file, which item or key, and why."""

    file: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.reason}"


def check_edition(name: str, edition: EditionFile) -> list[CatalogueProblem]:
    """Rules inside one edition that the schema alone cannot say."""
    problems: list[CatalogueProblem] = []
    seen: set[str] = set()
    for entry in edition.items:
        if entry.code in seen:
            problems.append(CatalogueProblem(name, entry.code, "item code listed twice in one edition"))
        seen.add(entry.code)
        for key in ("temporary_until", "open_to_reported_until"):
            until = getattr(entry, key)
            if until is not None and until < edition.effective_from:
                problems.append(
                    CatalogueProblem(name, f"{entry.code}.{key}", f"{until} is before the edition's effective_from")
                )
        for gene in entry.restricted_genes:
            if not is_gene_symbol(gene):
                problems.append(
                    CatalogueProblem(name, f"{entry.code}.restricted_genes", f"'{gene}' is not a gene symbol")
                )
        for marker in entry.restricted_markers:
            if not RSID.match(marker):
                problems.append(
                    CatalogueProblem(name, f"{entry.code}.restricted_markers", f"'{marker}' is not an rsID")
                )
    stem = name.rsplit("/", 1)[-1].removesuffix(".toml")
    if stem != edition.version:
        problems.append(CatalogueProblem(name, "version", f"'{edition.version}' does not match the file name"))
    if edition.announced_on is not None and edition.announced_on > edition.effective_from + dt.timedelta(days=366):
        problems.append(CatalogueProblem(name, "announced_on", "more than a year after effective_from"))
    known = sum(1 for e in edition.items if e.status is not EntryStatus.withdrawn)
    if edition.announced_total is not None and known > edition.announced_total:
        problems.append(
            CatalogueProblem(
                name,
                "announced_total",
                f"{known} items are listed by name but the announced total is {edition.announced_total}",
            )
        )
    return problems


def check_sequence(named: Sequence[tuple[str, EditionFile]]) -> list[CatalogueProblem]:
    """Rules across editions: unique versions and dates, and no item disappearing silently."""
    problems: list[CatalogueProblem] = []
    by_version: dict[str, str] = {}
    by_date: dict[dt.date, str] = {}
    for name, edition in named:
        if edition.version in by_version:
            problems.append(
                CatalogueProblem(name, "version", f"'{edition.version}' is also used by {by_version[edition.version]}")
            )
        by_version.setdefault(edition.version, name)
        if edition.effective_from in by_date:
            problems.append(
                CatalogueProblem(
                    name,
                    "effective_from",
                    f"{edition.effective_from} is also used by {by_date[edition.effective_from]}",
                )
            )
        by_date.setdefault(edition.effective_from, name)

    ordered = sorted(named, key=lambda pair: pair[1].effective_from)
    for (prev_name, prev), (name, current) in pairwise(ordered):
        current_codes = {e.code for e in current.items}
        for entry in prev.items:
            if entry.status is not EntryStatus.withdrawn and entry.code not in current_codes:
                problems.append(
                    CatalogueProblem(
                        name,
                        entry.code,
                        f"listed in {prev_name} but missing here; an item leaves the list only by being marked "
                        "withdrawn",
                    )
                )
    ever_seen_before: set[str] = set()
    for name, edition in ordered:
        for entry in edition.items:
            if entry.status is EntryStatus.withdrawn and entry.code not in ever_seen_before:
                problems.append(CatalogueProblem(name, entry.code, "withdrawn, but no earlier edition lists it"))
        ever_seen_before |= {e.code for e in edition.items}
    return problems


# HGNC-style symbols as the notices write them: upper-case letters and digits; a hyphen inside one
# symbol (HLA-DQB1, NKX2-1) or between the genes of a locus the notice writes as one (CYP1A1-CYP1A2), a
# slash in a locus such as CDKN2A/B (which names which genes: rules/genes.toml). The one lower-case part
# HGNC uses is "orf" after a chromosome in open-reading-frame symbols (C1orf112, CXorf38). rsIDs for
# single markers.
_PART = r"(?:[A-Z0-9]*[0-9XY]orf[0-9]+[A-Z0-9]*|[A-Z0-9]+)"
GENE_SYMBOL = re.compile(rf"^[A-Z](?:[A-Z0-9]*[0-9XY]orf[0-9]+)?[A-Z0-9]*(?:[-/]{_PART})*$")
RSID = re.compile(r"^rs[1-9][0-9]*$")


def is_gene_symbol(value: str) -> bool:
    return bool(GENE_SYMBOL.match(value))
