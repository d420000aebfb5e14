"""Signing in: bad, expired and revoked tokens, wrong credentials, and the lockout after repeated failures."""

import asyncio

from registry.accounts import urls
from tests.workflow import PASSWORD, make_staff, unique


async def test_bad_and_expired_credentials(client):
    r = await client.get(urls.ME, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"
    r = await client.get(urls.ME, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"
    r = await client.post(urls.TOKEN, json={"email": f"{unique('nobody')}@x.example", "password": "whatever-long-pw"})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_CREDENTIALS"
    staff = await make_staff(client)
    assert (await client.post(urls.LOGOUT, headers=staff.reviewer)).status_code == 204
    r = await client.get(urls.ME, headers=staff.reviewer)
    assert r.status_code == 401  # a revoked token is dead


async def test_tokens_expire(client):
    from registry.accounts.service import issue_token, principal_for_token
    from registry.settings import DEVELOPMENT_SECRET_KEY

    staff_email = f"{unique('exp')}@staff.example"
    from registry.accounts.model import Role
    from registry.accounts.service import create_user

    await create_user(staff_email, "Expiring", Role.reviewer, PASSWORD)
    issued = await issue_token(staff_email, PASSWORD, secret_key=DEVELOPMENT_SECRET_KEY, ttl_minutes=0)
    assert await principal_for_token(issued.token, DEVELOPMENT_SECRET_KEY) is None
    r = await client.get(urls.ME, headers={"Authorization": f"Bearer {issued.token}"})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"


async def test_after_the_free_failures_an_account_waits_and_its_owner_still_gets_in(database, client_for):
    from registry.accounts.model import Role
    from registry.accounts.service import create_user

    email = f"{unique('lock')}@staff.example"
    await create_user(email, "Locked", Role.reviewer, PASSWORD)
    async with client_for(database, address="192.0.2.10") as client:
        for _ in range(6):  # five free failures, and the sixth is checked too (it sets a wait of 1 s)
            r = await client.post(urls.TOKEN, json={"email": email, "password": "wrong password!"})
            assert r.status_code == 401 and r.json()["code"] == "INVALID_CREDENTIALS"
        r = await client.post(urls.TOKEN, json={"email": email, "password": PASSWORD})
        assert r.status_code == 429 and r.json()["code"] == "TOO_MANY_ATTEMPTS"
        assert r.headers["retry-after"] == "1"
        await asyncio.sleep(1.1)
        r = await client.post(urls.TOKEN, json={"email": email, "password": PASSWORD})
        assert r.status_code == 200  # the owner is in after a second, and the count starts over
        for _ in range(5):
            r = await client.post(urls.TOKEN, json={"email": email, "password": "wrong password!"})
            assert r.status_code == 401
