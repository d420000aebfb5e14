"""The client's address: REGISTRY_TRUSTED_PROXIES is read as a set of addresses, empty by default (the
behaviour over HTTP is in tests/accounts/test_throttle.py)."""

from registry.settings import Settings


def test_trusted_proxies_setting():
    assert Settings.from_env({}).trusted_proxies == frozenset()
    parsed = Settings.from_env({"REGISTRY_TRUSTED_PROXIES": " 10.0.0.1, ,10.0.0.2 "}).trusted_proxies
    assert parsed == frozenset({"10.0.0.1", "10.0.0.2"})
