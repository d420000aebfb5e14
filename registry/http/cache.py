"""Public answers kept per worker: the bytes of a successful anonymous GET of a public endpoint, served
again without running the handler or serialising, while the change signal's generation is the one they
were built at (registry/db/changes.py: any committed write, in any worker or host, changes it). Every
cached answer carries a strong ETag (the body's hash) and a Cache-Control; If-None-Match answers 304.

The key is the path, the query (its parameters in a canonical order) and the day in Korea (answers
without `as_of` are about today). Nothing else changes the body of these endpoints: the JSON API speaks
both languages in every answer, whatever Accept-Language says; a signed-in request is never served from
or stored in the cache (it may see more). While the generation is unknown (PostgreSQL's listener is down)
the cache is bypassed; answers still carry their ETag and Cache-Control.

An answer whose handler sets its own ETag (a certificate's version, which If-Match on the regulator's
writes relies on) keeps it, and is not answered with 304: the same version reads differently on another
day (a suspension ends), so that tag cannot stand for the bytes.

A Litestar middleware after HeaderLimits and before TokenAuthentication: a hit still passes the request
log, the request id, the concurrency and rate limits, the header limits and the security headers.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.db import changes
from registry.db.engine import current_engine, replica_reads
from registry.kernel.clock import today_in_korea

# Answers that can change with any write (a certificate's standing, a listing): clients and proxies may
# store them but ask again each time, which the ETag makes cheap.
REVALIDATE = b"public, no-cache"
# A published edition and the diff of two: their content never changes once published; only the
# edition's `effective_until` is filled in when the next one is published, so a short max-age.
EDITION = b"public, max-age=300"

# operationId -> Cache-Control: the anonymous public GET endpoints of the JSON API. Not here: the open
# data files and manifest (already answered from their own cache, with their own ETag) and everything that
# needs a signed-in user. The Atom feed is here: its `updated` is its newest entry's time, not the request's.
PUBLIC_ANSWERS: dict[str, bytes] = {
    "listCatalogueVersions": REVALIDATE,
    "getCatalogueVersion": EDITION,
    "getCatalogueInForce": REVALIDATE,
    "diffCatalogueVersions": EDITION,
    "searchCatalogueItems": REVALIDATE,
    "getCatalogueItem": REVALIDATE,
    "verifyCertificate": REVALIDATE,
    "certificateHistory": REVALIDATE,
    "listProviders": REVALIDATE,
    "getProvider": REVALIDATE,
    "listValidations": REVALIDATE,
    "getValidation": REVALIDATE,
    "listPseudonymisationVersions": REVALIDATE,
    "getPseudonymisationVersion": REVALIDATE,
    "getPseudonymisationInForce": REVALIDATE,
    "diffPseudonymisationVersions": REVALIDATE,
    "changesAtom": REVALIDATE,
    "listGenomicDataKinds": REVALIDATE,
    "listChanges": REVALIDATE,
}

ENTRIES_MAX = 4096
BYTES_MAX = 64 * 1024 * 1024
ENTRY_BYTES_MAX = 4 * 1024 * 1024

X_CACHE = b"x-cache"
_VALIDATORS = (b"etag", b"cache-control")


@dataclass(frozen=True, slots=True)
class Answer:
    headers: list[tuple[bytes, bytes]]  # ETag and Cache-Control included
    body: bytes
    etag: bytes
    own_etag: bool  # the handler's ETag, not the body's hash: no 304 (see the module's note)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


class Answers:
    """The bounded store of one worker: least recently used out first, by count and by bytes; emptied
    whenever the generation changes (nothing in it can be trusted any more)."""

    def __init__(self, max_entries: int = ENTRIES_MAX, max_bytes: int = BYTES_MAX) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.generation: object = None
        self.bytes = 0
        self._entries: OrderedDict[tuple, Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def at(self, generation: object) -> None:
        if generation != self.generation:
            self._entries.clear()
            self.bytes = 0
            self.generation = generation

    def get(self, key: tuple) -> Answer | None:
        answer = self._entries.get(key)
        if answer is not None:
            self._entries.move_to_end(key)
        return answer

    def put(self, key: tuple, answer: Answer, generation: object) -> None:
        if generation != self.generation or answer.size > min(ENTRY_BYTES_MAX, self.max_bytes):
            return  # built under an older generation: it may already be stale
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self._entries[key] = answer
        self.bytes += answer.size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.bytes -= dropped.size


def canonical_query(query: bytes) -> bytes:
    """The parameters ordered by name, repeated ones in their order, empty pieces dropped: the same
    parameters in another order are the same request. Nothing is decoded (no two spellings merged)."""
    if not query:
        return b""
    pieces = [p for p in query.split(b"&") if p]
    return b"&".join(sorted(pieces, key=lambda p: p.partition(b"=")[0]))


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return b"*" in tags or etag.removeprefix(b"W/") in tags


class PublicAnswers(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, answers: Answers | None = None) -> None:
        self.answers = answers if answers is not None else Answers()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler = scope.get("route_handler")
        policy = PUBLIC_ANSWERS.get(getattr(handler, "operation_id", None) or "")  # type: ignore[arg-type]
        if policy is None or scope.get("method") != "GET" or _header(scope, b"authorization") is not None:
            await next_app(scope, receive, send)
            return
        generation = changes.generation(current_engine())  # read before the answer it vouches for
        # The origin too: an answer that names the registry's own address (the Atom feed's links) is kept
        # per address it was asked at.
        origin = (scope.get("scheme"), _header(scope, b"host"))
        key = (scope["path"], canonical_query(scope.get("query_string", b"")), origin, today_in_korea())
        if_none_match = _header(scope, b"if-none-match")
        if generation is not None:
            self.answers.at(generation)
            answer = self.answers.get(key)
            if answer is not None:
                await _send(answer, send, if_none_match, b"hit")
                return
        # What is stored is read on the primary: a replica may not yet have the write whose notice changed
        # the generation, and its older answer would then be kept as current until the next write.
        with replica_reads(False) if generation is not None else contextlib.nullcontext():
            await next_app(scope, receive, _Capture(self.answers, key, generation, policy, send, if_none_match))


async def _send(answer: Answer, send: Send, if_none_match: bytes | None, how: bytes) -> None:
    if not answer.own_etag and matches(if_none_match, answer.etag):
        headers = [(k, v) for k, v in answer.headers if k.lower() in _VALIDATORS]
        await send({"type": "http.response.start", "status": 304, "headers": [*headers, (X_CACHE, how)]})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [*answer.headers, (X_CACHE, how)]})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


class _Capture:
    """The `send` of a miss: holds a 200's start until its body is complete, then stores and sends the
    answer with its ETag and Cache-Control. Anything else (another status, a cookie, a streamed body)
    passes through untouched."""

    __slots__ = ("answers", "generation", "how", "if_none_match", "key", "policy", "send", "start")

    def __init__(self, answers, key, generation, policy, send, if_none_match) -> None:
        self.answers, self.key, self.generation, self.policy = answers, key, generation, policy
        self.send, self.if_none_match = send, if_none_match
        self.start: Message | None = None
        self.how = b"miss" if generation is not None else b"bypass"

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", ())
            if message["status"] == 200 and not any(k.lower() == b"set-cookie" for k, _ in headers):
                self.start = message
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            start, self.start = self.start, None
            if not message.get("more_body", False):
                await _send(self._answer(start, message.get("body", b"")), self.send, self.if_none_match, self.how)
                return
            await self.send(start)
        await self.send(message)

    def _answer(self, start: Message, body: bytes) -> Answer:
        headers = list(start.get("headers", ()))
        own = next((v for k, v in headers if k.lower() == b"etag"), None)
        etag = own or etag_of(body)
        if own is None:
            headers.append((b"etag", etag))
        if not any(k.lower() == b"cache-control" for k, _ in headers):
            headers.append((b"cache-control", self.policy))
        answer = Answer(headers, body, etag, own is not None)
        if self.generation is not None:
            self.answers.put(self.key, answer, self.generation)
        return answer
