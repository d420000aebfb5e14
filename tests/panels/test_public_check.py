"""The public checker's one-panel check: no one signed in, the provider named, the same engine and the
same answer as the API's check for staff."""

import msgspec
import pytest

from registry.kernel.errors import DomainError
from registry.panels.model import PanelItem, PanelRequest
from registry.panels.service import check_panel_public
from tests.workflow import certify, make_staff, register_lab


async def test_a_public_check_answers_as_the_api_does_for_the_provider_named(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    body = {"provider_id": lab.provider_id, "items": [{"code": "NUT-VITD"}, {"code": "NUT-VITA"}], "claims": ""}
    api = await client.post("/api/v1/panels/check", json=body, headers=staff.regulator)
    assert api.status_code == 200, api.text
    public = await check_panel_public(PanelRequest.model_validate(body))
    assert msgspec.to_builtins(public) == api.json()
    assert public.verdict == "not_permitted"


async def test_a_public_check_names_a_provider_that_exists(client):
    items = [PanelItem(code="NUT-VITD")]
    with pytest.raises(DomainError) as unnamed:
        await check_panel_public(PanelRequest(items=items))
    assert unnamed.value.problem == "INVALID_BODY.provider_required"
    with pytest.raises(DomainError) as unknown:
        await check_panel_public(PanelRequest(provider_id=2_000_000_000, items=items))
    assert unknown.value.problem == "INVALID_BODY.unknown_provider"
