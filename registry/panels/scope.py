"""A provider's permitted scope on one day, compiled from the engine's rule tables (`RulesAtDates`) into
dictionaries, and the check of one panel against it.

Everything a check answers that depends only on the catalogue or on the provider's certificates and
validations on that day is read from the same tables the engine joins (so the domain's answers stay in
their one place): per item code its permission finding, whether it is open to every reported institution,
the names its gene restriction admits, its minors policy and tier; the certificate in force, its
standing and items; the items a validation covers. A single panel is then judged row by row with
dictionary lookups under the same per-row rules, step order and finding texts as the engine's column
expressions, so that a single check costs microseconds instead of the engine's fixed cost. The property
test (tests/panels/test_scope.py) keeps proving both give the same answer.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from registry.kernel.findings import finding
from registry.panels.engine import STEP_ORDER, SYMBOL_PATTERN, RulesAtDates
from registry.panels.model import CertificateRef, CheckOut, FindingOut, PanelItem, prohibited_phrases

# fullmatch: `$` may not match before a trailing newline (as in the engine's regex dialect).
_SYMBOL = re.compile(SYMBOL_PATTERN)
# The certificate's standing, where it is not active, names why an item outside the open mode is refused.
STANDING_FINDINGS = {
    "suspended": "CERTIFICATE_SUSPENDED",
    "revoked": "CERTIFICATE_REVOKED",
    "expired": "CERTIFICATE_EXPIRED",
}
# Findings an item certified to the laboratory itself overrides from 2022-12-30 (Art. 49-2(2)).
OWN_ITEM_OVERRIDES = frozenset({"UNKNOWN_ITEM", "ITEM_NOT_YET_PERMITTED"})
CATALOGUE_PARAMS = ("edition", "first_listed", "withdrawn_in", "until")
CLAIMS_POSITION = 1_000_000  # the claims' findings follow every item's

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entry first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()  # rules are compiled in a worker thread

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return value

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class ItemScope:
    """What the catalogue says about one item on one day."""

    finding: str | None  # its permission finding, if any
    params: tuple[tuple[str, str], ...]  # the finding's edition, first_listed, withdrawn_in, until
    open: bool  # open to every reported institution (the 2016 notice's mode)
    allowed_genes: frozenset[str]
    allowed_markers: frozenset[str]
    minors_ok: bool
    disease: bool


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity: a key of rendered findings
class Scope:
    """A provider's permitted scope on one day (or, with no provider, the catalogue's alone)."""

    provider_id: int | None
    day: dt.date
    catalog_version: str | None
    per_institution: bool
    items: Mapping[str, ItemScope]
    standing: str | None
    certificate: str | None
    since: dt.date | None
    valid_until: dt.date | None
    ground: int | None
    certified: frozenset[str]
    validated: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Certification:
    start: dt.date
    standing: str
    certificate: str
    since: dt.date | None
    valid_until: dt.date | None
    ground: int | None
    certified: frozenset[str]


class CompiledRules:
    """One `RulesAtDates` read into sorted lists per key (once), and the scopes asked of it (bounded)."""

    def __init__(self, rules: RulesAtDates, *, scopes: int = 4096, days: int = 64, providers: int = 4096) -> None:
        self.rules = rules
        self._items: dict[str, tuple[list[dt.date], list[ItemScope]]] = {}
        catalogue = rules.catalogue.sort(["code", "start"], maintain_order=True)
        columns = [
            catalogue[c].to_list() for c in ("code", "start", "cat_code", *(f"cat_{k}" for k in CATALOGUE_PARAMS))
        ]
        flags = [catalogue[c].to_list() for c in ("open", "allowed_genes", "allowed_markers", "minors_ok", "disease")]
        for (code, start, permission, *params), (open_, genes, markers, minors_ok, disease) in zip(
            zip(*columns, strict=True), zip(*flags, strict=True), strict=True
        ):
            answer = ItemScope(
                permission,
                tuple((k, v) for k, v in zip(CATALOGUE_PARAMS, params, strict=True) if v is not None),
                bool(open_),
                frozenset(genes or ()),
                frozenset(markers or ()),
                bool(minors_ok),
                bool(disease),
            )
            starts, answers = self._items.setdefault(code, ([], []))
            starts.append(start)
            answers.append(answer)
        # Sorted by their key, as columns, so that one provider's rows are a slice found by binary search.
        self._certificates = _columns(
            rules.certificates.sort(["provider_id", "start"]),
            "provider_id", "start", "segment", "standing", "certificate", "since", "valid_until", "ground",
        )  # fmt: skip
        self._certified = _columns(rules.certified.sort("segment"), "segment", "code")
        self._validations = _columns(
            rules.validations.sort(["provider_id", "code", "val_start"]),
            "provider_id",
            "code",
            "val_start",
            "validated",
        )
        editions = rules.editions.sort("start", maintain_order=True)
        self._edition_starts = editions["start"].to_list()
        self._editions = list(
            zip(editions["catalog_version"].to_list(), editions["per_institution"].to_list(), strict=True)
        )
        self._days: Lru[dt.date, dict[str, ItemScope]] = Lru(days)
        self._providers: Lru[int, tuple] = Lru(providers)
        self._scopes: Lru[tuple[int | None, dt.date], Scope] = Lru(scopes)

    def scope(self, provider_id: int | None, day: dt.date) -> Scope:
        key = (provider_id, day)
        found = self._scopes.get(key)
        if found is not None:
            return found
        at = bisect.bisect_right(self._edition_starts, day) - 1
        version, per_institution = self._editions[at] if at >= 0 else (None, False)
        certification, validated = self._certification(provider_id, day)
        return self._scopes.put(
            key,
            Scope(
                provider_id,
                day,
                version,
                bool(per_institution),
                self._catalogue_on(day),
                certification.standing if certification else None,
                certification.certificate if certification else None,
                certification.since if certification else None,
                certification.valid_until if certification else None,
                certification.ground if certification else None,
                certification.certified if certification else frozenset(),
                validated,
            ),
        )

    def _catalogue_on(self, day: dt.date) -> dict[str, ItemScope]:
        found = self._days.get(day)
        if found is None:
            found = {}
            for code, (starts, answers) in self._items.items():
                at = bisect.bisect_right(starts, day) - 1
                if at >= 0:
                    found[code] = answers[at]
            self._days.put(day, found)
        return found

    def _certification(self, provider_id: int | None, day: dt.date) -> tuple[_Certification | None, frozenset[str]]:
        if provider_id is None:
            return None, frozenset()
        index = self._providers.get(provider_id)
        if index is None:
            index = self._providers.put(provider_id, self._provider_index(provider_id))
        starts, certifications, validations = index
        at = bisect.bisect_right(starts, day) - 1
        validated = frozenset(
            code for code, (days, covered) in validations.items() if covered[bisect.bisect_right(days, day) - 1]
        )
        return (certifications[at] if at >= 0 else None), validated

    def _provider_index(self, provider_id: int) -> tuple:
        certifications = []
        for _, start, segment, standing, certificate, since, valid_until, ground in _slice(
            self._certificates, provider_id
        ):
            codes = frozenset(code for _, code in _slice(self._certified, segment))
            certifications.append(_Certification(start, standing, certificate, since, valid_until, ground, codes))
        validations: dict[str, tuple[list[dt.date], list[bool]]] = {}
        for _, code, start, covered in _slice(self._validations, provider_id):
            days, answers = validations.setdefault(code, ([], []))
            days.append(start)
            answers.append(bool(covered))
        return [c.start for c in certifications], certifications, validations


def _columns(frame, *names: str) -> tuple[list, list[tuple]]:
    """A frame sorted by its first column, as that column and its rows (Python values)."""
    return frame[names[0]].to_list(), frame.select(names).rows()


def _slice(table: tuple[list, list[tuple]], key: object) -> list[tuple]:
    """The rows of a `_columns` table whose first column is `key`."""
    keys, rows = table
    return rows[bisect.bisect_left(keys, key) : bisect.bisect_right(keys, key)]


_compiled: Lru[int, CompiledRules] = Lru(4)  # one per database the process serves, and the one before


def compiled(rules: RulesAtDates) -> CompiledRules:
    """The compiled form of `rules` (one per rules object: new rules, new scopes)."""
    found = _compiled.get(id(rules))
    if found is None or found.rules is not rules:  # the entry holds its rules, so an id is not reused
        found = _compiled.put(id(rules), CompiledRules(rules))
    return found


def scope_of(rules: RulesAtDates, provider_id: int | None, day: dt.date) -> Scope:
    """A provider's scope on a day under `rules`, cached per (rules, provider, day)."""
    return compiled(rules).scope(provider_id, day)


