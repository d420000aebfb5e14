"""Who is asking: bearer tokens resolved once per request, and role guards per route.

Anonymous requests pass through with no user (public pages and lookups need none); a request that
presents a token must present a valid one.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts.model import Principal, Role
from registry.http.problems import ProblemError

BEARER = {"WWW-Authenticate": 'Bearer realm="dtc-registry"'}


class TokenAuthentication(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, secret_key: str) -> None:
        self.secret_key = secret_key

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        from registry.accounts.service import principal_for_token

        scope["user"] = None  # type: ignore[typeddict-unknown-key]
        header = Headers.from_scope(scope).get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ProblemError(
                    401,
                    "INVALID_TOKEN",
                    "Send the token as 'Authorization: Bearer <token>'.",
                    "토큰은 'Authorization: Bearer <토큰>' 형식으로 보내야 합니다.",
                    headers=BEARER,
                )
            principal = await principal_for_token(token.strip(), self.secret_key)
            if principal is None:
                raise ProblemError(
                    401,
                    "INVALID_TOKEN",
                    "The token is unknown, expired or revoked; sign in again at POST /api/v1/auth/token.",
                    "토큰이 없거나 만료되었거나 취소되었습니다. POST /api/v1/auth/token 으로 다시 로그인하십시오.",
                    headers=BEARER,
                )
            scope["user"] = principal  # type: ignore[typeddict-unknown-key]
        await next_app(scope, receive, send)


def principal_of(connection: ASGIConnection) -> Principal | None:
    return connection.scope.get("user")  # type: ignore[return-value]


def signed_in_principal(connection: ASGIConnection) -> Principal:
    """The principal of a route whose guard already demanded one."""
    principal = principal_of(connection)
    if principal is None:  # only if a route forgot its guard
        raise authentication_required()
    return principal


def authentication_required() -> ProblemError:
    return ProblemError(
        401,
        "AUTHENTICATION_REQUIRED",
        "Sign in first: POST /api/v1/auth/token, then send 'Authorization: Bearer <token>'.",
        "먼저 로그인하십시오: POST /api/v1/auth/token 후 'Authorization: Bearer <토큰>'을 보내십시오.",
        headers=BEARER,
    )


def requires(*roles: Role):
    """A guard: signed in, and (when roles are given) holding one of them."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal is None:
            raise authentication_required()
        if roles and principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise ProblemError(
                403,
                "ROLE_NOT_ALLOWED",
                f"This needs the role {allowed}; you are signed in as {principal.role.value}.",
                f"이 기능은 {allowed} 역할이 필요합니다. 현재 역할: {principal.role.value}.",
                extra={"required_roles": [r.value for r in roles], "your_role": principal.role.value},
            )

    guard.__name__ = f"requires_{'_'.join(r.value for r in roles) or 'user'}"
    return guard


signed_in = requires()
provider_only = requires(Role.provider)
reviewer_only = requires(Role.reviewer)
regulator_only = requires(Role.regulator)
staff_only = requires(Role.reviewer, Role.regulator)
