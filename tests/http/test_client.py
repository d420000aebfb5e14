"""The client's address: the peer, unless the peer is a trusted proxy; REGISTRY_TRUSTED_PROXIES read as
addresses or networks, empty by default (the behaviour over HTTP: tests/accounts/test_throttle.py and
tests/http/test_load_shedding.py)."""

import ipaddress

import pytest

from registry.http.client import client_address
from registry.settings import Settings, SettingsError


def test_trusted_proxies_setting():
    assert Settings.from_env({}).trusted_proxies == ()
    parsed = Settings.from_env({"REGISTRY_TRUSTED_PROXIES": " 10.0.0.1, ,10.0.0.0/8 "}).trusted_proxies
    assert parsed == ("10.0.0.1", "10.0.0.0/8")
    with pytest.raises(SettingsError, match="REGISTRY_TRUSTED_PROXIES"):
        Settings.from_env({"REGISTRY_TRUSTED_PROXIES": "proxy.example"})


def scope(peer: str, forwarded: str | None = None) -> dict:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"client": (peer, 1234), "headers": headers}


def test_the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy():
    trusted = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32"))
    assert client_address(scope("203.0.113.5", "198.51.100.1"), trusted) == "203.0.113.5"
    assert client_address(scope("127.0.0.1", "198.51.100.1"), ()) == "127.0.0.1"
    assert client_address(scope("127.0.0.1", "198.51.100.1"), trusted) == "198.51.100.1"
    # a client may write anything first; the address the trusted proxies saw is the last untrusted one
    assert client_address(scope("10.1.2.3", "6.6.6.6, 198.51.100.1, 10.9.9.9"), trusted) == "198.51.100.1"
    assert client_address(scope("10.1.2.3"), trusted) == "10.1.2.3"
