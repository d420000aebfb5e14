"""Who is asking: bearer tokens resolved once per request, and role guards per route.

Anonymous requests pass through with no user (public pages and lookups need none); a request that
presents a token must present a valid one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts.model import Principal, Role, token_digest
from registry.db import changes
from registry.db.engine import current_engine
from registry.kernel.clock import utcnow
from registry.kernel.errors import DomainError

TokenResolver = Callable[[str, str], Awaitable[Principal | None]]
TokenHolder = Callable[[str, str], Awaitable[tuple[Principal, dt.datetime] | None]]

PRINCIPAL_SECONDS = 5.0
PRINCIPALS_MAX = 10_000


class PrincipalCache:
    """A TokenResolver that remembers who a valid token signs in, per worker: keyed by the token's
    digest (no token is kept in memory), for at most PRINCIPAL_SECONDS and never past the token's
    expiry, and only while the change signal's generation is the one the entry was read at. Sign-out,
    disabling an account and a change of role are write transactions: they change the generation, so
    they take effect at once on every worker. Unknown tokens are not remembered: a client trying made-up
    tokens would otherwise push out the valid ones, and a valid client does not present them twice."""

    def __init__(
        self, resolve: TokenHolder, *, seconds: float = PRINCIPAL_SECONDS, max_entries: int = PRINCIPALS_MAX
    ) -> None:
        self.resolve, self.seconds, self.max_entries = resolve, seconds, max_entries
        # digest -> (generation, kept until (monotonic), token expiry, principal)
        self._entries: OrderedDict[str, tuple[tuple, float, dt.datetime, Principal]] = OrderedDict()

    async def __call__(self, token: str, secret_key: str) -> Principal | None:
        digest = token_digest(token, secret_key)
        generation = changes.generation(current_engine())  # read before the lookup it vouches for
        entry = self._entries.get(digest)
        if entry is not None:
            if (
                generation is not None
                and entry[0] == generation
                and time.monotonic() < entry[1]
                and utcnow() < entry[2]
            ):
                self._entries.move_to_end(digest)
                return entry[3]
            del self._entries[digest]
        held = await self.resolve(token, secret_key)
        if held is None:
            return None
        principal, expires_at = held
        if generation is not None:
            if len(self._entries) >= self.max_entries:
                self._entries.popitem(last=False)
            self._entries[digest] = (generation, time.monotonic() + self.seconds, expires_at, principal)
        return principal


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

    # A coroutine: Litestar runs a plain function guard in a worker thread, a thread hop per request.
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
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
