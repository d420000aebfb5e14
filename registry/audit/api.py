"""The audit log for regulators: events, and verification of the hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import QueryParameter

from registry.audit import service, urls
from registry.http.auth import regulator_only
from registry.http.pagination import check_limit, decode_id_cursor, encode_cursor
from registry.http.params import Cursor, Limit


class AuditController(Controller):
    tags = ("audit",)
    guards = [regulator_only]  # noqa: RUF012 - Litestar reads it as declared

    @get(urls.EVENTS, operation_id="listAuditEvents")
    async def list(
        self,
        entity_type: Annotated[str | None, QueryParameter(required=False)] = None,
        entity_id: Annotated[str | None, QueryParameter(required=False)] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        size = check_limit(limit)
        after = decode_id_cursor(cursor) if cursor else 0
        rows, total = await service.events(
            entity_type=entity_type, entity_id=entity_id, after_seq=after, limit=size + 1
        )
        more = len(rows) > size
        rows = rows[:size]
        return {"data": rows, "total": total, "next_cursor": encode_cursor(str(rows[-1]["seq"])) if more else None}

    @get(urls.VERIFY, operation_id="verifyAuditChain")
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
