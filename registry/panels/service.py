"""Panel checks as use cases: one panel, registered panels, batch files, and impact analysis. Every
path builds the same rows and calls the same engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import anyio
import polars as pl

from registry.accounts.model import Principal, Role
from registry.accounts.service import utcnow
from registry.audit.service import record
from registry.catalog.model import Catalogue, EditionFile
from registry.catalog.service import get_draft, published_catalogue
from registry.catalog.tables import CatalogueEdition
from registry.certification.tables import Certificate, Provider
from registry.db.engine import describe, insert_one, read_transaction, write_transaction
from registry.http.params import today_in_korea
from registry.http.problems import FieldError, ProblemError
from registry.panels.engine import PANEL_SCHEMA, ROW_SCHEMA, CertificateRecord, CheckResult, RulesAtDates, check
from registry.panels.model import PanelItem, PanelRegistration, PanelRequest
from registry.panels.tables import Panel

# --- the rules at every date, cached until a certificate or the catalogue changes ----------------------


@dataclass(frozen=True)
class _Cached:
    revision: tuple
    rules: RulesAtDates
    catalogue: Catalogue


_cache: dict[str, _Cached] = {}


async def _revision() -> tuple:
    rows = await CatalogueEdition.raw(
        "SELECT (SELECT COUNT(*) FROM certificate_event) AS events, "
        "(SELECT MAX(id) FROM certificate_event) AS last_event, "
        "(SELECT COUNT(*) FROM catalogue_edition WHERE state = 'published') AS editions, "
        "(SELECT MAX(id) FROM catalogue_edition WHERE state = 'published') AS last_edition"
    )
    return tuple(rows[0].values())


async def certificate_records(provider_ids: Iterable[int] | None = None) -> list[CertificateRecord]:
    """Every certificate (or those of some providers) with its events and items, as the engine reads them."""
    from registry.certification.service import certificate_states

    query = Certificate.select()
    if provider_ids is not None:
        query = query.where(Certificate.provider.is_in(list(provider_ids) or [-1]))
    return [state.record() for state in await certificate_states(await query) if state.events]


async def current_rules() -> tuple[RulesAtDates, Catalogue]:
    """The rules at every date for every provider. Rebuilt only when a certificate event or a published
    edition was added since; every call asks the database, so several workers stay consistent."""
    revision = await _revision()  # one query; the rest only when something changed
    key = describe(CatalogueEdition._meta.db)
    cached = _cache.get(key)
    if cached is not None and cached.revision == revision:
        return cached.rules, cached.catalogue
    async with read_transaction():
        revision = await _revision()
        catalogue = await published_catalogue()
        records = await certificate_records()
    rules = await anyio.to_thread.run_sync(RulesAtDates.build, catalogue, records)
    _cache[key] = _Cached(revision, rules, catalogue)
    return rules, catalogue


# --- rows ----------------------------------------------------------------------------------------------


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
            "validation_ref": item.validation_ref,
        }
        for i, item in enumerate(items)
    ]


def frames(rows: list[dict], claims: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (
        pl.DataFrame(rows, schema=ROW_SCHEMA),
        pl.DataFrame({"panel_id": list(claims), "claims": list(claims.values())}, schema=PANEL_SCHEMA),
    )


def answers(result: CheckResult, provider_of: dict[str, int | None], target_of: dict[str, str]) -> dict[str, dict]:
    """The JSON answer per panel: verdict, edition, certificate, findings."""
    findings: dict[str, list[dict]] = {}
    for f in result.findings.iter_rows(named=True):
        panel = f.pop("panel_id")
        findings.setdefault(panel, []).append(f)
    out = {}
    for p in result.panels.iter_rows(named=True):
        out[p["panel_id"]] = {
            "verdict": p["verdict"],
            "as_of": p["as_of"].isoformat() if p["as_of"] else None,
            "catalog_version": p["catalog_version"],
            "provider_id": provider_of.get(p["panel_id"]),
            "target": target_of.get(p["panel_id"]),
            "certificate": {"number": p["certificate"], "status": p["certificate_status"]}
            if p["certificate"]
            else None,
            "findings": findings.get(p["panel_id"], []),
        }
    return out


def not_your_organisation() -> ProblemError:
    return ProblemError(
        403,
        "ROLE_NOT_ALLOWED",
        "A provider checks panels for its own organisation only.",
        "검사기관은 자기 기관의 패널만 확인할 수 있습니다.",
        errors=[FieldError("provider_id", "not your organisation", "body")],
    )


def provider_for(principal: Principal, requested: int | None) -> int:
    """A provider checks only for itself; a regulator (or reviewer) names any provider."""
    if principal.role is Role.provider:
        if requested is not None and requested != principal.provider_id:
            raise not_your_organisation()
        return principal.provider_id  # type: ignore[return-value]
    if requested is None:
        raise ProblemError(
            422,
            "INVALID_BODY",
            "Name the provider whose panel this is (provider_id).",
            "provider_id가 필요합니다.",
            errors=[FieldError("provider_id", "required for staff", "body")],
        )
    return requested


async def _known_provider(provider_id: int) -> None:
    if not await Provider.exists().where(Provider.id == provider_id):
        raise ProblemError(
            422,
            "INVALID_BODY",
            f"No provider {provider_id} is registered.",
            f"{provider_id}번 기관은 등록되어 있지 않습니다.",
            errors=[FieldError("provider_id", "unknown provider", "body")],
        )


# --- single check ----------------------------------------------------------------------------------------


class SingleChecks:
    """Single checks share engine calls: while the engine works on some, the requests that arrive wait
    and then go through together, as one batch. An idle registry adds no waiting; a busy one pays the
    engine's fixed cost once per batch instead of once per request. Same engine, same answers."""

    def __init__(self) -> None:
        self.pending: list[tuple[RulesAtDates, list[dict], str, asyncio.Future]] = []
        self.draining = False

    async def check(self, rules: RulesAtDates, rows: list[dict], claims: str) -> CheckResult:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((rules, rows, claims, future))
        if not self.draining:
            self.draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                groups: dict[int, list] = {}
                for entry in batch:
                    groups.setdefault(id(entry[0]), []).append(entry)
                for entries in groups.values():
                    await self._run(entries)
        finally:
            self.draining = False

    async def _run(self, entries: list) -> None:
        rules = entries[0][0]
        rows, claims = [], {}
        for n, (_, panel_rows_, text, _) in enumerate(entries):
            key = str(n)
            rows += [{**r, "panel_id": key} for r in panel_rows_]
            claims[key] = text
        try:
            result = await anyio.to_thread.run_sync(check, *frames(rows, claims), rules)
        except Exception as exc:  # every waiting request learns of the failure
            for *_, future in entries:
                if not future.done():
                    future.set_exception(exc)
            return
        panels_by = result.panels.partition_by("panel_id", as_dict=True)
        findings_by = result.findings.partition_by("panel_id", as_dict=True) if result.findings.height else {}
        empty = result.findings.clear()
        for n, (*_, future) in enumerate(entries):
            key = (str(n),)
            if not future.done():
                future.set_result(CheckResult(panels_by[key], findings_by.get(key, empty)))


