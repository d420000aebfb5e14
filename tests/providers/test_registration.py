"""Provider registration over HTTP: every field validated, a dry run stores nothing, duplicates refused."""

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
    assert r.status_code == 201 and r.json()["dry_run"] is True and r.json()["provider_id"] is None
    assert (await Provider.count(), await User.count()) == (providers, users)
    assert (await client.post(urls.REGISTER, json=good)).status_code == 201
    again = await client.post(urls.REGISTER, json=good)
    assert again.status_code == 409 and {e["field"] for e in again.json()["errors"]} == {
        "organisation.business_number",
        "user.email",
    }
