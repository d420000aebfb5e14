"""The panel-check engine: one vectorised implementation (polars) of how panel items are judged
(README "Panel checks"), serving single checks, registered panels, batch files and impact analysis alike.

The rules that depend only on the catalogue or only on a provider's certificates are evaluated by their
one implementation in the domain (`Catalogue.permission_finding`, `standing_on`) at every date where
their answer can change. The engine asks them once per distinct key of the rows (provider, item,
date, target), joining those answers to the keys by date, renders each key's findings once, and hands
them to the rows by an integer join; the rules that read more of a row (gene restriction, marker form,
duplicates) and of a panel (claims) are column expressions over the rows. The names each gene entry
of the 2016 notice admits come from rules/genes.toml (`registry.panels.genes`), expanded once per
catalogue revision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import polars as pl

from registry.catalog.model import GENE_SYMBOL, RSID, Catalogue, EntryStatus, Tier
from registry.certification.model import CertificateRecord, in_force
from registry.certification.model.validations import ValidationRecord, coverage_changes
from registry.kernel.findings import attach_bases, finding_rules, render_messages, template_fields
from registry.panels.genes import gene_names

DAWN = dt.date(1, 1, 1)
ONE_DAY = dt.timedelta(days=1)

# A gene symbol or an rsID, as the catalogue defines each (one pattern, read from there).
SYMBOL_PATTERN = "^(?:" + GENE_SYMBOL.pattern.strip("^$") + "|" + RSID.pattern.strip("^$") + ")$"
STEP_ORDER = {
    "UNKNOWN_ITEM": 1,
    "ITEM_NOT_YET_PERMITTED": 2,
    "ITEM_WITHDRAWN": 2,
    "TEMPORARY_PERMISSION_EXPIRED": 2,
    "PROVIDER_NOT_CERTIFIED": 3,
    "CERTIFICATE_SUSPENDED": 3,
    "CERTIFICATE_REVOKED": 3,
    "CERTIFICATE_EXPIRED": 3,
    "ITEM_NOT_CERTIFIED": 3,
    "GENE_NOT_PERMITTED": 3,
    "GENES_NOT_NAMED": 3,
    "MALFORMED_MARKER": 4,
    "MINORS_NOT_PERMITTED": 5,
    "VALIDATION_REQUIRED": 6,
    "DUPLICATE_ITEM": 7,
    "PROHIBITED_CLAIM": 8,
}
PARAMS = template_fields()

# The columns of panel rows the engine reads (one row per panel item).
ROW_SCHEMA = {
    "panel_id": pl.String,
    "position": pl.Int32,
    "provider_id": pl.Int64,
    "as_of": pl.Date,
    "target": pl.String,
    "code": pl.String,
    "genes": pl.List(pl.String),
    "markers": pl.List(pl.String),
}
PANEL_SCHEMA = {"panel_id": pl.String, "claims": pl.String}
FINDING_COLUMNS = ["panel_id", "item", "code", "severity", "message_ko", "message_en", "basis_ko", "basis_en"]


# --- what the rules say at each date (computed once per catalogue / certificate revision) ---------------


def catalogue_segments(catalogue: Catalogue) -> pl.DataFrame:
    """For each item, the dates from which the permitted scope's answer about it changes, and the
    answer: its permission finding (or none), whether it is open to every reported institution, the
    names a panel may give for the genes it is restricted to (rules/genes.toml), its markers, its minors
    policy and tier. An item certified to an institution (from 2022-12-30) answers from the day of its
    certification on."""
    names = gene_names()
    rows = []
    for code in sorted(catalogue.known_codes()):
        boundaries = {DAWN}
        for edition in catalogue.editions:
            boundaries.add(edition.effective_from)
            entry = edition.entry(code)
            if entry is not None:
                for until in (entry.temporary_until, entry.open_to_reported_until):
                    if until is not None:
                        boundaries.add(until + ONE_DAY)
        certified = catalogue.certified_item(code)
        if certified is not None:
            boundaries.add(certified.approved_on)
        for start in sorted(boundaries):
            found = catalogue.permission_finding(code, start)
            entry = catalogue.entry_on(code, start)
            listed = entry is not None and entry.status is not EntryStatus.withdrawn
            open_ = bool(
                listed
                and entry.open_to_reported
                and (entry.open_to_reported_until is None or start <= entry.open_to_reported_until)
            )
            params = dict(found.params) if found else {}
            rows.append(
                {
                    "code": code,
                    "start": start,
                    "cat_code": found.code if found else None,
                    **{f"cat_{k}": params.get(k) for k in ("edition", "first_listed", "withdrawn_in", "until")},
                    "open": open_,
                    "allowed_genes": sorted({a for g in entry.restricted_genes for a in names.admitted(g)})
                    if entry
                    else [],
                    "allowed_markers": list(entry.restricted_markers) if entry else [],
                    "minors_ok": bool(entry and entry.minors.value == "permitted"),
                    "disease": bool(entry and entry.tier is Tier.disease),
                }
            )
    schema = {
        "code": pl.String,
        "start": pl.Date,
        "cat_code": pl.String,
        **{f"cat_{k}": pl.String for k in ("edition", "first_listed", "withdrawn_in", "until")},
        "open": pl.Boolean,
        "allowed_genes": pl.List(pl.String),
        "allowed_markers": pl.List(pl.String),
        "minors_ok": pl.Boolean,
        "disease": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema).sort("start")


def edition_segments(catalogue: Catalogue) -> pl.DataFrame:
    """The edition in force from each date, and whether under it a laboratory's scope is its own
    certified items (from 2022-12-30)."""
    return pl.DataFrame(
        {
            "start": [e.effective_from for e in catalogue.editions],
            "catalog_version": [e.version for e in catalogue.editions],
            "per_institution": [catalogue.per_institution(e.effective_from) for e in catalogue.editions],
        },
        schema={"start": pl.Date, "catalog_version": pl.String, "per_institution": pl.Boolean},
    ).sort("start")


def certificate_segments(records: Iterable[CertificateRecord]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For each provider, the dates from which its certification changes: which certificate counts,
    its standing and since when; and the items certified in each such stretch."""
    by_provider: dict[int, list[CertificateRecord]] = {}
    for record in records:
        by_provider.setdefault(record.provider_id, []).append(record)
    segments, items = [], []
    segment_id = 0
    for provider_id, certificates in sorted(by_provider.items()):
        boundaries: set[dt.date] = set()
        for c in certificates:
            boundaries |= c.change_dates()
        for start in sorted(boundaries):
            found = in_force(certificates, start)
            if found is None:
                continue
            segment_id += 1
            segments.append(
                {
                    "provider_id": provider_id,
                    "start": start,
                    "segment": segment_id,
                    "standing": found.standing.standing.value,
                    "certificate": found.certificate.number,
                    "since": found.standing.since,
                    "valid_until": found.standing.valid_until,
                    "ground": found.standing.ground,
                }
            )
            items += [{"segment": segment_id, "code": code} for code in found.codes]
    seg = pl.DataFrame(
        segments,
        schema={
            "provider_id": pl.Int64,
            "start": pl.Date,
            "segment": pl.Int64,
            "standing": pl.String,
            "certificate": pl.String,
            "since": pl.Date,
            "valid_until": pl.Date,
            "ground": pl.Int8,
        },
    ).sort("start")
    certified = (
        pl.DataFrame(items, schema={"segment": pl.Int64, "code": pl.String})
        .unique()
        .with_columns(pl.lit(True).alias("certified"))
    )
    return seg, certified


