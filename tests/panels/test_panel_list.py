"""A provider's own registered panels, as the portal lists them: its own only, newest first."""

from registry.accounts.model import Principal, Role
from registry.panels import service
from registry.panels import urls as panel_urls
from tests.workflow import make_staff, register_lab


async def test_a_provider_lists_only_its_own_panels_newest_first(client):
    staff = await make_staff(client)
    lab, other = await register_lab(client, staff), await register_lab(client, staff)
    for headers, name in ((lab.headers, "first"), (lab.headers, "second"), (other.headers, "another's")):
        body = {"name": name, "items": [{"code": "NUT-VITD", "genes": ["GC"]}]}
        r = await client.post(panel_urls.PANELS, json=body, headers=headers)
        assert r.status_code == 201, r.text
    principal = Principal(0, "lab@lab.example", "Lab", Role.provider, lab.provider_id)
    listed = await service.list_panels(principal)
    assert [p.name for p in listed] == ["second", "first"]
    assert all(p.provider_id == lab.provider_id and p.latest_check.verdict for p in listed)
