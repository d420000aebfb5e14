"""One provider's whole journey, over HTTP only, on SQLite and PostgreSQL: registration, application,
information request, resubmission, evaluation, decision, certificate, change, suspension, lookups."""

import datetime as dt

from registry.accounts import urls as accounts_urls
from registry.audit import urls as audit_urls
from registry.catalog import urls as catalog_urls
from registry.certification import urls
from registry.certification.model import validity_end
from registry.kernel.clock import today_in_korea
from registry.providers import urls as providers_urls
from tests.workflow import EVALUATION, create_application, evidence_item, make_staff, proposal, register_lab, unique


async def test_from_registration_to_public_lookup(client):
    staff = await make_staff(client)
    today = today_in_korea()

    # 1. Registration: the organisation starts unverified and cannot submit yet.
    lab = await register_lab(client, name=unique("Scenario"))
    me = (await client.get(accounts_urls.ME, headers=lab.headers)).json()
    assert me["role"] == "provider" and me["provider_id"] == lab.provider_id
    new_code = f"TRT-{unique('X').replace('-', '')[:10].upper()}"
    app = await create_application(
        client,
        lab,
        [evidence_item("NUT-VITD"), evidence_item("EXE-STR"), evidence_item("SKN-ELAST", refs=1)],
        proposals=[proposal(new_code)],
    )
    assert app["state"] == "draft" and app["number"].startswith(f"APP-{today.year}-")
    app_id = app["id"]
    r = await client.post(urls.submit(app_id), headers=lab.headers)
    assert r.status_code == 409 and r.json()["code"] == "ORGANISATION_NOT_VERIFIED"

    # 2. The regulator verifies the organisation; submission now finds the bad item, all problems at once.
    assert (await client.post(providers_urls.verify(lab.provider_id), headers=staff.regulator)).status_code == 200
    r = await client.post(urls.submit(app_id), headers=lab.headers)
    assert r.status_code == 422, r.text
    findings = {(f["item"], f["code"]) for f in r.json()["findings"]}
    assert findings == {("SKN-ELAST", "ITEM_WITHDRAWN"), ("SKN-ELAST", "EVIDENCE_INSUFFICIENT")}
    assert all(f["message_ko"] and f["message_en"] and f["basis_ko"] and f["basis_en"] for f in r.json()["findings"])

    # 3. The provider fixes the draft (If-Match required) and submits with an Idempotency-Key, twice.
    fixed = {
        "kind": "initial",
        "items": [evidence_item("NUT-VITD"), evidence_item("EXE-STR")],
        "proposals": [proposal(new_code)],
    }
    assert (await client.put(urls.application(app_id), json=fixed, headers=lab.headers)).status_code == 428
    r = await client.put(urls.application(app_id), json=fixed, headers={**lab.headers, "If-Match": app["etag"]})
    assert r.status_code == 200, r.text
    key = {**lab.headers, "Idempotency-Key": unique("submit")}
    first = await client.post(urls.submit(app_id), headers=key)
    again = await client.post(urls.submit(app_id), headers=key)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and again.headers.get("Idempotent-Replayed") == "true"
    twice = (await client.post(urls.submit(app_id), headers=lab.headers)).json()
    assert twice["code"] == "ILLEGAL_TRANSITION"
    assert "현재 '제출됨' 상태라 '제출' 처리를 할 수 없습니다" in twice["detail_ko"], twice["detail_ko"]
    assert "is submitted: it cannot submit now" in twice["detail"]

    # 4. Review: the reviewer asks for information; the provider answers and resubmits.
    assert (await client.post(urls.start_review(app_id), headers=staff.reviewer)).json()["state"] == "under_review"
    r = await client.post(urls.request_info(app_id), json={"message": "Send the EQA report."}, headers=staff.reviewer)
    assert r.json()["state"] == "info_requested"
    seen = (await client.get(urls.application(app_id), headers=lab.headers)).json()
    assert seen["info_request"] == "Send the EQA report." and "submit" in seen["allowed_actions"]
    r = await client.post(urls.submit(app_id), json={"response": "EQA report attached."}, headers=lab.headers)
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    await client.post(urls.start_review(app_id), headers=staff.reviewer)

    # 5. Evaluation by the reviewer, decision by the regulator (per item; one rejected with a reason).
    r = await client.post(urls.evaluation(app_id), json=EVALUATION, headers=staff.reviewer)
    assert r.status_code == 200 and r.json()["evaluation"]["total_score"] == 85
    decision = {
        "items": [
            {"code": "NUT-VITD", "outcome": "approved"},
            {"code": "EXE-STR", "outcome": "rejected", "reason": "accuracy below the EQA threshold"},
            {"code": new_code, "outcome": "approved"},
        ]
    }
    r = await client.post(
        urls.decision(app_id), json=decision, headers={**staff.regulator, "If-Match": r.json()["etag"]}
    )
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["state"] == "decided" and decided["outcome"] == "partially_approved"

    # 6. The certificate: three years less a day, the approved items (the new item too), public.
    provider = (await client.get(providers_urls.provider(lab.provider_id))).json()
    number = provider["certificate_number"]
    assert number.startswith(f"DTC-{today.year}-") and provider["status"] == "active"
    cert = (await client.get(urls.certificate(number))).json()
    assert cert["result"] == "certified" and cert["valid_until"] == validity_end(today).isoformat()
    assert {i["code"] for i in cert["items"]} == {"NUT-VITD", new_code}
    assert "contact_email" not in str(provider) and "evidence" not in str(cert)

    # The approved proposal waits in the draft edition of the permitted list.
    drafts = (await client.get(catalog_urls.DRAFTS, headers=staff.regulator)).json()["data"]
    assert any(new_code in {i["code"] for i in d["content"]["items"]} for d in drafts)

    # 7. A change application adds an item without touching validity.
    change = await create_application(client, lab, [evidence_item("EXE-END")], kind="change", certificate=number)
    assert (await client.post(urls.submit(change["id"]), headers=lab.headers)).status_code == 200
    await client.post(urls.start_review(change["id"]), headers=staff.reviewer)
    evaluated = (await client.post(urls.evaluation(change["id"]), json=EVALUATION, headers=staff.reviewer)).json()
    r = await client.post(
        urls.decision(change["id"]),
        json={"items": [{"code": "EXE-END", "outcome": "approved"}]},
        headers={**staff.regulator, "If-Match": evaluated["etag"]},
    )
    assert r.status_code == 200, r.text
    cert = (await client.get(urls.certificate(number))).json()
    assert {i["code"] for i in cert["items"]} == {"NUT-VITD", new_code, "EXE-END"}
    assert cert["valid_until"] == validity_end(today).isoformat()

    # 8. Suspension from a future date (ground 3), with If-Match on the certificate.
    later = today + dt.timedelta(days=30)
    suspend = {
        "reason": "tested items outside the certificate",
        "ground": 3,
        "effective_date": later.isoformat(),
        "until": (later + dt.timedelta(days=364)).isoformat(),
    }
    r = await client.post(urls.suspend(number), json=suspend, headers={**staff.regulator, "If-Match": cert["etag"]})
    assert r.status_code == 200, r.text

    # 9. The public lookup at several dates.
    async def on(day):
        return (await client.get(f"{urls.certificate(number)}?as_of={day.isoformat()}")).json()

    before = await on(today - dt.timedelta(days=1))
    assert before["result"] == "not_certified" and before["status"] == "not_yet_valid"
    assert (await on(today))["result"] == "certified"
    suspended = await on(later)
    assert (suspended["result"], suspended["status"], suspended["status_since"], suspended["ground"]) == (
        "not_certified",
        "suspended",
        later.isoformat(),
        3,
    )
    assert suspended["items"] == [] and suspended["message_ko"]
    assert suspended["status_until"] == (later + dt.timedelta(days=364)).isoformat()
    assert (await on(later + dt.timedelta(days=365)))["result"] == "certified"  # the suspension ended by itself
    expired = await on(validity_end(today) + dt.timedelta(days=1))
    assert expired["status"] == "expired"
    unknown = (await client.get(urls.certificate("DTC-1999-9999"))).json()
    assert unknown["result"] == "unknown"

    history = (await client.get(urls.history(number))).json()
    assert [e["kind"] for e in history["events"]] == ["issued", "items_added", "suspended"]

    found = (await client.get(f"{providers_urls.BASE}?q={lab.name_en.split()[0]}")).json()
    assert [p["id"] for p in found["data"]] == [lab.provider_id]
    by_item = (await client.get(f"{providers_urls.BASE}?item=EXE-END&as_of={today.isoformat()}")).json()
    assert lab.provider_id in {p["id"] for p in by_item["data"]}
    in_suspension = (await client.get(f"{providers_urls.BASE}?status=suspended&as_of={later.isoformat()}")).json()
    assert lab.provider_id in {p["id"] for p in in_suspension["data"]}

    # 10. Every step left an intact audit trail.
    audit = (await client.get(audit_urls.VERIFY, headers=staff.regulator)).json()
    assert audit["intact"] is True, audit
    events = (
        await client.get(
            f"{audit_urls.EVENTS}?entity_type=application&entity_id={app['number']}", headers=staff.regulator
        )
    ).json()
    actions = [e["action"] for e in reversed(events["data"])]  # the log answers newest first
    assert actions == [
        "application.created",
        "application.edited",
        "application.submitted",
        "application.review_started",
        "application.info_requested",
        "application.submitted",
        "application.review_started",
        "application.evaluated",
        "application.decided",
    ]
