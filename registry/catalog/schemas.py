"""What the catalogue's use cases return, as the API documents and sends it."""

from __future__ import annotations

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