_single_checks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def single_checks() -> SingleChecks:
    loop = asyncio.get_running_loop()
    if loop not in _single_checks:
        _single_checks[loop] = SingleChecks()
    return _single_checks[loop]


async def check_panel(principal: Principal, request: PanelRequest) -> dict:
    provider_id = provider_for(principal, request.provider_id)
    if principal.role is not Role.provider:
        await _known_provider(provider_id)
    day = request.as_of or today_in_korea()
    rules, _ = await current_rules()
    result = await single_checks().check(
        rules, panel_rows("panel", provider_id, day, request.target, request.items), request.claims
    )
    result = CheckResult(
        result.panels.with_columns(pl.lit("panel").alias("panel_id")),
        result.findings.with_columns(pl.lit("panel").alias("panel_id")),
    )
    return answers(result, {"panel": provider_id}, {"panel": request.target})["panel"]


# --- registered panels -------------------------------------------------------------------------------


def _items_of(row: dict) -> list[PanelItem]:
    return [PanelItem.model_validate(i) for i in json.loads(row["items"])]


def _panel_body(row: dict) -> dict:
    return {
        "id": row["id"],
        "provider_id": row["provider"],
        "name": row["name"],
        "target": row["target"],
        "claims": row["claims"],
        "items": json.loads(row["items"]),
        "checked_at": row["checked_at"].isoformat()
        if isinstance(row["checked_at"], dt.datetime)
        else row["checked_at"],
        "latest_check": json.loads(row["last_check"]),
    }


