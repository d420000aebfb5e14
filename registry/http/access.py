"""One access line per request, and a request id on every response.

`RequestLog` is the outermost ASGI layer (around the edge's own load shedding, so its fast 503 and 429
refusals are logged and carry the id too). A well-formed `X-Request-ID` from the client (or the proxy in
front) is echoed; otherwise a new one is made. The id is in the response's `X-Request-ID` header and in
problem bodies as `request_id`, and the access line names it, so a user can quote it and an operator
find the line. The line holds the method, the path (never the query string), the status, the duration in
milliseconds, the request id and the client address as `client.py` determines it; never a body, a header
value or a token. Logger `registry.access`, at the level REGISTRY_ACCESS_LOG_LEVEL names (`OFF`: none)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from registry.http.client import client_address, trusted_networks
from registry.settings import Settings

REQUEST_ID_HEADER = b"x-request-id"
SCOPE_KEY = "registry.request_id"  # where the id waits for the problem bodies
# What an incoming id may be: a UUID, a proxy's hex id, a trace id; nothing that could forge a log line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
log = logging.getLogger("registry.access")


def request_id_of(scope: Any) -> str | None:
    """The id `RequestLog` gave the request in `scope` (None outside it)."""
    return scope.get(SCOPE_KEY)


def incoming_request_id(headers: Any) -> str | None:
    """The client's X-Request-ID when it is well formed (one header, 1-128 safe characters)."""
    values = [v for k, v in headers if k.lower() == REQUEST_ID_HEADER]
    if len(values) != 1:
        return None
    value = values[0].decode("latin-1")
    return value if _WELL_FORMED.fullmatch(value) else None


class RequestLog:
    def __init__(self, app: Any, settings: Settings):
        self.app = app
        self.trusted = trusted_networks(settings.trusted_proxies)
        self.level = logging.getLevelName(settings.access_log_level) if settings.access_log_level != "OFF" else None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope.get("headers", ())) or uuid.uuid4().hex
        scope[SCOPE_KEY] = request_id
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != REQUEST_ID_HEADER]
                message["headers"] = [*headers, (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.level is not None and log.isEnabledFor(self.level):
                log.log(
                    self.level,
                    "%s %s %d %.1fms request_id=%s client=%s",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    request_id,
                    client_address(scope, self.trusted),
                )
