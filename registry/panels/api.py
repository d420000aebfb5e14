"""Panel checks over HTTP: one panel, registered panels, batch files, and impact of an edition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import polars as pl
from litestar import Controller, Request, Response, get, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response.streaming import ASGIStreamingResponse
from litestar.types import Receive, Send

from registry.accounts.model import Role
from registry.http.auth import provider_only, regulator_only, requires, signed_in, signed_in_principal
from registry.http.params import DATE, one_of, parse_date, words
from registry.http.problems import render
from registry.http.security import BATCH_BODY_MAX, CSV_BATCH_BODY_MAX
from registry.kernel.errors import DomainError, FieldError
from registry.panels import batch, impact, service, urls
from registry.panels.model import CheckOut, ImpactOut, PanelOut, PanelRegistration, PanelRequest

checkers = requires(Role.provider, Role.regulator, Role.reviewer)
# The batch file: one row per panel item, as CSV (a header row), Parquet or JSON lines; the same rows come
# back with the verdict and findings of each panel.
BATCH_ROWS = {
    "schema": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["panel_id", "code"],
            "properties": {
                "panel_id": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                "code": {"type": "string", "minLength": 1, "maxLength": 64},
                "provider_id": {"type": "integer", "minimum": 1, "description": "required of a regulator"},
                "as_of": {"type": "string", "format": "date"},
                "target": {"type": "string"},
                "genes": {"type": "string", "description": "gene symbols, separated by ';' (a list in Parquet)"},
                "markers": {"type": "string", "description": "markers, separated by ';' (a list in Parquet)"},
                "claims": {"type": "string"},
            },
            "additionalProperties": False,
        },
    }
}
BATCH_HEADERS = {
    name: {"description": text, "schema": {"type": "string", "pattern": r"^\d+$"}}
    for name, text in (
        ("X-Panels", "panels in the file"),
        ("X-Panels-Permitted", "panels found permitted"),
        ("X-Rows", "rows read"),
        ("X-Findings", "findings written"),
    )
}
CHUNK = 1 << 20


def batch_format(request: Request, explicit: str | None) -> str:
    if explicit:
        return one_of("format", explicit, list(batch.BATCH_FORMATS))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    for fmt, media in batch.BATCH_FORMATS.items():
        if content_type in (
            media,
            f"application/{fmt}",
            f"application/x-{fmt}",
            "application/jsonl" if fmt == "jsonl" else media,
        ):
            return fmt
    raise DomainError(
        "UNSUPPORTED_MEDIA_TYPE",
        errors=[FieldError("Content-Type", f"unsupported: {content_type or 'none'}", "header")],
    )


class PanelsController(Controller):
    tags = ("panels",)

    @post(
        urls.CHECK,
        guards=[checkers],
        opt={"pure": True},
        operation_id="checkPanel",
        status_code=200,
        summary="May this provider sell this panel on this date? Nothing is stored.",
    )
    async def check(self, request: Request, data: JSONBody[PanelRequest]) -> CheckOut:
        """Check a panel against the rules on a date: verdict, and a finding per problem."""
        return await service.check_panel(signed_in_principal(request), data)

    @post(
        urls.PANELS,
        guards=[provider_only],
        operation_id="registerPanel",
        status_code=201,
        opt={"created": ("getPanel", {"panel_id": "$response.body#/id"})},
    )
    async def register(self, request: Request, data: JSONBody[PanelRegistration]) -> Response[PanelOut]:
        """Register a panel the provider sells; it is checked now and again whenever the rules change."""
        body = await service.register_panel(signed_in_principal(request), data)
        return Response(body, status_code=201, headers={"Location": urls.panel(body.id)})

    @get(
        urls.PANEL,
        guards=[signed_in],
        operation_id="getPanel",
        summary="A registered panel and its latest check",
    )
    async def read(self, request: Request, panel_id: FromPath[int]) -> PanelOut:
        return await service.read_panel(signed_in_principal(request), panel_id)

    @post(
        urls.RECHECK,
        guards=[signed_in],
        operation_id="recheckPanel",
        summary="Check a registered panel again on a date (its provider)",
        status_code=200,
    )
    async def recheck(self, request: Request, panel_id: FromPath[int]) -> PanelOut:
        return await service.recheck_on_request(signed_in_principal(request), panel_id)

    @post(
        urls.BATCH,
        guards=[requires(Role.provider, Role.regulator)],
        operation_id="checkPanelBatch",
        status_code=200,
        summary="CSV, Parquet or JSON lines in (one row per panel item); results back in the same format",
        description=(
            f"A CSV file is read and answered as it arrives, in chunks of whole panels: up to {CSV_BATCH_BODY_MAX:,}"
            f" bytes and {batch.MAX_STREAM_ROWS:,} rows. In a file of more than one chunk (about"
            f" {batch.STREAM_CHUNK_BYTES:,} bytes), each panel's rows must come together; the X-Panels headers"
            " are sent only for a file of one chunk; and a bad row met after the answer has started ends it"
            " with one last row whose verdict is `error` (its code, messages and the panel named, when one is)"
            " — the panels before it are answered, none after. Parquet and JSON lines are read whole, up to"
            f" {BATCH_BODY_MAX:,} bytes."
        ),
        request_max_body_size=CSV_BATCH_BODY_MAX,
        opt={
            "pure": True,
            "body": {media: BATCH_ROWS for media in batch.BATCH_FORMATS.values()},
            "answers": {
                200: {
                    "description": "each row with its panel's verdict and findings, in the format sent (or `format`)",
                    "headers": BATCH_HEADERS,
                    "content": {media: {"schema": {"type": "string"}} for media in batch.BATCH_FORMATS.values()},
                }
            },
        },
    )
    async def batch(
        self,
        request: Request,
        as_of: Annotated[
            str | None,
            QueryParameter(description="default date for rows without as_of", required=False, schema_extra=DATE),
        ] = None,
        fmt: Annotated[
            str | None,
            QueryParameter(
                name="format",
                description="csv, parquet or jsonl",
                required=False,
                schema_extra=words(*batch.BATCH_FORMATS),
            ),
        ] = None,
    ) -> ASGIStreamingResponse:
        kind = batch_format(request, fmt)
        day = parse_date("as_of", as_of, default=None) if as_of is not None else None
        principal = signed_in_principal(request)
        if kind == "csv":
            return await _streamed_csv(batch.check_csv_stream(principal, request.stream(), as_of=day))
        body = await _body_up_to(request, BATCH_BODY_MAX)
        out, summary = await batch.check_batch(principal, body, kind, as_of=day)
        payload = batch.write_batch(out, kind)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(payload), CHUNK):
                yield payload[start : start + CHUNK]

        return ReadingStream(iterator=chunks(), media_type=batch.BATCH_FORMATS[kind], headers=_summary_headers(summary))


class ReadingStream(ASGIStreamingResponse):
    """A streamed answer that may go on reading the request's body while it is sent: it does not listen
    for the client's disconnect, as that listener would take the body's messages; a client gone ends
    the body's reading (or the sending) instead."""

    async def send_body(self, send: Send, receive: Receive) -> None:
        await self._stream(send)


