"""The audit log for regulators: events newest first with filters, and verification of the hash chain."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter

from registry.audit import service, urls
from registry.audit.schemas import AuditEventList, AuditEventOut
from registry.audit.service import EventFilter
from registry.http.auth import regulator_only
from registry.http.pagination import check_limit, decode_id_cursor, encode_cursor
from registry.http.params import DATE, Cursor, Limit, parse_date


class AuditController(Controller):
    tags = ("audit",)
    guards = [regulator_only]  # noqa: RUF012 - Litestar reads it as declared

    @get(
        urls.EVENTS,
        operation_id="listAuditEvents",
        summary="Audit events, newest first, by entity, action, actor and days",
    )
    async def list(
        self,
        entity_type: Annotated[
            str | None, QueryParameter(description="application, certificate, provider ...", max_length=64)
        ] = None,
        entity_id: Annotated[
            str | None, QueryParameter(description="the entity's id or number, e.g. APP-2026-00001", max_length=64)
        ] = None,
        action: Annotated[
            str | None, QueryParameter(description="one action, e.g. application.decided", max_length=64)
        ] = None,
        actor_id: Annotated[int | None, QueryParameter(description="the user who acted", ge=1, le=2**31 - 1)] = None,
        since: Annotated[
            str | None, QueryParameter(description="from this day in Korea, YYYY-MM-DD", schema_extra=DATE)
        ] = None,
        until: Annotated[
            str | None, QueryParameter(description="to this day in Korea (inclusive), YYYY-MM-DD", schema_extra=DATE)
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> AuditEventList:
        filters = EventFilter(
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            actor_id=actor_id,
            since=parse_date("since", since) if since else None,
            until=parse_date("until", until) if until else None,
        )
        size = check_limit(limit)
        before = decode_id_cursor(cursor) if cursor else None
        rows, total = await service.events(filters, before_seq=before, limit=size + 1)
        more = len(rows) > size
        rows = rows[:size]
        return AuditEventList(
            data=msgspec.convert(rows, list[AuditEventOut]),
            total=total,
            next_cursor=encode_cursor(str(rows[-1]["seq"])) if more else None,
        )

    @get(
        urls.VERIFY,
        operation_id="verifyAuditChain",
        summary="Check the audit chain and name the first broken event (regulator)",
    )
    async def verify(self) -> dict[str, Any]:
        report = await service.verify()
        broken = report.first_break
        return {
            "intact": report.intact,
            "events": report.events,
            "head_hash": report.head_hash,
            "first_broken_event": broken.seq if broken else None,
            "reason_en": broken.reason_en if broken else "Every event links to the one before and matches its hash.",
            "reason_ko": broken.reason_ko if broken else "모든 이벤트가 앞 이벤트와 이어지고 해시가 일치합니다.",
        }
