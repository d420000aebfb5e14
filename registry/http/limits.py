"""Load shedding at the edge: a bound on the requests one worker serves at once (503 SERVICE_BUSY at
once beyond it, never a queue), per-client rate limits counted in the database every worker shares
(429 RATE_LIMITED), and a header timeout for uvicorn against slow clients. See README, "Load shedding"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from piccolo.querystring import QueryString
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from registry.db.engine import PooledSQLiteEngine, current_engine, replica_reads
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
        answered = False

        async def send_and_count(message: dict) -> None:
            # A request counts until its answer is sent, not until its task ends: the client may send
            # its next request on the same connection before this task has run its last lines.
            nonlocal answered
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body") and not answered:
                answered = True
                self.in_flight -= 1

        try:
            await self.app(scope, receive, send_and_count)
        finally:
            if not answered:
                self.in_flight -= 1


def request_class(
    method: str, path: str, sign_in_paths: frozenset[str], check_paths: frozenset[str] = frozenset()
) -> str | None:
    """Which limit a request counts against: read, sign_in or write (None: not limited). A check posted to
    `check_paths` (one panel, one dataset's fields) stores nothing: it counts as a read, so that a provider's
    system checking every order costs no counting statement."""
    if path in EXEMPT:
        return None
    if method in ("GET", "HEAD", "OPTIONS") or (method == "POST" and path in check_paths):
        return "read"
    if path in sign_in_paths:
        return "sign_in"
    return "write"


UPSERT = (
    "INSERT INTO rate_limit_window (bucket, window_start, hits) VALUES ({}, {}, 1) "
    "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_window.hits + 1 RETURNING hits"
)
# Many buckets' hits in one statement; `excluded.hits` is the row's share of this flush.
ADD_HITS = (
    "INSERT INTO rate_limit_window (bucket, window_start, hits) VALUES {} "
    "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_window.hits + excluded.hits "
    "RETURNING bucket, hits"
)
FLUSH_ROWS = 500  # buckets per statement: well below both engines' limits on bound parameters


async def _run_on_primary(query: QueryString) -> list[dict]:
    """A counter statement committed on its own; on SQLite queued on the writer connection."""
    engine = current_engine()
    if isinstance(engine, PooledSQLiteEngine):
        return await engine.run_on_writer(query)
    with replica_reads(False):
        return await engine.run_querystring(query, in_pool=True)


async def count_hit(bucket: str, window_start: int) -> int:
    """One atomic statement: the hits of `bucket` in this window, this one included."""
    rows = await _run_on_primary(QueryString(UPSERT, bucket, window_start))
    return rows[0]["hits"]


async def add_hits(window_start: int, hits: dict[str, int]) -> dict[str, int]:
    """Add each bucket's `hits` to its shared count in this window; the shared counts after."""
    totals: dict[str, int] = {}
    items = list(hits.items())
    for start in range(0, len(items), FLUSH_ROWS):
        chunk = items[start : start + FLUSH_ROWS]
        values = QueryString(
            ", ".join(["({}, {}, {})"] * len(chunk)), *(v for b, n in chunk for v in (b, window_start, n))
        )
        for row in await _run_on_primary(QueryString(ADD_HITS, values)):
            totals[row["bucket"]] = row["hits"]
    return totals


async def forget_before(window_start: int) -> None:
    await _run_on_primary(QueryString("DELETE FROM rate_limit_window WHERE window_start < {}", window_start))


def _refusal(kind: str, **params: Any) -> DomainError:
    if kind == "sign_in":
        return DomainError("RATE_LIMITED.sign_in", **params)
    if kind == "write":
        return DomainError("RATE_LIMITED.write", **params)
    return DomainError("RATE_LIMITED.read", **params)


class _ReadCount:
    """One client's reads in one window as this worker sees them: the shared count at its last flush,
    the hits being flushed now, and the hits since."""

    __slots__ = ("pending", "sending", "shared", "window_start")

    def __init__(self, window_start: int):
        self.window_start, self.shared, self.sending, self.pending = window_start, 0, 0, 0

    @property
    def hits(self) -> int:
        return self.shared + self.sending + self.pending


# Reads are counted in memory and added to the shared counters at most every FLUSH_INTERVAL seconds,
# or at once when a client's unshared hits reach 1/FLUSH_SHARE of its limit: the slack of each worker
# (README, "Load shedding").
FLUSH_INTERVAL = 1.0
FLUSH_SHARE = 50


def flush_share(limit: int) -> int:
    """Unshared hits of one client after which a worker adds them to the shared count at once."""
    return max(1, math.ceil(limit / FLUSH_SHARE))


class RateLimit:
    """Fixed-window counters per client address and class of request (read, sign-in, write), kept in the
    database so that every worker and host behind the proxy counts the same hits. Sign-ins and writes
    are counted there one statement per request; reads are counted in this worker and flushed in the
    background (`start`/`stop` with the app's lifespan), so a read costs no database round trip."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        sign_in_paths: frozenset[str],
        clock=time.time,
        check_paths: frozenset[str] = frozenset(),
    ):
        self.app, self.sign_in_paths, self.check_paths = app, sign_in_paths, check_paths
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
        self.reads: dict[str, _ReadCount] = {}
        self.read_share = flush_share(self.limits["read"])
        self.flush_now = asyncio.Event()
        self.flusher: asyncio.Task | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        kind = None
        if scope["type"] == "http":
            kind = request_class(scope["method"], scope["path"], self.sign_in_paths, self.check_paths)
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
        bucket = f"{kind}:{client_address(scope, self.trusted)}"
        if kind == "read" and self.flusher is not None:
            hits = self._count_read(bucket, window_start)
        else:
            hits = await count_hit(bucket, window_start)
        if hits > limit:
            wait = max(1, math.ceil(window_start + self.window - now))
            refusal = _refusal(kind, limit=limit, window=self.window, wait=wait, headers={"Retry-After": str(wait)})
            await refuse(scope, receive, send, refusal)
            return
        await self.app(scope, receive, send)

    def _count_read(self, bucket: str, window_start: int) -> int:
        count = self.reads.get(bucket)
        if count is None or count.window_start != window_start:
            count = self.reads[bucket] = _ReadCount(window_start)
        count.pending += 1
        # Share at once while the answer may still change; a client refused already waits for the window.
        if count.pending + count.sending >= self.read_share and count.shared <= self.limits["read"]:
            self.flush_now.set()
        return count.hits

    def start(self) -> None:
        """Flush the read counters in the background from now on (the app's start-up)."""
        if self.flusher is None and self.limits["read"]:
            self.flush_now = asyncio.Event()  # of this start's event loop (an app may be started again)
            self.flusher = asyncio.get_running_loop().create_task(self._flush_every(FLUSH_INTERVAL))

    async def stop(self) -> None:
        """Stop flushing after one last flush (the app's shutdown); a flush is never cut half-way, so
        no hit is added twice."""
        flusher, self.flusher = self.flusher, None
        if flusher is not None:
            self.flush_now.set()
            await asyncio.wait({flusher})  # its own failures are logged, never raised here

    async def _flush_every(self, interval: float) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.flush_now.wait(), interval)
            self.flush_now.clear()
            stopping = self.flusher is None
            try:
                flushed = await self.flush()
            except Exception:
                log.warning("could not flush the read counters", exc_info=True)
                flushed = False
            if stopping:
                return
            if not flushed:  # the database is unwell: try again in a while, not in a loop
                await asyncio.sleep(interval)

    async def flush(self) -> bool:
        """Add the reads counted here since the last flush to the shared counters, one statement per
        window, and take up the shared counts (every worker's hits); a failure is logged and the hits
        wait for the next flush. Whether every statement went through."""
        windows: dict[int, dict[str, int]] = {}
        for bucket, count in self.reads.items():
            if count.pending:
                count.sending, count.pending = count.sending + count.pending, 0
                windows.setdefault(count.window_start, {})[bucket] = count.sending
        flushed = True
        for window_start, hits in windows.items():
            try:
                totals = await add_hits(window_start, hits)
            except Exception:
                log.warning("could not add %d clients' reads to the shared rate limits", len(hits), exc_info=True)
                totals, flushed = {}, False
            for bucket, sent in hits.items():
                count = self.reads.get(bucket)
                if count is None or count.window_start != window_start:
                    continue
                count.sending -= sent
                if bucket in totals:
                    count.shared = max(count.shared, totals[bucket] - count.sending)
                else:
                    count.pending += sent
        # A window that is over decides nothing more: its counts are forgotten here (and its rows swept).
        current = int(self.clock() // self.window) * self.window
        for bucket in [b for b, count in self.reads.items() if count.window_start < current]:
            del self.reads[bucket]
        return flushed

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
