"""Bulk files anyone may download: each dataset of `model.DATASETS` in CSV, JSON or Parquet, and the manifest
that lists them with their size and digest.

The rows are read once per data revision (the counts and last ids of the tables they come from, and the
day in Korea, since standings are as of today) and kept in a `RevisionCache`; each file is written from
them the first time it is asked for (polars, off the event loop) and kept with them, so repeated downloads
do not rebuild. The standings come from the same functions the public lookup and the verification use."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field

import anyio
import msgspec
import polars as pl

from registry.catalog.model import Catalogue, EntryFile
from registry.catalog.queries import REVISION_SQL as CATALOGUE_REVISION
from registry.catalog.queries import item_names, published_catalogue
from registry.catalog.tables import CatalogueEdition
from registry.certification.model import ground_texts, in_force
from registry.certification.queries import CertificateState, certificate_on, certificate_states
from registry.certification.tables import Certificate, CertificateEvent
from registry.db.cache import RevisionCache
from registry.kernel.clock import aware, today_in_korea, utcnow
from registry.kernel.errors import DomainError, FieldError
from registry.opendata import urls
from registry.opendata.model import DATASETS, FORMATS, LIST_SEPARATOR, ColumnType, Dataset
from registry.opendata.schemas import ColumnOut, DatasetOut, FileOut, ManifestOut
from registry.providers.tables import Provider

POLARS_TYPES = {
    ColumnType.string: pl.String,
    ColumnType.integer: pl.Int64,
    ColumnType.boolean: pl.Boolean,
    ColumnType.date: pl.Date,
    ColumnType.datetime: pl.Datetime("us", "UTC"),
}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6f%:z"  # CSV instants as the JSON file writes them


@dataclass(frozen=True, slots=True)
class ExportFile:
    dataset: str
    format: str
    content: bytes
    rows: int
    sha256: str
    generated_at: dt.datetime

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'

    @property
    def media_type(self) -> str:
        return FORMATS[self.format].media_type

    @property
    def file_name(self) -> str:
        return f"{self.dataset}.{self.format}"


@dataclass
class Snapshot:
    """The rows of every dataset at one data revision, and the files written from them so far."""

    as_of: dt.date
    read_at: dt.datetime
    frames: dict[str, pl.DataFrame]
    files: dict[tuple[str, str], ExportFile] = field(default_factory=dict)
    manifest: tuple[bytes, str] | None = None


# --- the rows of each dataset ---------------------------------------------------------------------------


def _joined(values) -> str:
    return LIST_SEPARATOR.join(values)


def _certificate_rows(states: list[CertificateState], day: dt.date, catalogue: Catalogue) -> list[dict]:
    rows = []
    for state in states:
        out = certificate_on(state, day, catalogue)
        rows.append(
            {
                "certificate_number": out.number,
                "kind": out.kind,
                "provider_id": out.provider_id,
                "provider_name_ko": out.provider_name_ko,
                "provider_name_en": out.provider_name_en,
                "valid_from": out.valid_from,
                "valid_until": out.valid_until,
                "status": out.status,
                "status_since": out.status_since,
                "status_until": out.status_until,
                "status_reason": out.status_reason,
                "ground": out.ground,
                "ground_ko": out.ground_ko,
                "ground_en": out.ground_en,
                "certified": out.result == "certified",
                "items": _joined(i.code for i in out.items_on_certificate),
                "as_of": day,
            }
        )
    return rows


def _provider_rows(providers: list[dict], states: list[CertificateState], day: dt.date) -> list[dict]:
    """Verified providers as the public lookup shows them: the certificate in force (`in_force`) and its
    items when it certifies that day."""
    by_provider: dict[int, list[CertificateState]] = {}
    for state in states:
        by_provider.setdefault(state.row["provider"], []).append(state)
    rows = []
    for p in providers:
        own = by_provider.get(p["id"], [])
        speaking = in_force([s.record() for s in own], day)
        rows.append(
            {
                "provider_id": p["id"],
                "name_ko": p["name_ko"],
                "name_en": p["name_en"],
                "status": speaking.standing.standing.value if speaking else "none",
                "certificate_number": speaking.certificate.number if speaking else None,
                "items": _joined(sorted(speaking.codes)) if speaking else "",
                "certificates": len(own),
                "as_of": day,
            }
        )
    return rows


def _certificate_item_rows(states: list[CertificateState], day: dt.date, catalogue: Catalogue) -> list[dict]:
    rows = []
    for state in states:
        for item in sorted(state.items, key=lambda i: (i["code"], i["certified_from"], i["id"])):
            name_ko, name_en = item_names(catalogue, item["code"], day)
            rows.append(
                {
                    "certificate_number": state.row["number"],
                    "provider_id": state.row["provider"],
                    "code": item["code"],
                    "name_ko": name_ko,
                    "name_en": name_en,
                    "certified_from": item["certified_from"],
                    "certified_until": item["certified_until"],
                    "application_number": item["application_number"],
                }
            )
    return rows


def _entry_values(entry: EntryFile) -> dict:
    return {
        "code": entry.code,
        "name_ko": entry.name_ko,
        "name_en": entry.name_en,
        "category": entry.category.value,
        "tier": entry.tier.value,
        "minors": entry.minors.value,
    }


def _catalog_item_rows(catalogue: Catalogue, day: dt.date) -> list[dict]:
    in_force_now = catalogue.in_force(day)
    rows = []
    for code in sorted(catalogue.known_codes()):
        listed = [(edition, entry) for edition, entry in catalogue.item_history(code) if entry is not None]
        certified = catalogue.certified_item(code)
        latest = listed[-1][1] if listed else certified.entry  # type: ignore[union-attr]
        entry_now = in_force_now.entry(code) if in_force_now else None
        rows.append(
            {
                **_entry_values(latest),
                "status": entry_now.status.value if entry_now else "not_listed",
                "first_listed": listed[0][0].version if listed else None,
                "last_listed": listed[-1][0].version if listed else None,
                "first_certified_on": certified.approved_on if certified else None,
                "source_application": certified.application if certified else None,
                "as_of": day,
            }
        )
    return rows


def _catalog_history_rows(catalogue: Catalogue) -> list[dict]:
    return [
        {
            "version": edition.version,
            "effective_from": edition.effective_from,
            "effective_until": edition.effective_until,
            **_entry_values(entry),
            "category_assigned": entry.category_assigned,
            "status": entry.status.value,
            "temporary_until": entry.temporary_until,
            "open_to_reported": entry.open_to_reported,
            "open_to_reported_until": entry.open_to_reported_until,
            "restricted_genes": _joined(entry.restricted_genes),
            "restricted_markers": _joined(entry.restricted_markers),
            "confidence": entry.confidence,
            "first_edition_confirmed": entry.first_edition_confirmed,
            "notes": entry.notes,
        }
        for edition in catalogue.editions
        for entry in edition.content.items
    ]


def _event_rows(events: list[dict]) -> list[dict]:
    return [
        {
            "event_id": e["id"],
            "certificate_number": e["number"],
            "provider_id": e["provider_id"],
            "kind": e["kind"],
            "effective_date": e["effective_date"],
            "until": e["ends_on"],
            "valid_until": e["valid_until"],
            "ground": e["ground"],
            **ground_texts(e["ground"]),
            "surcharge_krw": e["amount"],
            "hearing_outcome": e["outcome"],
            "reason": e["reason"],
            "items": _joined(json.loads(e["items"])),
            "application_number": e["application_number"],
            "recorded_at": e["created_at"],
        }
        for e in events
    ]


def _value(kind: ColumnType, value):
    """A value as its column's type wants it (the public answers give dates as ISO text)."""
    if value is None or (value == "" and kind is not ColumnType.string):
        return None
    if kind is ColumnType.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if kind is ColumnType.datetime:
        return aware(value)
    return value


