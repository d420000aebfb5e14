"""The pages' router: every page under one router with the session cookie's middleware, the pages'
own static files, the language toggle, and refusals answered as pages (not problem JSON)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from litestar import Request, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from registry.accounts.service import principal_for_token
from registry.http.problems import render
from registry.kernel.errors import DomainError
from registry.web import console, portal, public
from registry.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from registry.web.pages import RoleRequired, SignInRequired, local_path, page, said, sign_in_redirect, words_for
from registry.web.session import SessionAuthentication

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_PATH = "/static"
log = logging.getLogger("registry.web")


@get("/lang/{code:str}", include_in_schema=False, sync_to_thread=False)
def choose_language(code: FromPath[str], next: FromQuery[str | None] = None) -> Redirect:
    """The language toggle: remembered for a year in a cookie, then back to the page it was clicked on."""
    response = Redirect(local_path(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True)
    return response


def _error_page(request: Request, status: int, sentence: str) -> Template:
    return page(request, "error.html", status_code=status, status=status, sentence=sentence)


def _domain_error(request: Request, exc: DomainError) -> Response:
    entry, _, _ = render(exc)
    return _error_page(request, entry.status, said(words_for(request), exc))  # type: ignore[return-value]


def _http_error(request: Request, exc: HTTPException) -> Response:
    words = words_for(request)
    if isinstance(exc, NotFoundException) or exc.status_code == 404:
        return _error_page(request, 404, words("error.not_found"))  # type: ignore[return-value]
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return _error_page(request, 403, words("error.csrf"))  # type: ignore[return-value]
    if exc.status_code == 405:
        return _error_page(request, 405, words("error.method"))  # type: ignore[return-value]
    if exc.status_code == 413:
        return _error_page(request, 413, words("error.too_large"))  # type: ignore[return-value]
    return _error_page(request, exc.status_code, words("error.bad_request"))  # type: ignore[return-value]


def _role_required(request: Request, exc: RoleRequired) -> Response:
    words = words_for(request)
    roles = ", ".join(words(f"role.{r.value}") for r in exc.roles)
    return _error_page(request, 403, words("error.role", roles=roles))  # type: ignore[return-value]


def _internal_error(request: Request, exc: Exception) -> Response:
    error_id = uuid.uuid4().hex[:12]
    log.exception("unhandled error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
    return _error_page(request, 500, words_for(request)("error.internal", error_id=error_id))  # type: ignore[return-value]


def not_found_page(request: Request) -> Response:
    """For the app shell: a browser asking for a path no route has gets a page, not problem JSON."""
    return _error_page(request, 404, words_for(request)("error.not_found"))  # type: ignore[return-value]


PAGE_EXCEPTION_HANDLERS = {
    SignInRequired: lambda request, _: sign_in_redirect(request),
    RoleRequired: _role_required,
    DomainError: _domain_error,
    HTTPException: _http_error,
    Exception: _internal_error,
}


def pages_router(secret_key: str) -> Router:
    static = create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600, public=True),
        opt={"query_names": ("v",)},  # the version in base.html's links, which renews cached copies
    )
    return Router(
        path="/",
        route_handlers=[choose_language, static, *public.ROUTES, *portal.ROUTES, *console.ROUTES],
        middleware=[SessionAuthentication(secret_key=secret_key, resolve=principal_for_token)],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        include_in_schema=False,
    )
