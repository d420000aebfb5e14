"""Open data over HTTP, public: the exports with their manifest, the change feed in JSON and in Atom.
Thin: parse, call the use case, answer; conditional GET (ETag, If-None-Match) is answered here, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import HeaderParameter, Parameter, QueryParameter

from registry.http.cache import canonical_query
from registry.http.pagination import MAX_CURSOR_LENGTH, check_limit, decode_cursor, encode_cursor
from registry.http.params import Limit
from registry.kernel.clock import utcnow
from registry.kernel.errors import DomainError, FieldError
from registry.kernel.ids import MAX_ID
from registry.opendata import atom, changes, exports, urls
from registry.opendata.model import DATASETS, FORMATS, Change, Position, split_file_name
from registry.opendata.schemas import ChangeList, ChangeOut, ManifestOut, SubjectOut

IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(name="If-None-Match", description="an ETag you hold: 304 while it is current", required=False),
]
Since = Annotated[
    str | None,
    QueryParameter(
        description="next_cursor of the previous page; none: from the first event",
        required=False,
        schema_extra={"maxLength": MAX_CURSOR_LENGTH, "format": "registry-feed-cursor"},
    ),
]
CACHE_CONTROL = "public, no-cache"  # may be stored, revalidated with the ETag on each use
ETAG = ResponseHeader(
    name="ETag", documentation_only=True, description="SHA-256 of the bytes, quoted; send it back as If-None-Match"
)
DISPOSITION = ResponseHeader(
    name="Content-Disposition", documentation_only=True, description='attachment; filename="{dataset}.{format}"'
)
NOT_MODIFIED = {304: ResponseSpec(None, description="Not modified: the ETag named in If-None-Match is current")}


def _binary(description: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, format="binary", description=description)  # type: ignore[arg-type]


@dataclass
class ExportOperation(Operation):
    """The export's 200 answer in each of its media types (one handler serves all three formats)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if ok is not None and not isinstance(ok, dict):
            ok.content = {  # type: ignore[union-attr]
                "text/csv": OpenAPIMediaType(schema=_binary("UTF-8 CSV with a header row; dates YYYY-MM-DD")),
                "application/json": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.ARRAY,
                        items=Schema(type=OpenAPIType.OBJECT),
                        description="one array of objects, a key per column",
                    )
                ),
                "application/vnd.apache.parquet": OpenAPIMediaType(schema=_binary("Apache Parquet")),
            }


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match with the current ETag ('*' matches any)."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _conditional(content: bytes, etag: str, media_type: str, if_none_match: str | None, **headers: str) -> Response:
    common = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(if_none_match, etag):
        return Response(content=b"", status_code=304, headers=common)
    # Litestar adds the charset of text/* itself.
    return Response(content=content, media_type=media_type.split(";")[0], headers={**common, **headers})


def _position(since: str | None) -> Position:
    if not since:
        return Position()
    try:
        key = decode_cursor(since)
    except DomainError:
        key = ""
    found = Position.parse(key, MAX_ID)
    if found is None:
        raise DomainError("INVALID_PARAMETER.cursor", errors=[FieldError("since", "not a cursor this API issued")])
    return found


def _change_out(change: Change) -> ChangeOut:
    s = change.subject
    return ChangeOut(
        id=change.id,
        type=change.type,
        time=change.time.isoformat(),
        effective_date=change.effective_date.isoformat(),
        subject=SubjectOut(
            s.certificate_number, s.provider_id, s.provider_name_ko, s.provider_name_en, s.edition_version, s.item_code
        ),
        summary_en=change.summary_en,
        summary_ko=change.summary_ko,
        link=change.link,
    )


class OpenDataController(Controller):
    tags = ("open data",)

    @get(
        urls.MANIFEST,
        operation_id="exportManifest",
        summary="Every export file: dataset, format, rows, bytes, SHA-256, time, URL, and each dataset's "
        "column dictionary (public)",
        response_description="The manifest; ETag and If-None-Match as for the files",
        response_headers=[ETAG],
        responses=NOT_MODIFIED,
    )
    async def manifest(self, if_none_match: IfNoneMatch = None) -> Response[ManifestOut]:
        content, etag = await exports.manifest()
        return _conditional(content, etag, "application/json", if_none_match)

    @get(
        urls.EXPORT,
        operation_id="exportDataset",
        summary="One dataset in one format: {dataset}.{format} (public)",
        description=(
            f"`file` is `{{dataset}}.{{format}}`: datasets {', '.join(DATASETS)}; formats {', '.join(FORMATS)}. "
            "Files are written once per data revision; the ETag is the SHA-256 of the bytes (also in the "
            "manifest), and If-None-Match answers 304 while it is current. Unknown dataset or format: 404."
        ),
        response_description="The file, as an attachment",
        operation_class=ExportOperation,
        response_headers=[ETAG, DISPOSITION],
        responses=NOT_MODIFIED,
    )
    async def export(
        self,
        file: Annotated[str, Parameter(description="{dataset}.{format}, e.g. certificates.csv")],
        if_none_match: IfNoneMatch = None,
    ) -> Response[bytes]:
        dataset, fmt = split_file_name(file) or (file, "")
        found = await exports.export_file(dataset, fmt)
        return _conditional(
            found.content,
            found.etag,
            found.media_type,
            if_none_match,
            **{"Content-Disposition": f'attachment; filename="{found.file_name}"'},
        )

    @get(
        urls.CHANGES,
        operation_id="listChanges",
        summary="Public events after a cursor, oldest first: certificates issued, items added, suspended, "
        "surcharged, hearings, revoked, reinstated, renewed; editions published; new items certified (public)",
    )
    async def changes(self, since: Since = None, limit: Limit = None) -> ChangeList:
        size = check_limit(limit)
        page, after, more = await changes.changes_since(_position(since), size)
        return ChangeList(data=[_change_out(c) for c in page], next_cursor=encode_cursor(after.key()), more=more)

    @get(
        urls.FEED,
        operation_id="changesAtom",
        summary="The newest public events as an Atom 1.0 feed (public)",
        media_type=atom.MEDIA_TYPE,
        response_description="An Atom 1.0 feed (RFC 4287), newest entry first",
    )
    async def feed(self, request: Request, limit: Limit = None) -> Response[bytes]:
        size = check_limit(limit)
        origin = str(request.base_url).rstrip("/")
        # The parameters in the order the public cache keys them (registry/http/cache.py), so that a kept
        # answer names itself as any request sharing its key would.
        raw = request.scope.get("query_string", b"")
        query = f"?{canonical_query(raw).decode('latin-1')}" if canonical_query(raw) else ""
        body = atom.feed_document(
            await changes.latest_changes(size),
            origin=origin,
            self_path=urls.FEED + query,
            alternate_path=urls.CHANGES,
            now=utcnow(),
        )
        return Response(content=body, media_type=atom.MEDIA_TYPE)
