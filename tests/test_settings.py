"""Production refuses secrets that are short or predictable: estimated entropy, not only length."""

import secrets

import pytest

from registry.settings import DEVELOPMENT_SECRET_KEY, MIN_SECRET_BITS, Settings, secret_bits


def problems(secret: str) -> list[str]:
    return Settings(environment="production", secret_key=secret).production_problems()


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(32),  # what the README suggests
        secrets.token_hex(32),
        secrets.token_hex(16),  # 32 hex digits: 128 bits exactly
        "kQ3v9-Zt_fW2LbX7pN0aRj5cYh8uE1sD4mGi6oTq",
    ],
)
def test_random_secrets_are_accepted(secret):
    assert secret_bits(secret) >= MIN_SECRET_BITS
    assert problems(secret) == []


@pytest.mark.parametrize(
    "secret",
    [
        "x" * 64,  # one character
        "ab" * 32,  # a repeated pattern
        "password" * 5,
        "Passw0rd!" * 4,
        "0123456789" * 4,
        "abababababababababababababababababababcd",  # few distinct characters
        "00000000000000000000000000000000000000000001",
        "correct horse battery staple zz",  # 31: too short anyway
    ],
)
def test_predictable_secrets_are_refused(secret):
    found = problems(secret)
    assert len(found) == 1 and "REGISTRY_SECRET_KEY" in found[0], found


def test_the_development_secret_and_short_secrets_keep_their_own_message():
    assert "not set" in problems(DEVELOPMENT_SECRET_KEY)[0]
    assert "32 characters" in problems("aB3$" * 3)[0]
    assert "predictable" in problems("aB3$" * 10)[0]
    assert secret_bits("") == 0 and secret_bits("a") == 0
