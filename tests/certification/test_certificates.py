"""Certificate status changes over HTTP: If-Match, a ground for suspension and revocation, and their order."""

import datetime as dt

from registry.certification import urls
from registry.kernel.clock import today_in_korea
from tests.workflow import certify, make_staff, register_lab


async def test_status_changes_need_if_match_ground_and_order(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    cert = (await client.get(urls.certificate(number))).json()
    today = today_in_korea()
    r = await client.post(urls.suspend(number),
                          json={"reason": "x", "effective_date": today.isoformat()}, headers={**staff.regulator, "If-Match": cert["etag"]})  # fmt: skip
    assert r.status_code == 409 and "ground" in r.json()["detail"]
    cert = (await client.get(urls.certificate(number))).json()
    r = await client.post(urls.reinstate(number),
                          json={"reason": "x", "effective_date": today.isoformat()}, headers={**staff.regulator, "If-Match": cert["etag"]})  # fmt: skip
    assert r.status_code == 409 and "only a suspended" in r.json()["detail"]
    cert = (await client.get(urls.certificate(number))).json()
    r = await client.post(urls.revoke(number), json={"reason": "fraud", "ground": 1, "effective_date": today.isoformat()},
                          headers={**staff.regulator, "If-Match": cert["etag"]})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = await client.post(urls.reinstate(number), json={"reason": "x", "effective_date": (today + dt.timedelta(days=1)).isoformat()},
                          headers={**staff.regulator, "If-Match": r.json()["etag"]})  # fmt: skip
    assert r.status_code == 409 and "final" in r.json()["detail"]
