"""Signing in: bad, expired and revoked tokens, wrong credentials, and the lockout after repeated failures."""

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


async def test_repeated_failed_sign_ins_lock_the_email_for_a_while(client):
    from registry.accounts.model import Role
    from registry.accounts.service import create_user

    email = f"{unique('lock')}@staff.example"
    await create_user(email, "Locked", Role.reviewer, PASSWORD)
    for _ in range(5):
        r = await client.post(urls.TOKEN, json={"email": email, "password": "wrong password!"})
        assert r.status_code == 401
    r = await client.post(urls.TOKEN, json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and r.json()["code"] == "TOO_MANY_ATTEMPTS"
    assert 1 <= int(r.headers["retry-after"]) <= 15 * 60 + 1
