"""Disabling an account: regulators only, never themselves; the account cannot sign in (the answer a
wrong password gets) and every token it holds stops working at once; audited; enabling undoes it."""

from registry.accounts import urls
from registry.accounts.model import Role
from registry.accounts.service import create_user
from registry.audit.tables import AuditEvent
from tests.workflow import PASSWORD, make_staff, sign_in, unique

REASON = {"reason": "left the agency"}


async def test_a_regulator_disables_an_account_and_its_tokens_die_at_once(client):
    staff = await make_staff(client)
    email = f"{unique('leaver')}@staff.example"
    user_id = await create_user(email, "Leaver", Role.reviewer, PASSWORD)
    tokens = [await sign_in(client, email), await sign_in(client, email)]
    assert (await client.get(urls.ME, headers=tokens[0])).status_code == 200

    assert (await client.post(urls.disable(user_id), json=REASON)).status_code == 401
    assert (await client.post(urls.disable(user_id), json=REASON, headers=staff.reviewer)).status_code == 403
    r = await client.post(urls.disable(user_id), json={"reason": " "}, headers=staff.regulator)
    assert r.status_code in (400, 422)

    r = await client.post(urls.disable(user_id), json=REASON, headers=staff.regulator)
    assert r.status_code == 200, r.text
    assert r.json() == {"user_id": user_id, "email": email, "active": False, "tokens_revoked": 2}
    for headers in tokens:
        r = await client.get(urls.ME, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"
    wrong = await client.post(urls.TOKEN, json={"email": email, "password": "not the password"})
    disabled = await client.post(urls.TOKEN, json={"email": email, "password": PASSWORD})
    assert disabled.status_code == wrong.status_code == 401
    assert disabled.json()["code"] == wrong.json()["code"] == "INVALID_CREDENTIALS"
    assert disabled.json()["detail"] == wrong.json()["detail"]

    event = (
        await AuditEvent.select()
        .where(AuditEvent.entity_id == str(user_id))
        .order_by(AuditEvent.seq, ascending=False)
        .first()
    )
    assert event["action"] == "user.disabled"

    r = await client.post(urls.enable(user_id), json={"reason": "came back"}, headers=staff.regulator)
    assert r.status_code == 200 and r.json()["active"] is True
    assert (await client.get(urls.ME, headers=tokens[0])).status_code == 401  # old tokens stay revoked
    assert (await client.get(urls.ME, headers=await sign_in(client, email))).status_code == 200


async def test_a_regulator_cannot_disable_themselves_and_unknown_users_are_not_found(client):
    staff = await make_staff(client)
    me = (await client.get(urls.ME, headers=staff.regulator)).json()["user_id"]
    r = await client.post(urls.disable(me), json=REASON, headers=staff.regulator)
    assert r.status_code == 409 and r.json()["code"] == "CONFLICT"
    assert "own account" in r.json()["detail"]
    assert (await client.get(urls.ME, headers=staff.regulator)).status_code == 200
    r = await client.post(urls.disable(10**9), json=REASON, headers=staff.regulator)
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
