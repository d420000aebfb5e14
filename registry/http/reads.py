"""The public read path on read replicas: anonymous GET and HEAD requests read from a replica when
REGISTRY_READ_DATABASE_URLS names some. Signed-in requests (a bearer token or the pages' session
cookie) and every write stay on the primary, so people who change something read their own change.
See deploy/README.md."""

from __future__ import annotations

from typing import Any

from registry.db.engine import replica_reads

READ_METHODS = frozenset({"GET", "HEAD"})


def is_anonymous_read(scope: dict, session_cookie: bytes) -> bool:
    if scope["type"] != "http" or scope["method"] not in READ_METHODS:
        return False
    for name, value in scope["headers"]:
        if name == b"authorization" or (name == b"cookie" and session_cookie in value):
            return False
    return True


class PublicReadsOnReplicas:
    """Marks the anonymous reads' context, so that `read_transaction` and queries outside a
    transaction take a replica's pool (registry/db/engine.py, ReplicatedPostgresEngine)."""

    def __init__(self, app: Any, session_cookie: str):
        self.app = app
        self.session_cookie = f"{session_cookie}=".encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if is_anonymous_read(scope, self.session_cookie):
            with replica_reads():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)