def _summary_headers(summary: batch.CheckSummary) -> dict[str, str]:
    return {
        "X-Panels": str(summary.panels),
        "X-Panels-Permitted": str(summary.permitted),
        "X-Rows": str(summary.rows),
        "X-Findings": str(summary.findings),
    }


async def _body_up_to(request: Request, limit: int) -> bytes:
    """The whole body, refused as soon as it is larger than `limit`."""
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise DomainError("PAYLOAD_TOO_LARGE", max=limit)
    return bytes(body)


async def _streamed_csv(chunks: AsyncIterator[batch.StreamedChunk]) -> ReadingStream:
    """The first chunk is checked before answering, so that a bad header or first chunk is a problem
    document; then each chunk's rows as they are checked, and a bad row met later as a last `error` row."""
    first = await anext(chunks)

    async def rows() -> AsyncIterator[bytes]:
        yield batch.write_batch(first.output, "csv")
        columns = first.output.columns
        try:
            async for chunk in chunks:
                yield batch.write_batch(chunk.output.select(columns), "csv", header=False)
        except DomainError as exc:
            yield batch.write_batch(_error_row(exc, columns), "csv", header=False)
        except RequestEntityTooLarge:  # a body without Content-Length, found too large while read
            too_large = DomainError("PAYLOAD_TOO_LARGE", max=CSV_BATCH_BODY_MAX)
            yield batch.write_batch(_error_row(too_large, columns), "csv", header=False)

    headers = _summary_headers(first.summary) if first.last else {}
    return ReadingStream(iterator=rows(), media_type=batch.BATCH_FORMATS["csv"], headers=headers)


def _error_row(exc: DomainError, columns: list[str]) -> pl.DataFrame:
    """The last row of an answer cut short by a bad row: the problem's code and sentences where a
    finding's would be, verdict `error`, and the panel when the problem names one."""
    _, en, ko = render(exc)
    said = {"panel_id": exc.extra.get("panel_id"), "verdict": "error", "code": exc.problem, "severity": "error"}
    said |= {"message_en": en, "message_ko": ko}
    return pl.DataFrame([{column: said.get(column) for column in columns}], schema=dict.fromkeys(columns, pl.String))


class ImpactController(Controller):
    tags = ("catalogue drafts",)

    @get(
        urls.IMPACT,
        guards=[regulator_only],
        operation_id="editionImpact",
        summary="Registered panels whose verdict would change if this edition were in force",
    )
    async def impact(self, version: FromPath[str]) -> ImpactOut:
        return await impact.impact(version)


__all__ = ["ImpactController", "PanelsController", "Response"]
