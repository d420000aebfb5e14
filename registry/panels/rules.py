"""What every panel check shares: the rules at every date (rebuilt only when a certificate event, a
published edition, a certified new item or a validation record was added, or a validation record
withdrawn), the engine's rows built from panels, and the JSON answer per panel."""

from __future__ import annotations

import datetime as dt

import anyio
import polars as pl

from registry.accounts.model import Principal, Role
from registry.catalog.model import Catalogue
from registry.catalog.queries import REVISION_SQL as CATALOGUE_REVISION
from registry.catalog.queries import published_catalogue
from registry.catalog.tables import CatalogueEdition
from registry.certification.queries import certificate_records, validation_records
from registry.db.cache import RevisionCache
from registry.kernel.errors import DomainError, FieldError
from registry.panels.engine import PANEL_SCHEMA, ROW_SCHEMA, CheckResult, RulesAtDates
from registry.panels.model import PanelItem
from registry.panels.scope import compiled
from registry.providers.tables import Provider


async def _revision() -> tuple:
    rows = await CatalogueEdition.raw(
        "SELECT (SELECT COUNT(*) FROM certificate_event) AS events, "
        "(SELECT MAX(id) FROM certificate_event) AS last_event, "
        "(SELECT COUNT(*) FROM validation_record) AS validations, "
        "(SELECT COUNT(*) FROM validation_record WHERE withdrawn_on IS NOT NULL) AS withdrawals, "
        f"(SELECT MAX(id) FROM validation_record) AS last_validation, {CATALOGUE_REVISION}"
    )
    return tuple(rows[0].values())


async def _build() -> tuple[RulesAtDates, Catalogue]:
    catalogue = await published_catalogue()
    records = await certificate_records()
    validations = await validation_records()
    return await anyio.to_thread.run_sync(_rules_at_dates, catalogue, records, validations), catalogue


def _rules_at_dates(catalogue: Catalogue, records: list, validations: list) -> RulesAtDates:
    rules = RulesAtDates.build(catalogue, records, validations)
    compiled(rules)  # what single checks read, compiled here: off the event loop, once per revision
    return rules


_rules: RevisionCache[tuple[RulesAtDates, Catalogue]] = RevisionCache(_revision, _build)


async def current_rules() -> tuple[RulesAtDates, Catalogue]:
    """The rules at every date for every provider."""
    return await _rules.get()


def panel_rows(
    panel_id: str, provider_id: int | None, as_of: dt.date, target: str, items: list[PanelItem]
) -> list[dict]:
    return [
        {
            "panel_id": panel_id,
            "position": i,
            "provider_id": provider_id,
            "as_of": as_of,
            "target": target,
            "code": item.code,
            "genes": item.genes,
            "markers": item.markers,
        }
        for i, item in enumerate(items)
    ]


LIST_JOIN = "\x1f"  # no gene symbol or marker holds it (model.Symbol)


def _symbol_lists(values: list[list[str] | None]) -> pl.Series:
    """Lists of symbols as a polars list column: joined in Python and split by polars, many times faster
    than polars reading a Python list per row."""
    joined = pl.Series([LIST_JOIN.join(v or ()) for v in values], dtype=pl.String)
    empty = pl.lit([], dtype=pl.List(pl.String))
    lists = pl.select(pl.when(joined == "").then(empty).otherwise(joined.str.split(LIST_JOIN))).to_series()
    # A symbol holding the separator, or an empty one, would not come back whole: read those as they are.
    if not lists.list.len().equals(pl.Series([len(v or ()) for v in values], dtype=pl.UInt32)):
        return pl.Series(values, dtype=pl.List(pl.String))
    return lists


