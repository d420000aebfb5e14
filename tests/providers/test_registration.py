"""Provider registration over HTTP: every field validated, a dry run stores nothing, duplicates refused
with one answer whatever clashed, and never twice under a race."""

import asyncio

from registry.accounts.tables import User
from registry.providers import urls
from registry.providers.tables import Provider
from tests.workflow import PASSWORD, business_number, unique


async def test_registration_validates_every_field_and_dry_run_stores_nothing(client):
    bad = {
        "organisation": {"name_ko": "", "name_en": "X", "business_number": "123-45-67890", "contact_email": "nope"},
        "user": {"email": "a@b.example", "display_name": "A", "password": "short"},
    }
    r = await client.post(urls.REGISTER, json=bad)
    assert r.status_code == 422 and r.json()["code"] == "INVALID_BODY"
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"organisation.name_ko", "organisation.business_number", "organisation.contact_email"} <= fields
    assert any("user" in f for f in fields)

    good = {
        "organisation": {
            "name_ko": "가나",
            "name_en": "Gana",
            "business_number": business_number(),
            "contact_email": "o@gana.example",
        },
        "user": {"email": f"{unique('u')}@gana.example", "display_name": "G", "password": PASSWORD},
    }
    providers, users = await Provider.count(), await User.count()
    r = await client.post(f"{urls.REGISTER}?dry_run=true", json=good)
    assert r.status_code == 200 and r.json()["dry_run"] is True and r.json()["provider_id"] is None
    assert r.headers["Dry-Run"] == "true" and r.json()["verification"] == "unverified"
    assert (await Provider.count(), await User.count()) == (providers, users)
    assert (await client.post(urls.REGISTER, json=good)).status_code == 201
    again = await client.post(urls.REGISTER, json=good)
    assert again.status_code == 409 and {e["field"] for e in again.json()["errors"]} == {
        "organisation.business_number",
        "user.email",
    }


def _registration(number: str, email: str) -> dict:
    return {
        "organisation": {
            "name_ko": "다라",
            "name_en": "Dara",
            "business_number": number,
            "contact_email": "o@dara.example",
        },
        "user": {"email": email, "display_name": "D", "password": PASSWORD},
    }


def _comparable(response) -> tuple:
    body = response.json()
    return response.status_code, body["code"], body["detail"], body["errors"]


async def test_a_refused_registration_does_not_tell_a_staff_address_from_other_clashes(client):
    from registry.accounts.model import Role
    from registry.accounts.service import create_user

    staff = f"{unique('staff')}@mohw.example"
    await create_user(staff, "Staff Member", Role.regulator, PASSWORD)
    taken_number = business_number()
    assert (
        await client.post(urls.REGISTER, json=_registration(taken_number, f"{unique('p')}@x.example"))
    ).status_code == 201
    staff_clash = await client.post(urls.REGISTER, json=_registration(business_number(), staff))
    number_clash = await client.post(urls.REGISTER, json=_registration(taken_number, f"{unique('q')}@x.example"))
    both = await client.post(urls.REGISTER, json=_registration(taken_number, staff))
    assert staff_clash.status_code == 409 and staff_clash.json()["code"] == "CONFLICT"
    assert _comparable(staff_clash) == _comparable(number_clash) == _comparable(both)
    assert await User.count().where(User.email == staff) == 1


async def test_twenty_identical_registrations_at_once_give_one_201(client):
    body = _registration(business_number(), f"{unique('race')}@x.example")
    answers = await asyncio.gather(*(client.post(urls.REGISTER, json=body) for _ in range(20)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [409] * 19, statuses
    assert all(r.json()["code"] == "CONFLICT" for r in answers if r.status_code == 409)
    assert await Provider.count().where(Provider.business_number == body["organisation"]["business_number"]) == 1