def validation_segments(records: Iterable[ValidationRecord]) -> pl.DataFrame:
    """For each provider and item with a validation record, the dates from which whether a record covers
    it changes, and the answer (the domain's `covers`)."""
    return pl.DataFrame(
        coverage_changes(records),
        schema={"provider_id": pl.Int64, "code": pl.String, "val_start": pl.Date, "validated": pl.Boolean},
        orient="row",
    ).sort("val_start")


@dataclass(frozen=True)
class RulesAtDates:
    """Everything a check needs besides the panels, precomputed; immutable, shared between requests."""

    catalogue: pl.DataFrame
    editions: pl.DataFrame
    certificates: pl.DataFrame
    certified: pl.DataFrame
    validations: pl.DataFrame

    @classmethod
    def build(
        cls,
        catalogue: Catalogue,
        records: Iterable[CertificateRecord],
        validations: Iterable[ValidationRecord] = (),
    ) -> RulesAtDates:
        seg, certified = certificate_segments(records)
        return cls(
            catalogue_segments(catalogue), edition_segments(catalogue), seg, certified, validation_segments(validations)
        )


# --- the check ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    panels: pl.DataFrame  # panel_id, verdict, catalog_version, certificate, certificate_status
    findings: pl.DataFrame  # FINDING_COLUMNS, in a stable order


