"""Panel checks over HTTP: one panel, registered panels, batch files, and impact of an edition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from registry.accounts.model import Role
from registry.http.auth import provider_only, regulator_only, requires, signed_in, signed_in_principal
from registry.http.params import DATE, one_of, parse_date, words
from registry.http.security import BATCH_BODY_MAX
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
        request_max_body_size=BATCH_BODY_MAX,
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
    ) -> Stream:
        kind = batch_format(request, fmt)
        day = parse_date("as_of", as_of, default=None) if as_of is not None else None
        body = await request.body()
        out, summary = await batch.check_batch(signed_in_principal(request), body, kind, as_of=day)
        payload = batch.write_batch(out, kind)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(payload), CHUNK):
                yield payload[start : start + CHUNK]

        return Stream(
            chunks(),
            media_type=batch.BATCH_FORMATS[kind],
            headers={
                "X-Panels": str(summary.panels),
                "X-Panels-Permitted": str(summary.permitted),
                "X-Rows": str(summary.rows),
                "X-Findings": str(summary.findings),
            },
        )


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
