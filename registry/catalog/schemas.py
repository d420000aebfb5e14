"""What the catalogue's use cases return, as the API documents and sends it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class DraftOut(msgspec.Struct):
    """A draft edition of the permitted list: what it starts from and its content so far."""

    version: str
    base_version: str
    state: str  # open | published
    created_by: str
    revision: int
    content: dict[str, Any]
    etag: str = ""  # the revision as an entity tag: send it as If-Match to edit the draft


class DraftList(msgspec.Struct):
    data: list[DraftOut]


class PublishedOut(msgspec.Struct):
    published: str


class ItemFoundOut(msgspec.Struct):
    """An item a search found, as it reads on `as_of`."""

    code: str
    name_ko: str
    name_en: str
    category: str
    tier: str
    first_edition: str | None  # the first edition listing it (None: certified, not yet listed)
    first_edition_confirmed: bool
    first_certified_on: dt.date | None  # first certified to an institution by a decision, if so
    # permitted | temporary | temporary_expired | withdrawn | certified_to_institution | not_yet_listed |
    # no_longer_listed: the item's status on as_of
    status: str
    href: str


class ItemSearchOut(msgspec.Struct):
    data: list[ItemFoundOut]
    total: int
    next_cursor: str | None
    as_of: dt.date
    q: str | None