@cache
def _rules_table() -> pl.DataFrame:
    rules = finding_rules()
    return pl.DataFrame(
        {
            "code": list(rules),
            "severity": [r.severity.value for r in rules.values()],
            "step": [STEP_ORDER.get(c, 9) for c in rules],
        }
    )


def check(rows: pl.DataFrame, panels: pl.DataFrame, rules: RulesAtDates) -> CheckResult:
    """Judge every panel item row, and every panel's claims and duplicates.

    Rows alike in what the catalogue and the certificates are asked (provider, item, date, target) are
    judged once, as one key, and their findings rendered once; the rows take their key's findings by a
    join on an integer. Only genes and markers, duplicates and claims are looked at row by row."""
    rows = rows.select([pl.col(c).cast(t) for c, t in ROW_SCHEMA.items()]).with_row_index("row")
    rows = rows.with_columns(_alike(rows, KEY_COLUMNS).alias("key"))
    keys = _judge_keys(rows.select("key", *KEY_COLUMNS).filter(pl.col("key").is_first_distinct()), rules)
    key_findings = _rendered(_key_findings(keys))
    item_findings = rows.select("panel_id", "position", "key").join(key_findings, on="key", how="inner")
    firsts = _first_rows(rows)
    extra = pl.concat(
        [_symbol_findings(rows, keys), _duplicates(rows), _claims(panels, firsts)], how="diagonal_relaxed"
    )
    extra = extra.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in EXTRA_PARAMS if c not in extra.columns)
    # Each distinct message is rendered once (a duplicate or a malformed gene recurs across many panels).
    extra = extra.with_columns(_alike(extra, EXTRA_PARAMS).alias("message"))
    messages = _rendered(extra.filter(pl.col("message").is_first_distinct()).drop("panel_id", "position"))
    extra = extra.select("panel_id", "position", "message").join(messages, on="message", how="left")
    findings = pl.concat([item_findings, extra.drop("message")], how="diagonal_relaxed")
    # Order: by panel, items by position, steps in the order README "Panel checks" gives.
    findings = findings.sort(
        ["panel_id", "position", "step", "code", "gene", "marker", "phrase"], nulls_last=True
    ).select(FINDING_COLUMNS)
    blocked = findings.filter(pl.col("severity") == "error").select("panel_id").unique()
    first = (
        firsts.join(keys.select("key", "certificate", "standing"), on="key", how="left")
        .sort("as_of")
        .join_asof(rules.editions, left_on="as_of", right_on="start", strategy="backward")
    )
    result = (
        panels.select(pl.col("panel_id").cast(pl.String))
        .join(first, on="panel_id", how="left")
        .join(blocked.with_columns(pl.lit(True).alias("blocked")), on="panel_id", how="left")
        .select(
            "panel_id",
            pl.when(pl.col("blocked").fill_null(False))
            .then(pl.lit("not_permitted"))
            .otherwise(pl.lit("permitted"))
            .alias("verdict"),
            "as_of",
            "catalog_version",
            "certificate",
            pl.col("standing").alias("certificate_status"),
        )
    )
    return CheckResult(result, findings)


# What a finding found row by row (symbols, duplicates, claims) says depends on no more than these.
EXTRA_PARAMS = ["finding", "code", "as_of", "gene", "marker", "phrase"]

# What the date-dependent rules read of a row: rows alike in these are judged once.
KEY_COLUMNS = ["provider_id", "code", "as_of", "target"]


