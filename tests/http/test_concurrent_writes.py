"""Every write endpoint under ten identical concurrent requests, on SQLite and PostgreSQL: no 5xx, exactly
one winner where the change can happen once, one audit event per accepted change, every acknowledged
write stored."""

import asyncio
import datetime as dt

from registry.audit.tables import AuditEvent
from registry.catalog import urls as catalog_urls
from registry.catalog.service import import_catalogue
from registry.certification import urls
from registry.kernel.clock import today_in_korea
from registry.panels import urls as panels_urls
from registry.panels.tables import Panel
from tests.conftest import rules_path
from tests.workflow import (
    EVALUATION,
    announcement,
    certify,
    create_application,
    evidence_item,
    make_staff,
    register_lab,
)

N = 10


async def at_once(request, n: int = N) -> list[int]:
    responses = await asyncio.gather(*[request() for _ in range(n)])
    assert not [r for r in responses if r.status_code >= 500], [r.text[:300] for r in responses]
    return sorted(r.status_code for r in responses)


async def events(action: str, entity_id: object) -> int:
    return await AuditEvent.count().where(AuditEvent.action == action, AuditEvent.entity_id == str(entity_id))


async def test_application_writes_have_one_winner(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    body = {"kind": "initial", "items": [evidence_item("NUT-VITD")], "note": "edited"}
    edit = {**lab.headers, "If-Match": app["etag"]}
    assert await at_once(lambda: client.put(urls.application(app["id"]), json=body, headers=edit)) == [200] + [412] * 9
    assert await events("application.edited", app["number"]) == 1

    assert await at_once(lambda: client.post(urls.submit(app["id"]), headers=lab.headers)) == [200] + [409] * 9
    assert await at_once(lambda: client.post(urls.start_review(app["id"]), headers=staff.reviewer)) == [200] + [409] * 9
    assert await events("application.review_started", app["number"]) == 1
    ask = {"message": "send the EQA report"}
    assert (
        await at_once(lambda: client.post(urls.request_info(app["id"]), json=ask, headers=staff.reviewer))
        == [200] + [409] * 9
    )
    assert await events("application.info_requested", app["number"]) == 1

    other = await create_application(client, lab, [evidence_item("NUT-VITD")])
    assert await at_once(lambda: client.post(urls.withdraw(other["id"]), headers=lab.headers)) == [200] + [409] * 9
    assert await events("application.withdrawn", other["number"]) == 1


async def test_evaluations_are_each_recorded(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    assert (await client.post(urls.submit(app["id"]), headers=lab.headers)).status_code == 200
    assert (await client.post(urls.start_review(app["id"]), headers=staff.reviewer)).status_code == 200
    statuses = await at_once(lambda: client.post(urls.evaluation(app["id"]), json=EVALUATION, headers=staff.reviewer))
    assert statuses == [200] * N
    assert await events("application.evaluated", app["number"]) == N


async def test_certificate_status_changes_have_one_winner(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    etag = (await client.get(urls.certificate(number))).json()["etag"]
    change = {
        "reason": "EQA failure",
        "ground": 2,
        "effective_date": today_in_korea().isoformat(),
        "until": (today_in_korea() + dt.timedelta(days=90)).isoformat(),
    }
    headers = {**staff.regulator, "If-Match": etag}
    assert await at_once(lambda: client.post(urls.suspend(number), json=change, headers=headers)) == [200] + [412] * 9
    assert await events("certificate.suspended", number) == 1


async def test_panel_registrations_are_each_stored(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    body = {"name": "Vitamin D", "items": [{"code": "NUT-VITD", "genes": ["VDR"]}]}
    responses = await asyncio.gather(
        *[client.post(panels_urls.PANELS, json=body, headers=lab.headers) for _ in range(N)]
    )
    assert [r.status_code for r in responses] == [201] * N
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == N and await Panel.count().where(Panel.id.is_in(list(ids))) == N
    assert (
        await AuditEvent.count().where(
            AuditEvent.action == "panel.registered", AuditEvent.entity_id.is_in([str(i) for i in ids])
        )
        == N
    )


async def test_drafting_and_publishing_an_edition_happen_once(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    version = (today_in_korea() + dt.timedelta(days=3)).isoformat()
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        draft = {
            "version": version,
            "withdraw": ["TRT-EARLOBE"],
            **announcement(189),
        }
        assert (
            await at_once(lambda: client.post(catalog_urls.VERSIONS, json=draft, headers=staff.regulator))
            == [201] + [409] * 9
        )
        assert await events("catalogue.draft_created", version) == 1
        statuses = await at_once(lambda: client.post(catalog_urls.publish(version), headers=staff.regulator))
        assert statuses == [200] + [404] * 9
        assert await events("catalogue.edition_published", version) == 1
        assert (await client.get(catalog_urls.version(version))).status_code == 200