def frame(dataset: Dataset, rows: list[dict]) -> pl.DataFrame:
    """The rows as a frame whose columns and types are the dictionary's, in its order."""
    schema = {c.name: POLARS_TYPES[c.type] for c in dataset.columns}
    records = [{c.name: _value(c.type, row.get(c.name)) for c in dataset.columns} for row in rows]
    return pl.DataFrame(records, schema=schema, orient="row")


async def _revision() -> tuple:
    rows = await CatalogueEdition.raw(
        "SELECT (SELECT COUNT(*) FROM provider WHERE status = 'verified') AS verified, "
        "(SELECT MAX(id) FROM provider) AS last_provider, "
        "(SELECT COUNT(*) FROM certificate) AS certificates, "
        "(SELECT SUM(version) FROM certificate) AS certificate_versions, "
        "(SELECT COUNT(*) FROM certificate_item) AS items, "
        "(SELECT MAX(id) FROM certificate_item) AS last_item, "
        "(SELECT COUNT(*) FROM certificate_event) AS events, "
        f"(SELECT MAX(id) FROM certificate_event) AS last_event, {CATALOGUE_REVISION}"
    )
    return (*(None if v is None else int(v) for v in rows[0].values()), today_in_korea())


async def _read() -> Snapshot:
    day = today_in_korea()
    catalogue = await published_catalogue()
    certificates = await Certificate.select(
        Certificate.all_columns(),
        Certificate.provider.name_ko.as_alias("provider_name_ko"),
        Certificate.provider.name_en.as_alias("provider_name_en"),
    ).order_by(Certificate.number)
    states = await certificate_states(certificates)
    providers = (
        await Provider.select(Provider.id, Provider.name_ko, Provider.name_en)
        .where(Provider.status == "verified")
        .order_by(Provider.id)
    )
    events = await CertificateEvent.select(
        CertificateEvent.all_columns(),
        CertificateEvent.certificate.number.as_alias("number"),
        CertificateEvent.certificate.provider.as_alias("provider_id"),
    ).order_by(CertificateEvent.id)
    rows = {
        "providers": _provider_rows(providers, states, day),
        "certificates": _certificate_rows(states, day, catalogue),
        "certificate-items": _certificate_item_rows(states, day, catalogue),
        "catalog-items": _catalog_item_rows(catalogue, day),
        "catalog-history": _catalog_history_rows(catalogue),
        "status-changes": _event_rows(events),
    }
    frames = await anyio.to_thread.run_sync(lambda: {n: frame(DATASETS[n], r) for n, r in rows.items()})
    return Snapshot(day, utcnow(), frames)