async def _check_stored(rows: list[dict], day: dt.date, rules: RulesAtDates) -> dict[str, dict]:
    data, claims = [], {}
    for row in rows:
        key = str(row["id"])
        data += panel_rows(key, row["provider"], day, row["target"], _items_of(row))
        claims[key] = row["claims"]
    if not data:
        return {}
    result = check(*frames(data, claims), rules)
    return answers(result, {str(r["id"]): r["provider"] for r in rows}, {str(r["id"]): r["target"] for r in rows})


async def register_panel(principal: Principal, registration: PanelRegistration) -> dict:
    day = today_in_korea()
    rules, _ = await current_rules()
    async with write_transaction():
        now = utcnow()
        row = {
            "provider": principal.provider_id,
            "name": registration.name,
            "target": registration.target,
            "claims": registration.claims,
            "items": json.dumps([i.model_dump() for i in registration.items], ensure_ascii=False),
        }
        provisional = await _check_stored([{**row, "id": 0}], day, rules)
        latest = provisional["0"]
        panel_id = await insert_one(
            Panel(
                **row,
                created_at=now,
                checked_at=now,
                verdict=latest["verdict"],
                last_check=json.dumps(latest, ensure_ascii=False),
            )
        )
        await record(
            principal.actor, "panel.registered", "panel", panel_id, after={**row, "verdict": latest["verdict"]}
        )
    return await read_panel(principal, panel_id)


async def read_panel(principal: Principal, panel_id: int) -> dict:
    async with read_transaction():
        row = await Panel.select().where(Panel.id == panel_id).first()
    if row is None or not (principal.is_staff or principal.provider_id == row["provider"]):
        raise ProblemError(
            404, "NOT_FOUND", f"No panel {panel_id} is visible to you.", f"{panel_id}번 패널을 찾을 수 없습니다."
        )
    return _panel_body(row)


async def recheck_panels(provider_ids: Iterable[int] | None = None, *, actor=None, reason: str = "") -> int:
    """Re-check registered panels as of today (all, or those of some providers) inside the caller's
    write transaction; record an audit event for each panel whose verdict changed. Returns how many."""
    from registry.audit.service import SYSTEM

    query = Panel.select()
    if provider_ids is not None:
        query = query.where(Panel.provider.is_in(list(provider_ids) or [-1]))
    rows = await query
    if not rows:
        return 0
    catalogue = await published_catalogue()
    records = await certificate_records()
    rules = RulesAtDates.build(catalogue, records)
    checked = await _check_stored(rows, today_in_korea(), rules)
    now = utcnow()
    for row in rows:
        latest = checked[str(row["id"])]
        await Panel.update(
            {
                Panel.verdict: latest["verdict"],
                Panel.last_check: json.dumps(latest, ensure_ascii=False),
                Panel.checked_at: now,
            }
        ).where(Panel.id == row["id"])
        if latest["verdict"] != row["verdict"]:
            await record(
                actor or SYSTEM,
                "panel.verdict_changed",
                "panel",
                row["id"],
                before={"verdict": row["verdict"]},
                after={"verdict": latest["verdict"], "reason": reason},
            )
    return len(rows)


