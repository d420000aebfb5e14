"""Who is asking: bearer tokens resolved once per request, and role guards per route.

Anonymous requests pass through with no user (public pages and lookups need none); a request that
presents a token must present a valid one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts.model import Principal, Role
from registry.kernel.errors import DomainError

TokenResolver = Callable[[str, str], Awaitable[Principal | None]]


class TokenAuthentication(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, secret_key: str, resolve: TokenResolver) -> None:
        self.secret_key = secret_key
        self.resolve = resolve  # the accounts feature's token lookup, wired by the app shell

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None  # type: ignore[typeddict-unknown-key]
        header = Headers.from_scope(scope).get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise DomainError("INVALID_TOKEN.scheme")
            principal = await self.resolve(token.strip(), self.secret_key)
            if principal is None:
                raise DomainError("INVALID_TOKEN.unknown")
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


def authentication_required() -> DomainError:
    return DomainError("AUTHENTICATION_REQUIRED")


def requires(*roles: Role):
    """A guard: signed in, and (when roles are given) holding one of them."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal is None:
            raise authentication_required()
        if roles and principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise DomainError(
                "ROLE_NOT_ALLOWED",
                allowed=allowed,
                role=principal.role.value,
                extra={"required_roles": [r.value for r in roles], "your_role": principal.role.value},
            )

    guard.roles = roles  # type: ignore[attr-defined]  # read by http/openapi.py to document the route
    guard.__name__ = f"requires_{'_'.join(r.value for r in roles) or 'user'}"
    return guard


signed_in = requires()
provider_only = requires(Role.provider)
reviewer_only = requires(Role.reviewer)
regulator_only = requires(Role.regulator)
staff_only = requires(Role.reviewer, Role.regulator)
