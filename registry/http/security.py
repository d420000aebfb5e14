"""Defences at the edge, before any work and on every answer.

- `HeaderLimits`: a request whose headers are too long (one header, or all of them) is refused with 431
  before the token is looked up or anything else runs.
- `SecurityHeaders`: headers every response carries, problems and docs included. It is a hook on the
  ASGI `send` of the whole app (Litestar's `before_send`), not a route middleware, so that the router's
  own answers (404, 405) carry them too.
- `DocsPage`: the self-hosted Swagger UI 5 page (registry/http/docs_assets), whose one inline script is
  allowed by its hash only.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.kernel.errors import DomainError, FieldError

DOCS_ASSETS_DIR = Path(__file__).parent / "docs_assets"  # Swagger UI 5, vendored (see its README.md)

# Limits (README "Limits" explains each; deploy/nginx.conf matches them).
JSON_BODY_MAX = 1 << 20  # 1 MiB: the largest legitimate JSON body (an application with 500 items) is far less
BATCH_BODY_MAX = 64 << 20  # 64 MiB: a Parquet or JSON lines batch, read whole (or the portal's upload)
CSV_BATCH_BODY_MAX = 512 << 20  # 512 MiB: a CSV batch, read and answered chunk by chunk (panels.batch)
HEADER_MAX = 8 << 10  # 8 KiB: one header (a bearer token is under 100 bytes)
HEADERS_TOTAL_MAX = 16 << 10  # 16 KiB: all headers together (uvicorn's own default cap on a request head)

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The pages (registry/web): their own scripts and styles only, no inline code, forms to this site only.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_SCRIPT_HASHES = "registry.csp_script_hashes"
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def docs_csp(script_hashes: list[str]) -> str:
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes)
    return (
        f"default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


class HeaderLimits(ASGIMiddleware):
    """431 for one header above HEADER_MAX bytes or all above HEADERS_TOTAL_MAX; the first middleware."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        total = 0
        for name, value in scope.get("headers", ()):
            size = len(name) + len(value)
            total += size
            if size > HEADER_MAX:
                header = name.decode("latin-1")[:64]
                raise DomainError(
                    "HEADERS_TOO_LARGE.one",
                    name=header,
                    max=HEADER_MAX,
                    errors=[FieldError(header, f"longer than {HEADER_MAX} bytes", "header")],
                )
        if total > HEADERS_TOTAL_MAX:
            raise DomainError("HEADERS_TOO_LARGE.total", max=HEADERS_TOTAL_MAX)
        await next_app(scope, receive, send)


class SecurityHeaders:
    """A `before_send` hook adding the security headers to every response start, and dropping any
    `server` header. Strict-Transport-Security only on requests that came over HTTPS: the scope's
    scheme, which uvicorn sets from X-Forwarded-Proto only for proxies it trusts (--forwarded-allow-ips)."""

    # async: Litestar runs a plain function hook in a worker thread, twice per response.
    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers: list[tuple[bytes, bytes]] = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in _OWNED]
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        hashes = scope.get(_SCRIPT_HASHES)  # type: ignore[misc]
        page = content_type.startswith(b"text/html")
        csp = (docs_csp(hashes) if hashes is not None else PAGE_CSP) if page else API_CSP
        headers += [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"content-security-policy", csp.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]
        if scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        message["headers"] = headers  # type: ignore[typeddict-unknown-key]


_OWNED = {
    b"server",
    b"x-content-type-options",
    b"referrer-policy",
    b"x-frame-options",
    b"content-security-policy",
    b"cross-origin-opener-policy",
    b"cross-origin-resource-policy",
    b"strict-transport-security",
}


class DocsPage(SwaggerRenderPlugin):
    """Swagger UI as Litestar renders it, with the hashes of its inline scripts handed to
    `SecurityHeaders`, so that the page's CSP allows exactly those scripts and no other inline code."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema)
        request.scope[_SCRIPT_HASHES] = [  # type: ignore[literal-required]
            base64.b64encode(hashlib.sha256(body).digest()).decode() for body in _INLINE_SCRIPT.findall(page)
        ]
        return page