async def recheck_on_request(principal: Principal, panel_id: int) -> dict:
    await read_panel(principal, panel_id)  # visibility
    async with write_transaction():
        row = await Panel.select(Panel.provider).where(Panel.id == panel_id).first()
        await recheck_panels([row["provider"]], actor=principal.actor, reason="re-check requested")
    return await read_panel(principal, panel_id)


# --- batch ----------------------------------------------------------------------------------------------

BATCH_FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "jsonl": "application/x-ndjson"}
LIST_SEPARATOR = ";"  # genes and markers inside one CSV cell


class BatchError(Exception):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def read_batch(data: bytes, fmt: str) -> pl.DataFrame:
    """Panel-item rows from CSV, Parquet or JSON lines: panel_id, code, and optionally provider_id,
    as_of, target, genes, markers, validation_ref, claims (one row per panel item)."""
    try:
        if fmt == "csv":
            frame = pl.read_csv(io.BytesIO(data), infer_schema=False)
        elif fmt == "parquet":
            frame = pl.read_parquet(io.BytesIO(data))
        else:
            frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=10_000)
    except Exception as exc:  # the parser's own message names what is wrong
        raise BatchError("file", f"cannot be read as {fmt}: {exc}") from None
    missing = [c for c in ("panel_id", "code") if c not in frame.columns]
    if missing:
        raise BatchError(missing[0], "missing column")
    unknown = sorted(
        set(frame.columns)
        - {"panel_id", "code", "provider_id", "as_of", "target", "genes", "markers", "validation_ref", "claims"}
    )
    if unknown:
        raise BatchError(unknown[0], "unknown column")
    return frame


def _as_list(column: str, frame: pl.DataFrame) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit([], dtype=pl.List(pl.String)).alias(column)
    dtype = frame.schema[column]
    if isinstance(dtype, pl.List):
        return pl.col(column).cast(pl.List(pl.String)).fill_null([])
    return (
        pl.col(column)
        .cast(pl.String)
        .fill_null("")
        .str.split(LIST_SEPARATOR)
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
    )


