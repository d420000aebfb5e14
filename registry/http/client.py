"""Who is on the other end: the client's network address, for per-client limits (rate limits, sign-in
throttling).

The peer address of the connection (the ASGI scope's `client`) is the client, unless the peer is one of
the reverse proxies REGISTRY_TRUSTED_PROXIES names (addresses or networks): then X-Forwarded-For is read
from the right, past every trusted proxy, and the first address no trusted proxy owns is the client. A
header from anyone else is ignored, so a client cannot pick its own address."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def trusted_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def client_address(scope, trusted: tuple[Network, ...]) -> str:
    """The peer's address; behind a trusted proxy, the nearest address in X-Forwarded-For that is not
    one of the trusted proxies (a client can prepend anything, but not what the proxies append)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [
        hop.strip()
        for name, value in scope["headers"]
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
    ]
    for hop in reversed(forwarded):
        if hop and not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_trusted(address: str, trusted) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
