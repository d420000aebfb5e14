"""What the open-data use cases return: the manifest and the change feed, typed for the API's documentation."""

from __future__ import annotations

from typing import Annotated

import msgspec


class ColumnOut(msgspec.Struct):
    """One column of a dataset: its name, type (string, integer, boolean, date, datetime) and meaning."""

    name: str
    type: str
    meaning_ko: str
    meaning_en: str


class FileOut(msgspec.Struct):
    """One downloadable file. `url` is a path on this registry; `sha256` of the exact bytes served (also the
    file's ETag); `generated_at` when the file was written (UTC)."""

    dataset: str
    format: str
    media_type: str
    url: str
    rows: int
    bytes: int
    sha256: str
    generated_at: str


class DatasetOut(msgspec.Struct):
    name: str
    title_ko: str
    title_en: str
    rows: int
    columns: list[ColumnOut]
    files: list[FileOut]


class ManifestOut(msgspec.Struct):
    """Every dataset and file at one data revision. `as_of`: the day (in Korea) the standings refer to;
    `read_at`: when the rows were read (UTC); `list_separator`: how list columns join their values."""

    as_of: str
    read_at: str
    list_separator: str
    datasets: list[DatasetOut]


class SubjectOut(msgspec.Struct, omit_defaults=False):
    """What an event is about: a certificate (with its holder), an edition, or an item."""

    certificate_number: str | None
    provider_id: int | None
    provider_name_ko: str | None
    provider_name_en: str | None
    edition_version: str | None
    item_code: str | None


class ChangeOut(msgspec.Struct):
    """One public event. `id` is stable (`certificate-event:12`, `edition:11`, `certified-item:3`); `type`
    one of certificate.issued, certificate.items_added, certificate.renewed, certificate.suspended,
    certificate.surcharged, certificate.reinstated, certificate.hearing, certificate.revoked,
    catalogue.edition_published, catalogue.item_certified; `time` when the registry recorded it (UTC);
    `effective_date` the day it takes effect; `link` the path of the resource on this registry."""

    id: str
    type: str
    time: str
    effective_date: str
    subject: SubjectOut
    summary_en: str
    summary_ko: str
    link: str


class ChangeList(msgspec.Struct):
    """A page of the change feed, oldest first. Pass `next_cursor` as `since` for the next page; it is given
    at the end of the feed too, so a reader polls with it and receives only what was recorded since."""

    data: list[ChangeOut]
    next_cursor: Annotated[str, msgspec.Meta(description="opaque; pass it as 'since'")]
    more: bool