def prepare_batch(
    frame: pl.DataFrame, *, default_provider: int | None, default_as_of: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Normalise a batch into the engine's rows and panels; refuse bad values with the column named."""
    n = frame.height
    cols = frame.columns
    provider = (
        pl.col("provider_id").cast(pl.Int64, strict=False)
        if "provider_id" in cols
        else pl.lit(default_provider, dtype=pl.Int64)
    )
    if "provider_id" in cols and default_provider is not None:
        provider = provider.fill_null(default_provider)
    as_of = (
        pl.col("as_of").cast(pl.String).str.to_date("%Y-%m-%d", strict=False)
        if "as_of" in cols
        else pl.lit(default_as_of)
    )
    if "as_of" in cols:
        as_of = pl.when(pl.col("as_of").is_null()).then(pl.lit(default_as_of)).otherwise(as_of)
    rows = frame.with_row_index("row").select(
        pl.col("row"),
        pl.col("panel_id").cast(pl.String),
        pl.int_range(pl.len()).over("panel_id").cast(pl.Int32).alias("position"),
        provider.alias("provider_id"),
        as_of.alias("as_of"),
        (pl.col("target").cast(pl.String).fill_null("adult") if "target" in cols else pl.lit("adult")).alias("target"),
        pl.col("code").cast(pl.String).str.strip_chars().str.to_uppercase(),
        _as_list("genes", frame).alias("genes"),
        _as_list("markers", frame).alias("markers"),
        (pl.col("validation_ref").cast(pl.String) if "validation_ref" in cols else pl.lit(None, dtype=pl.String)).alias(
            "validation_ref"
        ),
    )
    for column, bad in (
        ("panel_id", pl.col("panel_id").is_null() | (pl.col("panel_id") == "")),
        ("code", pl.col("code").is_null() | (pl.col("code") == "")),
        ("provider_id", pl.col("provider_id").is_null()),
        ("as_of", pl.col("as_of").is_null()),
        ("target", ~pl.col("target").is_in(["adult", "minor"])),
    ):
        offending = rows.filter(bad).select("row").head(1)
        if offending.height:
            raise BatchError(column, f"missing or malformed in row {offending.item() + 1} (of {n})")
    inconsistent = (
        rows.group_by("panel_id")
        .agg(
            pl.col("provider_id").n_unique().alias("providers"),
            pl.col("as_of").n_unique().alias("dates"),
            pl.col("target").n_unique().alias("targets"),
        )
        .filter((pl.col("providers") > 1) | (pl.col("dates") > 1) | (pl.col("targets") > 1))
    )
    if inconsistent.height:
        raise BatchError(
            "panel_id", f"panel {inconsistent['panel_id'][0]} has rows with different provider_id, as_of or target"
        )
    claims = (
        frame.select(
            pl.col("panel_id").cast(pl.String),
            (pl.col("claims").cast(pl.String) if "claims" in cols else pl.lit(None, dtype=pl.String)).alias("claims"),
        )
        .group_by("panel_id", maintain_order=True)
        .agg(pl.col("claims").drop_nulls().first())
    )
    return rows.drop("row"), claims


def batch_output(result: CheckResult) -> pl.DataFrame:
    """One row per finding, and one row for each panel without any: every panel appears."""
    panels = result.panels.select(
        "panel_id", "verdict", "catalog_version", pl.col("as_of").cast(pl.String), "certificate", "certificate_status"
    )
    return panels.join(result.findings, on="panel_id", how="left", maintain_order="left")


def write_batch(frame: pl.DataFrame, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.write_csv(buffer)
    elif fmt == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.write_ndjson(buffer)
    return buffer.getvalue()


BATCH_CHUNK_ROWS = 200_000  # rows per engine call in a batch: whole panels, about this many rows


@dataclass(frozen=True)
class CheckSummary:
    """A batch check in numbers."""

    panels: int
    permitted: int
    rows: int
    findings: int
    counts: dict[tuple[str, str], int]  # findings by (code, severity), most frequent first

    @property
    def not_permitted(self) -> int:
        return self.panels - self.permitted


def _check_chunk(rows: pl.DataFrame, claims: pl.DataFrame, rules: RulesAtDates) -> tuple[pl.DataFrame, CheckResult]:
    result = check(rows, claims, rules)
    return batch_output(result), result


async def check_rows(
    rows: pl.DataFrame, claims: pl.DataFrame, *, on_progress: Callable[[int, int], None] | None = None
) -> tuple[pl.DataFrame, CheckSummary]:
    """Check prepared batch rows (see `prepare_batch`) against the rules in force: in chunks of whole
    panels, off the event loop, calling on_progress(done_rows, total_rows) after each chunk. The output
    frame is `batch_output`'s, every chunk's in turn."""
    rules, _ = await current_rules()
    total = rows.height
    panel_ids = claims["panel_id"]
    per_chunk = max(1, len(panel_ids) * BATCH_CHUNK_ROWS // max(total, 1))
    outputs: list[pl.DataFrame] = []
    counts: Counter[tuple[str, str]] = Counter()
    panels = permitted = findings = done = 0
    for start in range(0, max(len(panel_ids), 1), per_chunk):
        if per_chunk >= len(panel_ids):  # one chunk: the whole batch, even an empty one
            part_rows, part_claims = rows, claims
        else:
            ids = panel_ids.slice(start, per_chunk).implode()
            part_rows = rows.filter(pl.col("panel_id").is_in(ids))
            part_claims = claims.filter(pl.col("panel_id").is_in(ids))
        output, result = await anyio.to_thread.run_sync(_check_chunk, part_rows, part_claims, rules)
        outputs.append(output)
        panels += result.panels.height
        permitted += result.panels.filter(pl.col("verdict") == "permitted").height
        findings += result.findings.height
        for code, severity, n in result.findings.group_by("code", "severity").len().iter_rows():
            counts[(code, severity)] += n
        done += part_rows.height
        if on_progress is not None:
            on_progress(done, total)
    ordered = dict(sorted(counts.items(), key=lambda entry: (-entry[1], entry[0])))
    summary = CheckSummary(panels, permitted, total, findings, ordered)
    return pl.concat(outputs, how="vertical_relaxed"), summary


async def check_batch(
    principal: Principal, data: bytes, fmt: str, *, as_of: dt.date | None
) -> tuple[pl.DataFrame, dict]:
    try:
        frame = read_batch(data, fmt)
        own = principal.provider_id if principal.role is Role.provider else None
        rows, claims = prepare_batch(frame, default_provider=own, default_as_of=as_of or today_in_korea())
    except BatchError as exc:
        raise ProblemError(
            422,
            "INVALID_BODY",
            f"The {fmt} upload cannot be checked: {exc.field}: {exc.reason}.",
            f"업로드한 {fmt} 파일을 확인할 수 없습니다: {exc.field}: {exc.reason}.",
            errors=[FieldError(exc.field, exc.reason, "body")],
        ) from None
    if principal.role is Role.provider and rows.filter(pl.col("provider_id") != own).height:
        raise not_your_organisation()
    out, summary = await check_rows(rows, claims)
    return out, {
        "panels": summary.panels,
        "rows": summary.rows,
        "permitted": summary.permitted,
        "findings": summary.findings,
    }


# --- impact of an edition ---------------------------------------------------------------------------------


async def impact(version: str) -> dict:
    """Registered panels whose verdict would change if `version` (draft or published) were in force
    today, with the findings that would appear and disappear."""
    day = today_in_korea()
    catalogue = await published_catalogue()
    edition = catalogue.get(version)
    if edition is not None:
        content = edition.content
        kind = "published"
    else:
        draft = await get_draft(version)
        if draft is None or draft["state"] != "open":
            raise ProblemError(
                404,
                "VERSION_NOT_FOUND",
                f"No edition or open draft is called '{version}'.",
                f"'{version}' 판이나 초안이 없습니다.",
            )
        content = EditionFile.model_validate(draft["content"])
        kind = "draft"
    hypothetical = Catalogue(
        [e.content for e in catalogue.editions if e.effective_from < day and e.version != version]
        + [content.model_copy(update={"effective_from": day})]
    )
    async with read_transaction():
        rows = await Panel.select()
        records = await certificate_records()
    actual = await _check_stored(rows, day, RulesAtDates.build(catalogue, records))
    would = await _check_stored(rows, day, RulesAtDates.build(hypothetical, records))

    def keys(answer: dict) -> dict[tuple, dict]:
        return {(f["item"], f["code"], f["message_en"]): f for f in answer["findings"]}

    changed, findings_only = [], 0
    for row in rows:
        now, then = actual[str(row["id"])], would[str(row["id"])]
        before, after = keys(now), keys(then)
        if before.keys() == after.keys():
            continue
        entry = {
            "panel_id": row["id"],
            "provider_id": row["provider"],
            "name": row["name"],
            "verdict_now": now["verdict"],
            "verdict_then": then["verdict"],
            "findings_appearing": [after[k] for k in after.keys() - before.keys()],
            "findings_disappearing": [before[k] for k in before.keys() - after.keys()],
        }
        if now["verdict"] != then["verdict"]:
            changed.append(entry)
        else:
            findings_only += 1
    return {
        "version": version,
        "kind": kind,
        "as_of": day.isoformat(),
        "panels_checked": len(rows),
        "verdict_changes": changed,
        "panels_with_other_finding_changes": findings_only,
    }


def _json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