def _alike(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A number per row, equal for rows alike in `columns` and different otherwise: a hash of the columns
    (cheap: no string is compared), checked against the first row of each hash; should two different
    rows share a hash, the rows are numbered by an exact join instead."""
    mixed = pl.lit(0, dtype=pl.UInt64)
    for n, column in enumerate(columns):
        mixed = mixed ^ (pl.col(column).hash(n + 1) * (2 * n + 1))
    hashed = frame.select(mixed.alias("_same"), *columns)
    seen = hashed.filter(pl.col("_same").is_first_distinct())
    against = hashed.join(seen, on="_same", how="left", suffix="_first")
    if against.select(pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}_first")) for c in columns).all()).item():
        return hashed["_same"]
    exact = frame.select(columns).unique().with_row_index("_same").with_columns(pl.col("_same").cast(pl.UInt64))
    return frame.select(columns).join(exact, on=columns, how="left", nulls_equal=True, maintain_order="left")["_same"]


def _judge_keys(keys: pl.DataFrame, rules: RulesAtDates) -> pl.DataFrame:
    """Each key (provider, item, date, target) with the catalogue's and the certificates' answers about it."""
    keys = keys.sort("as_of")
    keys = keys.join_asof(
        rules.catalogue, left_on="as_of", right_on="start", by="code", strategy="backward", check_sortedness=False
    )
    keys = keys.join_asof(
        rules.editions.select("start", "per_institution").rename({"start": "edition_start"}),
        left_on="as_of",
        right_on="edition_start",
        strategy="backward",
        check_sortedness=False,
    )
    keys = keys.join_asof(
        rules.certificates.drop("start").with_columns(rules.certificates["start"].alias("cert_start")),
        left_on="as_of",
        right_on="cert_start",
        by="provider_id",
        strategy="backward",
        check_sortedness=False,
    )
    # A disease item's validation on record for this provider (none for a check without a provider).
    keys = keys.join_asof(
        rules.validations,
        left_on="as_of",
        right_on="val_start",
        by=["provider_id", "code"],
        strategy="backward",
        check_sortedness=False,
    )
    keys = keys.join(rules.certified, on=["segment", "code"], how="left").with_columns(
        pl.col("certified").fill_null(False),
        pl.col("validated").fill_null(False),
    )
    catalogue_code = pl.when(pl.col("open").is_null()).then(pl.lit("UNKNOWN_ITEM")).otherwise(pl.col("cat_code"))
    # From 2022-12-30 a laboratory's scope is its own certified items (Art. 49-2(2)): an item its active
    # certificate covers is not gated by the editions (the announced union) unless one withdrew it.
    own_item = pl.col("per_institution").fill_null(False) & (pl.col("standing") == "active") & pl.col("certified")
    catalogue_code = (
        pl.when(own_item & catalogue_code.is_in(["UNKNOWN_ITEM", "ITEM_NOT_YET_PERMITTED"]))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(catalogue_code)
    )
    keys = keys.with_columns(catalogue_code.alias("cat_code"))
    allowed = pl.col("cat_code").is_null() & (pl.col("standing") == "active") & pl.col("certified")
    open_mode = pl.col("cat_code").is_null() & ~allowed & pl.col("open")
    access_code = (
        pl.when(pl.col("cat_code").is_not_null() | allowed | open_mode)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("standing").is_null())
        .then(pl.lit("PROVIDER_NOT_CERTIFIED"))
        .when(pl.col("standing") == "suspended")
        .then(pl.lit("CERTIFICATE_SUSPENDED"))
        .when(pl.col("standing") == "revoked")
        .then(pl.lit("CERTIFICATE_REVOKED"))
        .when(pl.col("standing") == "expired")
        .then(pl.lit("CERTIFICATE_EXPIRED"))
        .otherwise(pl.lit("ITEM_NOT_CERTIFIED"))
    )
    known = pl.col("open").is_not_null() & (pl.col("cat_code").fill_null("") != "UNKNOWN_ITEM")
    return keys.with_columns(
        access_code.alias("access_code"), open_mode.fill_null(False).alias("open_mode"), known.alias("known")
    )


KEY_PARAMS = [
    "key",
    "code",
    "as_of",
    *[f"cat_{k}" for k in ("edition", "first_listed", "withdrawn_in", "until")],
    "certificate",
    "since",
    "valid_until",
    "ground",
]


def _key_findings(keys: pl.DataFrame) -> pl.DataFrame:
    """The findings a key's rows share: the catalogue's, the certificate's, minors and validation."""
    return pl.concat(
        [
            keys.filter(pl.col("cat_code").is_not_null()).select(*KEY_PARAMS, pl.col("cat_code").alias("finding")),
            keys.filter(pl.col("access_code").is_not_null()).select(
                *KEY_PARAMS, pl.col("access_code").alias("finding")
            ),
            keys.filter(pl.col("known") & (pl.col("target") == "minor") & ~pl.col("minors_ok")).select(
                *KEY_PARAMS, pl.lit("MINORS_NOT_PERMITTED").alias("finding")
            ),
            keys.filter(pl.col("known") & pl.col("disease") & ~pl.col("validated")).select(
                *KEY_PARAMS, pl.lit("VALIDATION_REQUIRED").alias("finding")
            ),
        ]
    )


def _rendered(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings (`finding`, the item as `code`, `as_of` and the message parameters) with their code,
    severity, step, messages and basis."""
    findings = attach_bases(findings, "as_of", code_column="finding")
    findings = findings.with_columns(
        pl.col("code").alias("item"),
        pl.col("finding").alias("code"),
        pl.col("as_of").cast(pl.String),
        *[
            pl.col(f"cat_{k}").alias(k)
            for k in ("edition", "first_listed", "withdrawn_in", "until")
            if f"cat_{k}" in findings.columns
        ],
        *[pl.col(c).cast(pl.String) for c in ("since", "ground") if c in findings.columns],
        pl.lit(None, dtype=pl.String).alias("count"),
    )
    for column in PARAMS:
        if column not in findings.columns:
            findings = findings.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    findings = render_messages(findings.join(_rules_table(), on="code", how="left", maintain_order="left"))
    kept = ["key", "message", "panel_id", "position", "step", "gene", "marker", "phrase", *FINDING_COLUMNS]
    return findings.select(c for c in dict.fromkeys(kept) if c in findings.columns)


def _first_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """Each panel's first row (its earliest date, then its first row): panel_id, as_of, key. Rows of a
    panel usually come together on one date: then each run of a panel id is a panel and its first row is
    the answer, found without hashing a panel id per row; otherwise they are grouped."""
    start = pl.col("panel_id") != pl.col("panel_id").shift(1)
    starts = rows.select("panel_id", "as_of", "key").filter(start.fill_null(True))
    moved = rows.select(((pl.col("as_of") != pl.col("as_of").shift(1)) & ~start).fill_null(False).any()).item()
    if not moved and starts["panel_id"].is_unique().all():
        return starts
    return (
        rows.select("panel_id", "as_of", "key")
        .sort("as_of", maintain_order=True)
        .unique("panel_id", keep="first", maintain_order=True)
    )


def _duplicates(rows: pl.DataFrame) -> pl.DataFrame:
    """DUPLICATE_ITEM: an item a panel names again (at its lowest position after the first). Rows are
    paired by a hash of (panel, item); every later row of a pair is then compared with its first exactly,
    and should two pairs share a hash, they are told apart by their strings."""
    pair = (pl.col("panel_id").hash(5) ^ (pl.col("code").hash(6) * 31)).alias("pair")
    paired = rows.select("panel_id", "position", "code", "as_of", pair)
    # Hashes seen twice, by sorting them (cheaper than a hash table of a million rows).
    ordered = paired["pair"].sort()
    twice = ordered.filter(ordered == ordered.shift(1)).unique()
    suspects = paired.filter(pl.col("pair").is_in(twice.implode())).sort("as_of", maintain_order=True)
    later = suspects.filter(~pl.col("pair").is_first_distinct())
    first = suspects.filter(pl.col("pair").is_first_distinct()).select("pair", "panel_id", "code")
    paired = later.join(first, on="pair", how="left", suffix="_first")
    if not paired.select(
        ((pl.col("panel_id") == pl.col("panel_id_first")) & (pl.col("code") == pl.col("code_first"))).all()
    ).item():
        later = suspects.filter(~pl.struct("panel_id", "code").is_first_distinct())
    return (
        later.sort("position")
        .unique(["panel_id", "code"], keep="first")
        .select("panel_id", "position", "code", "as_of", pl.lit("DUPLICATE_ITEM").alias("finding"))
    )


def _claims(panels: pl.DataFrame, firsts: pl.DataFrame) -> pl.DataFrame:
    """PROHIBITED_CLAIM, once per panel and phrase."""
    return (
        panels.select(pl.col("panel_id").cast(pl.String), pl.col("claims").cast(pl.String).fill_null(""))
        .filter(pl.col("claims").str.contains(claims_regex()))
        .with_columns(pl.col("claims").str.extract_all(claims_regex()).alias("phrase"))
        .explode("phrase")
        .drop_nulls("phrase")
        .with_columns(pl.col("phrase").str.to_lowercase())
        .unique(["panel_id", "phrase"], keep="first", maintain_order=True)
        .select(
            "panel_id",
            "phrase",
            pl.lit("PROHIBITED_CLAIM").alias("finding"),
            pl.lit(1_000_000, dtype=pl.Int32).alias("position"),
        )
        .join(firsts.select("panel_id", "as_of"), on="panel_id", how="left")
    )


def _symbol_findings(rows: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """MALFORMED_MARKER and GENE_NOT_PERMITTED, one per row and symbol, and GENES_NOT_NAMED, one per row,
    worked out in long form: every distinct symbol is matched against the pattern once, and the open
    mode's gene lists are joined, not searched row by row."""
    long = pl.concat(
        [
            rows.select("row", pl.col("genes").alias("symbol"), pl.lit(True).alias("from_genes")).explode("symbol"),
            rows.select("row", pl.col("markers").alias("symbol"), pl.lit(False).alias("from_genes")).explode("symbol"),
        ]
    ).drop_nulls("symbol")
    vocabulary = long.select(pl.col("symbol").unique()).with_columns(
        pl.col("symbol").str.contains(SYMBOL_PATTERN).alias("well_formed"),
        pl.col("symbol").str.starts_with("rs").alias("is_rs"),
    )
    bad = vocabulary.filter(~pl.col("well_formed"))["symbol"]
    malformed = (
        long.filter(pl.col("symbol").is_in(bad.implode()))
        .unique(["row", "symbol"], keep="first", maintain_order=True)
        .select("row", pl.col("symbol").alias("marker"), pl.lit("MALFORMED_MARKER").alias("finding"))
    )
    # In open mode each gene must be one the notice lists; an rsID must be a listed marker unless the row
    # also names a listed gene (the rsID is then read as a variant of that gene: see rules/README.md).
    open_keys = keys.filter(pl.col("open_mode")).select("key", "allowed_genes", "allowed_markers")
    found = [malformed]
    if open_keys.height:  # most checks since 2023-12-30 have none: skip the joins, same answer
        open_rows = rows.select("row", "key").join(open_keys, on="key", how="inner").drop("key")
        listed_genes = open_rows.select("row", pl.col("allowed_genes").alias("symbol")).explode("symbol").drop_nulls()
        listed_markers = (
            open_rows.select("row", pl.col("allowed_markers").alias("symbol")).explode("symbol").drop_nulls()
        )
        candidates = (
            long.join(open_rows.select("row"), on="row", how="semi")
            .join(vocabulary, on="symbol", how="left")
            .filter(pl.col("well_formed"))
        )
        names_listed_gene = candidates.filter(pl.col("from_genes")).join(listed_genes, on=["row", "symbol"], how="semi")
        outside_genes = candidates.filter(~pl.col("is_rs")).join(listed_genes, on=["row", "symbol"], how="anti")
        outside_markers = (
            candidates.filter(pl.col("is_rs"))
            .join(names_listed_gene.select("row").unique(), on="row", how="anti")
            .join(listed_markers, on=["row", "symbol"], how="anti")
        )
        outside = (
            pl.concat([outside_genes, outside_markers])
            .unique(["row", "symbol"], keep="first", maintain_order=True)
            .select("row", pl.col("symbol").alias("gene"), pl.lit("GENE_NOT_PERMITTED").alias("finding"))
        )
        # The notice permits the item only with its genes: a row must name a gene (listed or not: an
        # unlisted one is GENE_NOT_PERMITTED) or one of the notice's markers, which stand for their locus.
        naming = pl.concat(
            [
                candidates.filter(~pl.col("is_rs")).select("row"),
                candidates.filter(pl.col("is_rs")).join(listed_markers, on=["row", "symbol"], how="semi").select("row"),
            ]
        )
        unnamed = open_rows.join(naming, on="row", how="anti").select("row", pl.lit("GENES_NOT_NAMED").alias("finding"))
        found = [outside, unnamed, malformed]
    symbols = pl.concat(found, how="diagonal_relaxed")
    where = rows.select("panel_id", "position", "code", "as_of")[symbols["row"]]
    return pl.concat([symbols.drop("row"), where], how="horizontal")


@cache
def claims_regex() -> str:
    from registry.panels.model import prohibited_claim_pattern

    return "(?i)" + prohibited_claim_pattern().pattern


__all__ = ["CertificateRecord", "CheckResult", "RulesAtDates", "check"]
