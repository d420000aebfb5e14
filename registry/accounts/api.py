"""Sign-up, sign-in and who-am-I."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.datastructures.headers import CacheControlHeader
from litestar.params import FromPath, JSONBody, QueryParameter

from registry.accounts import urls
from registry.accounts.model import AccountStateInput, TokenRequest
from registry.accounts.schemas import AccountStateOut
from registry.accounts.service import issue_token, revoke_token, set_account_active
from registry.http.auth import regulator_only, signed_in, signed_in_principal
from registry.http.client import client_address, trusted_networks

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
    async def token(self, request: Request, data: JSONBody[TokenRequest], state: State) -> TokenOut:
        settings = state.settings
        issued = await issue_token(
            data.email,
            data.password,
            secret_key=settings.secret_key,
            ttl_minutes=settings.token_ttl_minutes,
            client=client_address(request.scope, trusted_networks(settings.trusted_proxies)),
        )
        p = issued.principal
        return TokenOut(issued.token, "bearer", issued.expires_at, p.role.value, p.provider_id)

    @post(
        urls.LOGOUT,
        operation_id="revokeToken",
        status_code=204,
        guards=[signed_in],
        summary="Sign out: revoke the token of this request",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def logout(self, request: Request, state: State) -> None:
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        await revoke_token(token, state.settings.secret_key)

    @get(urls.ME, operation_id="whoAmI", guards=[signed_in], summary="The signed-in user, role and organisation")
    async def me(self, request: Request) -> MeOut:
        p = signed_in_principal(request)
        return MeOut(p.user_id, p.email, p.display_name, p.role.value, p.provider_id)


class UsersController(Controller):
    tags = ("accounts",)

    @post(
        urls.DISABLE,
        operation_id="disableUser",
        status_code=200,
        guards=[regulator_only],
        summary="Disable an account: no sign-in, and every token it holds revoked at once",
    )
    async def disable(
        self, request: Request, user_id: FromPath[int], data: JSONBody[AccountStateInput]
    ) -> AccountStateOut:
        principal = signed_in_principal(request)
        return await set_account_active(
            principal.actor, user_id, active=False, reason=data.reason, acting_user_id=principal.user_id
        )

    @post(
        urls.ENABLE,
        operation_id="enableUser",
        status_code=200,
        guards=[regulator_only],
        summary="Enable a disabled account again (its old tokens stay revoked)",
    )
    async def enable(
        self, request: Request, user_id: FromPath[int], data: JSONBody[AccountStateInput]
    ) -> AccountStateOut:
        principal = signed_in_principal(request)
        return await set_account_active(principal.actor, user_id, active=True, reason=data.reason)
