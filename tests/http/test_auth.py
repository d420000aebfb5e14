"""Principals remembered per worker: for a few seconds, never past the token's expiry, and only while no
write transaction has committed since (sign-out, disabling and role changes take effect at once)."""

import datetime as dt

import pytest

from registry.accounts.model import Principal, Role
from registry.db import changes
from registry.db.engine import write_transaction
from registry.http.auth import PrincipalCache
from registry.kernel.clock import utcnow

SECRET = "s" * 32
ALICE = Principal(1, "alice@example.kr", "Alice", Role.reviewer, None)


class Holder:
    """A token lookup that counts its database round trips."""

    def __init__(self, valid_for: dt.timedelta = dt.timedelta(hours=1)) -> None:
        self.calls, self.valid_for = 0, valid_for

    async def __call__(self, token: str, secret_key: str):
        self.calls += 1
        return None if token.startswith("bad") else (ALICE, utcnow() + self.valid_for)


@pytest.fixture
async def listening(engine):
    await changes.listen(engine)
    assert changes.generation(engine) is not None


async def test_a_principal_is_looked_up_once_while_nothing_is_written(listening):
    holder = Holder()
    cache = PrincipalCache(holder)
    assert await cache("tok", SECRET) == ALICE
    assert await cache("tok", SECRET) == ALICE
    assert holder.calls == 1


async def test_any_commit_makes_the_next_request_look_it_up_again(listening):
    holder = Holder()
    cache = PrincipalCache(holder)
    await cache("tok", SECRET)
    async with write_transaction():  # a sign-out, a disabled account, a new role: all commits
        pass
    await cache("tok", SECRET)
    assert holder.calls == 2


async def test_kept_for_seconds_only_and_never_past_the_token_s_expiry(listening):
    short = PrincipalCache(Holder(), seconds=0.0)
    await short("tok", SECRET)
    await short("tok", SECRET)
    assert short.resolve.calls == 2
    expiring = PrincipalCache(Holder(valid_for=dt.timedelta(seconds=-1)))
    await expiring("tok", SECRET)
    await expiring("tok", SECRET)
    assert expiring.resolve.calls == 2


async def test_unknown_tokens_are_not_remembered_and_the_size_is_bounded(listening):
    holder = Holder()
    cache = PrincipalCache(holder, max_entries=2)
    assert await cache("bad", SECRET) is None
    assert await cache("bad", SECRET) is None
    assert holder.calls == 2
    for token in ("a", "b", "c"):
        await cache(token, SECRET)
    assert len(cache._entries) == 2


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_nothing_is_remembered_while_the_signal_is_unknown(engine):
    assert changes.generation(engine) is None  # the listener is not started
    holder = Holder()
    cache = PrincipalCache(holder)
    await cache("tok", SECRET)
    await cache("tok", SECRET)
    assert holder.calls == 2