def frames(rows: list[dict], claims: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    # Column by column: polars reads a list per column far faster than a dict per row.
    columns = {
        name: _symbol_lists([r[name] for r in rows]) if name in ("genes", "markers") else [r[name] for r in rows]
        for name in ROW_SCHEMA
    }
    return (
        pl.DataFrame(columns, schema=ROW_SCHEMA),
        pl.DataFrame({"panel_id": list(claims), "claims": list(claims.values())}, schema=PANEL_SCHEMA),
    )


# A registered panel's items as stored (`PanelItem`s, validated when the panel was registered).
STORED_ITEMS = pl.List(pl.Struct({"code": pl.String, "genes": pl.List(pl.String), "markers": pl.List(pl.String)}))


def stored_frames(panels: list[dict], as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's rows and panels for registered panels as stored (id, provider, target, claims, items as
    JSON), checked on `as_of`: the rows `panel_rows` and `frames` would build, read by polars from the
    stored JSON (a re-check reads every panel; no Python object per item)."""
    stored = pl.DataFrame(
        {
            "panel_id": [str(p["id"]) for p in panels],
            "provider_id": [p["provider"] for p in panels],
            "target": [p["target"] for p in panels],
            "claims": [p["claims"] for p in panels],
            "items": [p["items"] for p in panels],
        },
        schema={
            "panel_id": pl.String,
            "provider_id": pl.Int64,
            "target": pl.String,
            "claims": pl.String,
            "items": pl.String,
        },
    )
    empty = pl.lit([], dtype=pl.List(pl.String))
    rows = (
        stored.select(
            "panel_id",
            "provider_id",
            "target",
            pl.col("items").str.json_decode(STORED_ITEMS),
        )
        .with_columns(pl.int_ranges(pl.col("items").list.len(), dtype=pl.Int32).alias("position"))
        .explode("items", "position")
        .filter(pl.col("position").is_not_null())  # a panel without items has no rows
        .unnest("items")
        .with_columns(
            pl.lit(as_of, dtype=pl.Date).alias("as_of"),
            pl.col("genes").fill_null(empty),  # absent from the JSON: none (as `PanelItem` reads it)
            pl.col("markers").fill_null(empty),
        )
        .select(list(ROW_SCHEMA))
    )
    return rows, stored.select(list(PANEL_SCHEMA))


def answers(result: CheckResult, provider_of: dict[str, int | None], target_of: dict[str, str]) -> dict[str, dict]:
    """The JSON answer per panel: verdict, edition, certificate, findings."""
    # Row tuples zipped with the column names: a re-check reads hundreds of thousands of findings.
    names = [c for c in result.findings.columns if c != "panel_id"]
    findings: dict[str, list[dict]] = {}
    for panel, row in zip(result.findings["panel_id"].to_list(), result.findings.select(names).rows(), strict=True):
        found = findings.get(panel)
        if found is None:
            found = findings[panel] = []
        found.append(dict(zip(names, row, strict=True)))
    out = {}
    columns = ("panel_id", "verdict", "as_of", "catalog_version", "certificate", "certificate_status")
    for panel, verdict, as_of, version, certificate, status in result.panels.select(columns).rows():
        out[panel] = {
            "verdict": verdict,
            "as_of": as_of.isoformat() if as_of else None,
            "catalog_version": version,
            "provider_id": provider_of.get(panel),
            "target": target_of.get(panel),
            "certificate": {"number": certificate, "status": status} if certificate else None,
            "findings": findings.get(panel, []),
        }
    return out


def not_your_organisation() -> DomainError:
    return DomainError(
        "ROLE_NOT_ALLOWED.own_panels", errors=[FieldError("provider_id", "not your organisation", "body")]
    )


def provider_for(principal: Principal, requested: int | None) -> int:
    """A provider checks only for itself; a regulator (or reviewer) names any provider."""
    if principal.role is Role.provider:
        if requested is not None and requested != principal.provider_id:
            raise not_your_organisation()
        return principal.provider_id  # type: ignore[return-value]
    return named_provider(requested)


def named_provider(requested: int | None) -> int:
    """The provider a check names, where no signed-in provider stands for itself (staff, the public)."""
    if requested is None:
        raise DomainError("INVALID_BODY.provider_required", errors=[FieldError("provider_id", "required", "body")])
    return requested


async def known_provider(provider_id: int) -> None:
    """A provider named in a check must exist (as the API and the command line both refuse it)."""
    if not await Provider.exists().where(Provider.id == provider_id):
        raise DomainError(
            "INVALID_BODY.unknown_provider",
            provider_id=provider_id,
            errors=[FieldError("provider_id", "unknown provider", "body")],
        )
