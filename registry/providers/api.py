"""Providers over HTTP: registration, verification by a regulator, and the public lookup. Thin: parse,
call the service, answer."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from registry.http.auth import regulator_only, signed_in_principal
from registry.http.pagination import check_limit, decode_id_cursor, encode_cursor
from registry.http.params import AsOf, Cursor, DryRun, Limit, dry_run_response, one_of, parse_date, words
from registry.kernel.clock import today_in_korea
from registry.providers import service, urls
from registry.providers.model import RegistrationInput
from registry.providers.schemas import ProviderList, ProviderOut, RegistrationOut

STATUSES = ("active", "suspended", "revoked", "expired", "none")


class ProvidersController(Controller):
    tags = ("providers",)

    @post(
        urls.REGISTER,
        operation_id="registerProvider",
        status_code=201,
        summary="A new provider organisation and its first user (starts unverified)",
    )
    async def register(self, data: JSONBody[RegistrationInput], dry_run: DryRun = False) -> Response[RegistrationOut]:
        body = await service.register_provider(data, dry_run=dry_run)
        return dry_run_response(body, 200 if dry_run else 201, dry_run=dry_run)

    @get(urls.BASE, operation_id="listProviders", summary="Certified providers: search by name, item, status (public)")
    async def list(
        self,
        q: Annotated[str | None, QueryParameter(description="name, Korean or English", required=False)] = None,
        item: Annotated[str | None, QueryParameter(description="a certified item code", required=False)] = None,
        status: Annotated[
            str | None, QueryParameter(description=", ".join(STATUSES), required=False, schema_extra=words(*STATUSES))
        ] = None,
        as_of: AsOf = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> ProviderList:
        one_of("status", status, STATUSES)
        day = parse_date("as_of", as_of, default=today_in_korea())
        page = await service.list_providers(
            q=(q or "").strip() or None,
            item=item,
            status=status,
            day=day,
            limit=check_limit(limit),
            after=decode_id_cursor(cursor) if cursor else None,
        )
        next_cursor = encode_cursor(str(page.rows[-1].id)) if page.more else None
        return ProviderList(data=page.rows, total=page.total, next_cursor=next_cursor, as_of=day.isoformat())

    @get(urls.PROVIDER, operation_id="getProvider", summary="One provider, its certificates and items (public)")
    async def read(self, provider_id: FromPath[int], as_of: AsOf = None) -> ProviderOut:
        return await service.provider_public(provider_id, parse_date("as_of", as_of, default=today_in_korea()))

    @post(
        urls.VERIFY,
        guards=[regulator_only],
        operation_id="verifyProvider",
        summary="Confirm a registered organisation so it can submit applications (regulator)",
        status_code=200,
    )
    async def verify(self, request: Request, provider_id: FromPath[int]) -> ProviderOut:
        return await service.verify_provider(signed_in_principal(request), provider_id)