# --- one panel ------------------------------------------------------------------------------------------


def well_formed(symbol: str) -> bool:
    return _SYMBOL.fullmatch(symbol) is not None


def _symbol_findings(item: PanelItem, answer: ItemScope | None, open_mode: bool) -> list[tuple[str, str, str]]:
    """(code, placeholder, symbol) for MALFORMED_MARKER and GENE_NOT_PERMITTED (one per symbol) and
    GENES_NOT_NAMED (one per row), as the engine's `_symbol_findings` decides them."""
    out: list[tuple[str, str, str]] = []
    symbols = [*((s, True) for s in item.genes), *((s, False) for s in item.markers)]
    formed: list[tuple[str, bool]] = []
    malformed: set[str] = set()
    for symbol, from_genes in symbols:
        if well_formed(symbol):
            formed.append((symbol, from_genes))
        elif symbol not in malformed:
            malformed.add(symbol)
            out.append(("MALFORMED_MARKER", "marker", symbol))
    if not open_mode or answer is None:
        return out
    # In open mode each gene must be one the notice lists; an rsID must be a listed marker unless the row
    # also names a listed gene (the rsID is then read as a variant of that gene: see rules/README.md).
    genes, markers = answer.allowed_genes, answer.allowed_markers
    names_listed_gene = any(from_genes and s in genes for s, from_genes in formed)
    outside: set[str] = set()
    naming = False
    for symbol, _ in formed:
        if symbol.startswith("rs"):
            naming = naming or symbol in markers
            refused = not names_listed_gene and symbol not in markers
        else:
            naming = True
            refused = symbol not in genes
        if refused and symbol not in outside:
            outside.add(symbol)
            out.append(("GENE_NOT_PERMITTED", "gene", symbol))
    if not naming:
        out.append(("GENES_NOT_NAMED", "", ""))
    return out


