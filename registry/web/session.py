"""Who is signed in to the pages: the same bearer token the API issues, carried in a cookie.

The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (not sent on another site's form posts)
and `Secure` whenever the request came over HTTPS; every form that changes something also carries the
CSRF token (app.py configures it for every path outside the API). The cookie never authenticates an API
call: this middleware sits on the pages' router only.
"""

from __future__ import annotations

import datetime as dt

from litestar import Response
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts.service import IssuedToken
from registry.http.auth import TokenResolver

SESSION_COOKIE = "registry_session"


class SessionAuthentication(ASGIMiddleware):
    """Sets the request's principal from the session cookie; a stale or revoked cookie is no one."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, secret_key: str, resolve: TokenResolver) -> None:
        self.secret_key = secret_key
        self.resolve = resolve

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("user") is None:  # type: ignore[misc]
            token = ASGIConnection(scope).cookies.get(SESSION_COOKIE)
            if token:
                scope["user"] = await self.resolve(token, self.secret_key)  # type: ignore[typeddict-unknown-key]
        await next_app(scope, receive, send)


def start_session(response: Response, issued: IssuedToken, *, secure: bool) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=max(0, int((issued.expires_at - dt.datetime.now(dt.UTC)).total_seconds())),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    return response


def session_token(connection: ASGIConnection) -> str | None:
    return connection.cookies.get(SESSION_COOKIE)


def end_session(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