_snapshots: RevisionCache[Snapshot] = RevisionCache(_revision, _read, besides=today_in_korea)


# --- the files ------------------------------------------------------------------------------------------


def write(data: pl.DataFrame, fmt: str) -> bytes:
    """CSV (UTF-8, a header, ISO dates), JSON (one array of objects) or Parquet."""
    if fmt == "csv":
        return data.write_csv(datetime_format=DATETIME_FORMAT).encode()
    if fmt == "json":
        return data.write_json().encode()
    buffer = io.BytesIO()
    data.write_parquet(buffer)
    return buffer.getvalue()


def _render(dataset: str, fmt: str, data: pl.DataFrame) -> ExportFile:
    content = write(data, fmt)
    return ExportFile(dataset, fmt, content, data.height, hashlib.sha256(content).hexdigest(), utcnow())


def unknown_file(dataset: str, fmt: str) -> DomainError | None:
    """A 404 naming the allowed values when the dataset or the format is not one the registry exports."""
    if dataset not in DATASETS:
        allowed = ", ".join(DATASETS)
        return DomainError(
            "EXPORT_NOT_FOUND.dataset",
            dataset=dataset,
            allowed=allowed,
            errors=[FieldError("file", "unknown dataset", "path")],
        )
    if fmt not in FORMATS:
        allowed = ", ".join(FORMATS)
        return DomainError(
            "EXPORT_NOT_FOUND.format",
            format=fmt,
            allowed=allowed,
            errors=[FieldError("file", "unknown format", "path")],
        )
    return None


async def _file(snapshot: Snapshot, dataset: str, fmt: str) -> ExportFile:
    found = snapshot.files.get((dataset, fmt))
    if found is None:
        found = await anyio.to_thread.run_sync(_render, dataset, fmt, snapshot.frames[dataset])
        snapshot.files[(dataset, fmt)] = found
    return found


async def export_file(dataset: str, fmt: str) -> ExportFile:
    """One dataset in one format, written once per data revision."""
    problem = unknown_file(dataset, fmt)
    if problem is not None:
        raise problem
    return await _file(await _snapshots.get(), dataset, fmt)


async def manifest() -> tuple[bytes, str]:
    """The manifest (JSON) and its ETag: every file with its rows, bytes, SHA-256, time and URL, and each
    dataset's column dictionary. Writes the files it has not written yet at this revision."""
    snapshot = await _snapshots.get()
    if snapshot.manifest is None:
        datasets = []
        for name, dataset in DATASETS.items():
            files = [await _file(snapshot, name, fmt) for fmt in FORMATS]
            datasets.append(
                DatasetOut(
                    name=name,
                    title_ko=dataset.title_ko,
                    title_en=dataset.title_en,
                    rows=snapshot.frames[name].height,
                    columns=[ColumnOut(c.name, c.type.value, c.ko, c.en) for c in dataset.columns],
                    files=[
                        FileOut(
                            dataset=f.dataset,
                            format=f.format,
                            media_type=f.media_type,
                            url=urls.export(f.file_name),
                            rows=f.rows,
                            bytes=len(f.content),
                            sha256=f.sha256,
                            generated_at=f.generated_at.isoformat(),
                        )
                        for f in files
                    ],
                )
            )
        body = ManifestOut(
            as_of=snapshot.as_of.isoformat(),
            read_at=snapshot.read_at.isoformat(),
            list_separator=LIST_SEPARATOR,
            datasets=datasets,
        )
        content = msgspec.json.encode(body)
        snapshot.manifest = (content, f'"{hashlib.sha256(content).hexdigest()}"')
    return snapshot.manifest
