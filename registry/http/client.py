"""Who is on the other end: the client's network address, for sign-in throttling.

The peer address of the connection (the ASGI scope's `client`) is the client, unless the peer is one of
the reverse proxies REGISTRY_TRUSTED_PROXIES names: then X-Forwarded-For is read from the right, past
every trusted proxy, and the first address no trusted proxy owns is the client. A header from anyone
else is ignored, so a client cannot pick its own address."""

from __future__ import annotations

from litestar.connection import ASGIConnection

UNKNOWN = "unknown"


def client_address(connection: ASGIConnection, trusted_proxies: frozenset[str]) -> str:
    peer = connection.client.host if connection.client and connection.client.host else UNKNOWN
    if peer not in trusted_proxies:
        return peer
    hops = [h.strip() for h in ",".join(connection.headers.getall("x-forwarded-for", [])).split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop[:254]
    return hops[0][:254] if hops else peer
