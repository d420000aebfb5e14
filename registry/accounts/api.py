"""Sign-up, sign-in and who-am-I."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.datastructures.headers import CacheControlHeader
from litestar.params import JSONBody, QueryParameter

from registry.accounts import urls
from registry.accounts.model import TokenRequest
from registry.accounts.service import issue_token, revoke_token
from registry.http.auth import signed_in, signed_in_principal

DryRun = Annotated[bool, QueryParameter(description="validate everything, store nothing")]


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_at: dt.datetime
    role: str
    provider_id: int | None


class MeOut(msgspec.Struct):
    user_id: int
    email: str
    display_name: str
    role: str
    provider_id: int | None


class AccountsController(Controller):
    tags = ("accounts",)

    @post(
        urls.TOKEN,
        operation_id="issueToken",
        status_code=200,
        summary="E-mail and password for a bearer token",
        cache_control=CacheControlHeader(no_store=True),  # a token must not stay in any cache
    )
    async def token(self, data: JSONBody[TokenRequest], state: State) -> TokenOut:
        settings = state.settings
        issued = await issue_token(
            data.email, data.password, secret_key=settings.secret_key, ttl_minutes=settings.token_ttl_minutes
        )
        p = issued.principal
        return TokenOut(issued.token, "bearer", issued.expires_at, p.role.value, p.provider_id)

    @post(
        urls.LOGOUT,
        operation_id="revokeToken",
        status_code=204,
        guards=[signed_in],
        summary="Revoke this token",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def logout(self, request: Request, state: State) -> None:
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        await revoke_token(token, state.settings.secret_key)

    @get(urls.ME, operation_id="whoAmI", guards=[signed_in], summary="The signed-in user")
    async def me(self, request: Request) -> MeOut:
        p = signed_in_principal(request)
        return MeOut(p.user_id, p.email, p.display_name, p.role.value, p.provider_id)
