"""The regulator's list of registered organisations: unverified ones first, whatever their age."""

from __future__ import annotations

from registry.providers.service import registered_providers
from tests.workflow import make_staff, register_lab


async def test_registered_providers_list_the_unverified_first(client):
    staff = await make_staff(client)
    verified = await register_lab(client, staff)
    waiting = await register_lab(client)
    rows = await registered_providers()
    ids = [r["id"] for r in rows]
    assert waiting.provider_id in ids and verified.provider_id in ids
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=lambda s: s == "verified"), "no unverified one after a verified one"
    assert ids.index(waiting.provider_id) < ids.index(verified.provider_id)
    assert next(r for r in rows if r["id"] == waiting.provider_id)["name_en"] == waiting.name_en
