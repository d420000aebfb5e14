"""The change feed as an Atom 1.0 document (RFC 4287), built with the standard library's ElementTree so that
every text is escaped. Ids are `urn:uuid:` URIs derived (UUID version 5) from the registry's address and
the event's stable id: the same event keeps the same id for as long as the registry is served there."""

from __future__ import annotations

import datetime as dt
import uuid
from xml.etree import ElementTree as ET

from registry.opendata.model import Change

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml"
ET.register_namespace("", ATOM)


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), attributes)
    if text is not None:
        element.text = text
    return element


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def urn(origin: str, stable_id: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{origin}#{stable_id}").urn


def feed_document(
    changes: list[Change], *, origin: str, self_path: str, alternate_path: str, now: dt.datetime
) -> bytes:
    """The feed of `changes` (newest first). `origin`: scheme, host and port the registry is served at."""
    feed = ET.Element(_tag("feed"), {XML_LANG: "en"})
    _add(feed, "id", urn(origin, "feed"))
    _add(feed, "title", "DTC genetic-testing registry: changes / 소비자 직접 시행 유전자검사 인증 등록부 변경 사항")
    _add(feed, "subtitle", "Certificates issued, suspended, revoked and renewed; catalogue editions; new items.")
    _add(feed, "updated", _instant(max((c.time for c in changes), default=now)))
    author = _add(feed, "author")
    _add(author, "name", "DTC genetic-testing registry")
    _add(feed, "link", rel="self", type=MEDIA_TYPE, href=origin + self_path)
    _add(feed, "link", rel="alternate", type="application/json", href=origin + alternate_path)
    for change in changes:
        entry = _add(feed, "entry")
        _add(entry, "id", urn(origin, change.id))
        _add(entry, "title", change.summary_en)
        _add(entry, "updated", _instant(change.time))
        _add(entry, "published", _instant(change.time))
        _add(entry, "category", term=change.type)
        _add(entry, "link", rel="alternate", href=origin + change.link)
        _add(entry, "summary", change.summary_ko, type="text", **{XML_LANG: "ko"})
        _add(entry, "content", f"{change.summary_en}\n{change.summary_ko}", type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