# A finding's texts depend only on its scope, code, item and the symbol or phrase it names: rendered once.
_rendered: Lru[tuple, tuple[str, ...]] = Lru(16384)


def _render(scope: Scope, code: str, item: str | None, name: str, detail: str) -> tuple[str, ...]:
    key = (scope, code, item, detail)
    found = _rendered.get(key)
    if found is None:
        params: dict[str, object] = {"as_of": scope.day.isoformat()}
        if item is not None:
            params.update(
                certificate=scope.certificate, since=scope.since, valid_until=scope.valid_until, ground=scope.ground
            )
            answer = scope.items.get(item)
            if answer is not None:
                params.update(answer.params)
        if name:
            params[name] = detail
        f = finding(code, item, on=scope.day, **{k: v for k, v in params.items() if v is not None})
        found = _rendered.put(key, (f.severity.value, f.message_ko, f.message_en, f.basis_ko, f.basis_en))
    return found


def check_one(scope: Scope, items: Sequence[PanelItem], *, target: str = "adult", claims: str = "") -> CheckOut:
    """One panel judged against a scope: the engine's answer (verdict, findings in its order, texts and
    bases), from dictionary lookups."""
    active = scope.standing == "active"
    found: list[tuple[tuple, str, str | None, str, str]] = []  # (sort key, code, item, placeholder, value)

    def add(position: int, code: str, item: str | None, name: str = "", detail: str = "") -> None:
        gene, marker, phrase = (detail if name == n else "" for n in ("gene", "marker", "phrase"))
        key = (position, STEP_ORDER.get(code, 9), code, gene == "", gene, marker == "", marker, phrase == "", phrase)
        found.append((key, code, item, name, detail))

    seen: set[str] = set()
    repeated: set[str] = set()
    for position, item in enumerate(items):
        code = item.code
        answer = scope.items.get(code)
        certified = code in scope.certified
        catalogue_code = "UNKNOWN_ITEM" if answer is None else answer.finding
        if scope.per_institution and active and certified and catalogue_code in OWN_ITEM_OVERRIDES:
            catalogue_code = None
        allowed = catalogue_code is None and active and certified
        open_mode = catalogue_code is None and not allowed and answer is not None and answer.open
        if catalogue_code is not None:
            add(position, catalogue_code, code)
        elif not (allowed or open_mode):
            add(position, STANDING_FINDINGS.get(scope.standing or "", "ITEM_NOT_CERTIFIED")
                if scope.standing is not None else "PROVIDER_NOT_CERTIFIED", code)  # fmt: skip
        for finding_code, placeholder, symbol in _symbol_findings(item, answer, open_mode):
            add(position, finding_code, code, placeholder, symbol)
        known = answer is not None and catalogue_code != "UNKNOWN_ITEM"
        if known and target == "minor" and not answer.minors_ok:
            add(position, "MINORS_NOT_PERMITTED", code)
        if known and answer.disease and code not in scope.validated:
            add(position, "VALIDATION_REQUIRED", code)
        if code in seen and code not in repeated:  # one finding per repeated code, at its first repetition
            repeated.add(code)
            add(position, "DUPLICATE_ITEM", code)
        seen.add(code)
    for phrase in prohibited_phrases(claims):
        add(CLAIMS_POSITION, "PROHIBITED_CLAIM", None, "phrase", phrase)
    found.sort(key=lambda f: f[0])
    findings = []
    blocked = False
    for _, code, item, name, detail in found:
        severity, message_ko, message_en, basis_ko, basis_en = _render(scope, code, item, name, detail)
        blocked = blocked or severity == "error"
        findings.append(FindingOut(item, code, severity, message_ko, message_en, basis_ko, basis_en))
    return CheckOut(
        verdict="not_permitted" if blocked else "permitted",
        as_of=scope.day.isoformat(),
        catalog_version=scope.catalog_version,
        provider_id=scope.provider_id,
        target=target,
        certificate=CertificateRef(scope.certificate, scope.standing) if scope.certificate else None,
        findings=findings,
    )
