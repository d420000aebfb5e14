"""Sign-in throttles: claimed in one statement before the password is checked, per account and per client
address, with a wait that doubles after the free failures; concurrent guesses do not all get checked."""

import asyncio
from collections import Counter

from registry.accounts import urls
from registry.accounts.model import (
    ACCOUNT_ALLOWANCE,
    CLIENT_ALLOWANCE,
    MAX_WAIT_SECONDS,
    Role,
    backoff_seconds,
)
from registry.accounts.service import create_user
from registry.accounts.throttle import ACCOUNT, claim, settle_success
from registry.db.engine import write_transaction
from tests.workflow import PASSWORD, unique

WRONG = "wrong password!"


def test_the_wait_doubles_after_the_allowance_and_is_capped():
    waits = [backoff_seconds(n, ACCOUNT_ALLOWANCE) for n in range(1, ACCOUNT_ALLOWANCE + 13)]
    assert waits[:ACCOUNT_ALLOWANCE] == [0] * ACCOUNT_ALLOWANCE
    assert waits[ACCOUNT_ALLOWANCE:] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert max(waits) == MAX_WAIT_SECONDS == 15 * 60


async def test_claims_block_double_forget_and_reset(engine):
    key = f"{unique('claim')}@x.example"
    now = 1_900_000_000_000

    async def attempt(at: int):
        async with write_transaction():
            return await claim(ACCOUNT, key, now=at)

    for n in range(1, ACCOUNT_ALLOWANCE + 1):
        c = await attempt(now)
        assert c.admitted and c.failures == n and c.wait_seconds == 0
    t = now
    for wait in (1, 2, 4, 8):
        c = await attempt(t)
        assert c.admitted and c.wait_seconds == wait
        refused = await attempt(t + wait * 1000 - 1)
        assert not refused.admitted and refused.wait_seconds == 1 and refused.failures == c.failures
        t += wait * 1000
    async with write_transaction():
        await settle_success(key, None)
    assert (await attempt(t)).failures == 1  # a success starts the account afresh
    later = t + 2 * 60 * 60 * 1000
    assert (await attempt(later)).failures == 1  # and so does an hour without attempts


async def test_fifty_parallel_wrong_passwords_are_mostly_refused_unchecked(database, client_for):
    email = f"{unique('swarm')}@staff.example"
    await create_user(email, "Swarmed", Role.regulator, PASSWORD)
    async with client_for(database, address="192.0.2.20") as client:
        answers = await asyncio.gather(
            *(client.post(urls.TOKEN, json={"email": email, "password": WRONG}) for _ in range(50))
        )
        statuses = Counter(r.status_code for r in answers)
        assert set(statuses) <= {401, 429}, statuses  # never a 5xx
        assert statuses[401] <= ACCOUNT_ALLOWANCE + 1, statuses  # checked: the allowance and one more
        assert statuses[429] >= 50 - ACCOUNT_ALLOWANCE - 1
        for r in answers:
            if r.status_code == 429:
                assert r.json()["code"] == "TOO_MANY_ATTEMPTS" and int(r.headers["retry-after"]) >= 1
        await asyncio.sleep(int(max(int(r.headers.get("retry-after", 0)) for r in answers)) + 0.1)
        r = await client.post(urls.TOKEN, json={"email": email, "password": PASSWORD})
        assert r.status_code == 200  # the owner, after the wait


async def test_one_address_cannot_sweep_many_accounts(database, client_for):
    async with client_for(database, address="198.51.100.7") as client:
        for _ in range(CLIENT_ALLOWANCE + 1):
            r = await client.post(urls.TOKEN, json={"email": f"{unique('sweep')}@x.example", "password": WRONG})
            assert r.status_code == 401
        r = await client.post(urls.TOKEN, json={"email": f"{unique('sweep')}@x.example", "password": WRONG})
        assert r.status_code == 429 and r.json()["code"] == "TOO_MANY_ATTEMPTS"
        assert "network address" in r.json()["detail"] and r.headers["retry-after"] == "1"
    async with client_for(database, address="198.51.100.8") as other:  # another address is not held back
        r = await other.post(urls.TOKEN, json={"email": f"{unique('sweep')}@x.example", "password": WRONG})
        assert r.status_code == 401


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(database, client_for):
    spoofed = {"X-Forwarded-For": "203.0.113.99"}
    async with client_for(database, address="198.51.100.30") as client:  # no trusted proxy: header ignored
        for _ in range(CLIENT_ALLOWANCE + 1):
            email = f"{unique('fwd')}@x.example"
            r = await client.post(urls.TOKEN, json={"email": email, "password": WRONG}, headers=spoofed)
            assert r.status_code == 401
        r = await client.post(urls.TOKEN, json={"email": "a@x.example", "password": WRONG}, headers=spoofed)
        assert r.status_code == 429
    proxy = "198.51.100.31"
    async with client_for(database, address=proxy, trusted_proxies=frozenset({proxy})) as client:
        for n in range(CLIENT_ALLOWANCE + 2):  # each behind the proxy is a client of its own
            headers = {"X-Forwarded-For": f"203.0.113.{n}, {proxy}"}
            r = await client.post(
                urls.TOKEN, json={"email": f"{unique('fwd')}@x.example", "password": WRONG}, headers=headers
            )
            assert r.status_code == 401
