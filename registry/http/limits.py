"""Load shedding at the edge: a bound on the requests one worker serves at once (503 SERVICE_BUSY at
once beyond it, never a queue), per-client rate limits counted in the database every worker shares
(429 RATE_LIMITED), and a header timeout for uvicorn against slow clients. See README, "Load shedding"."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from piccolo.querystring import QueryString
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from registry.db.engine import PooledSQLiteEngine, current_engine
from registry.http.access import request_id_of
from registry.http.client import client_address, trusted_networks
from registry.http.problems import PROBLEM_JSON, problem_document, render
from registry.kernel.errors import DomainError
from registry.settings import Settings

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]
EXEMPT = frozenset({"/healthz"})
BUSY_RETRY_AFTER = 1  # seconds: a request in flight takes milliseconds to a few seconds
log = logging.getLogger("registry.http")


async def refuse(scope: dict, receive: Any, send: Any, error: DomainError) -> None:
    """Answer with the problem details of `error` (the body the exception handlers give), written straight
    to the ASGI server: a refusal under overload must cost next to nothing."""
    entry, en, ko = render(error)
    body = msgspec.json.encode(
        problem_document(scope["path"], entry.status, error.code, en, ko, request_id=request_id_of(scope))
    )
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in error.headers.items()]
    await send({"type": "http.response.start", "status": entry.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ConcurrencyLimit:
    """At most `limit` requests in flight in this worker; the next one is answered 503 with Retry-After
    at once, so a burst costs the excess a fast refusal instead of everyone a long queue."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit, self.in_flight = app, limit, 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            busy = DomainError("SERVICE_BUSY", wait=BUSY_RETRY_AFTER, headers={"Retry-After": str(BUSY_RETRY_AFTER)})
            await refuse(scope, receive, send, busy)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def request_class(method: str, path: str, sign_in_paths: frozenset[str]) -> str | None:
    """Which limit a request counts against: read, sign_in or write (None: not limited)."""
    if path in EXEMPT:
        return None
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    if path in sign_in_paths:
        return "sign_in"
    return "write"


UPSERT = (
    "INSERT INTO rate_limit_window (bucket, window_start, hits) VALUES ({}, {}, 1) "
    "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_window.hits + 1 RETURNING hits"
)


async def count_hit(bucket: str, window_start: int) -> int:
    """One atomic statement: the hits of `bucket` in this window, this one included."""
    engine = current_engine()
    query = QueryString(UPSERT, bucket, window_start)
    if isinstance(engine, PooledSQLiteEngine):
        rows = await engine.run_on_writer(query)
    else:
        rows = await engine.run_querystring(query, in_pool=True)
    return rows[0]["hits"]


async def forget_before(window_start: int) -> None:
    engine = current_engine()
    query = QueryString("DELETE FROM rate_limit_window WHERE window_start < {}", window_start)
    if isinstance(engine, PooledSQLiteEngine):
        await engine.run_on_writer(query)
    else:
        await engine.run_querystring(query, in_pool=True)


def _refusal(kind: str, **params: Any) -> DomainError:
    if kind == "sign_in":
        return DomainError("RATE_LIMITED.sign_in", **params)
    if kind == "write":
        return DomainError("RATE_LIMITED.write", **params)
    return DomainError("RATE_LIMITED.read", **params)


class RateLimit:
    """Fixed-window counters per client address and class of request (read, sign-in, write), kept in the
    database so that every worker and host behind the proxy counts the same hits."""

    def __init__(self, app: ASGIApp, settings: Settings, sign_in_paths: frozenset[str], clock=time.time):
        self.app, self.sign_in_paths = app, sign_in_paths
        self.limits = {
            "read": settings.rate_limit_reads,
            "sign_in": settings.rate_limit_sign_ins,
            "write": settings.rate_limit_writes,
        }
        self.window = settings.rate_limit_window_seconds
        self.trusted = trusted_networks(settings.trusted_proxies)
        self.clock = clock
        self.swept = 0
        self.sweeps: set[asyncio.Task] = set()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        kind = None
        if scope["type"] == "http":
            kind = request_class(scope["method"], scope["path"], self.sign_in_paths)
        limit = self.limits.get(kind or "", 0)
        if not limit:
            await self.app(scope, receive, send)
            return
        now = self.clock()
        window_start = int(now // self.window) * self.window
        if window_start > self.swept:
            self.swept = window_start
            sweep = asyncio.get_running_loop().create_task(self._sweep(window_start - self.window))
            self.sweeps.add(sweep)  # held until done, so that it is not collected half-way
            sweep.add_done_callback(self.sweeps.discard)
        hits = await count_hit(f"{kind}:{client_address(scope, self.trusted)}", window_start)
        if hits > limit:
            wait = max(1, math.ceil(window_start + self.window - now))
            refusal = _refusal(kind, limit=limit, window=self.window, wait=wait, headers={"Retry-After": str(wait)})
            await refuse(scope, receive, send, refusal)
            return
        await self.app(scope, receive, send)

    async def _sweep(self, before: int) -> None:
        try:
            await forget_before(before)
        except Exception:  # the next window tries again
            log.warning("could not remove old rate-limit windows", exc_info=True)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a bound on how long a client may take to send a request's headers.
    uvicorn times out idle keep-alive connections but not a request that trickles in (slowloris): a
    connection that sends part of its headers is otherwise held for ever. Use with
    `uvicorn --http registry.http.limits:HeaderTimeoutProtocol`."""

    header_timeout = 10.0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timeout()

    def _arm_header_timeout(self) -> None:
        self._disarm_header_timeout()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _disarm_header_timeout(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._disarm_header_timeout()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)  # the next request's headers are in already
        super().on_response_complete()
        if not pipelined and not self.transport.is_closing():
            self._arm_header_timeout()

    def connection_lost(self, exc) -> None:
        self._disarm_header_timeout()
        super().connection_lost(exc)
