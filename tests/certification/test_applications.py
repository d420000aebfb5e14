"""Application rules over HTTP: dry runs, bad input, separation of evaluation and decision, change and renewal."""

import datetime as dt

from registry.certification import urls
from registry.certification.tables import Application
from registry.kernel.clock import today_in_korea
from registry.providers import urls as providers_urls
from registry.providers.tables import Provider
from tests.workflow import (
    EVALUATION,
    PASSWORD,
    business_number,
    certify,
    create_application,
    evidence_item,
    make_staff,
    register_lab,
    sign_in,
    through_review,
    unique,
)


async def test_application_body_errors_name_the_field(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    item = evidence_item("NUT-VITD")
    item["evidence"][0]["references"] = ["not a paper", "PMID:123"]
    r = await client.post(
        urls.APPLICATIONS, json={"kind": "initial", "items": [item, {"code": "nut"}]}, headers=lab.headers
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert any(f.startswith("items.0.evidence.0.references") for f in fields), fields
    assert any(f.startswith("items.1") for f in fields), fields
    r = await client.post(
        urls.APPLICATIONS, json={"kind": "change", "items": [evidence_item("NUT-VITD")]}, headers=lab.headers
    )
    assert r.status_code == 422 and "names the certificate" in r.text


async def test_dry_run_create_and_submit_store_nothing(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    before = await Application.count()
    r = await client.post(
        f"{urls.APPLICATIONS}?dry_run=true",
        json={"kind": "initial", "items": [evidence_item("NUT-VITD")]},
        headers=lab.headers,
    )
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert await Application.count() == before
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    r = await client.post(f"{urls.submit(app['id'])}?dry_run=true", headers=lab.headers)
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert (await client.get(urls.application(app["id"]), headers=lab.headers)).json()["state"] == "draft"


async def test_the_evaluator_cannot_decide_and_evaluation_comes_first(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    await client.post(urls.submit(app["id"]), headers=lab.headers)
    view = (await client.post(urls.start_review(app["id"]), headers=staff.regulator)).json()
    decision = {"items": [{"code": "NUT-VITD", "outcome": "approved"}]}
    r = await client.post(
        urls.decision(app["id"]), json=decision, headers={**staff.regulator, "If-Match": view["etag"]}
    )
    assert r.status_code == 409 and r.json()["code"] == "EVALUATION_REQUIRED"
    # A regulator who evaluates may not decide the same application.
    view = (await client.post(urls.evaluation(app["id"]), json=EVALUATION, headers=staff.regulator)).json()
    r = await client.post(
        urls.decision(app["id"]), json=decision, headers={**staff.regulator, "If-Match": view["etag"]}
    )
    assert r.status_code == 403 and r.json()["code"] == "DECIDER_IS_EVALUATOR"
    # Every item decided once; a rejection needs its reason.
    partial = {"items": [{"code": "NUT-VITD", "outcome": "rejected"}]}
    r = await client.post(
        urls.decision(app["id"]), json=partial, headers={**staff.regulator2, "If-Match": view["etag"]}
    )
    assert r.status_code == 422
    r = await client.post(urls.decision(app['id']), json={"items": [{"code": "NUT-VITC", "outcome": "approved"}]},
                          headers={**staff.regulator2, "If-Match": view["etag"]})  # fmt: skip
    assert r.status_code == 422 and "not decided: NUT-VITD" in r.text
    rejected = {"items": [{"code": "NUT-VITD", "outcome": "rejected", "reason": "EQA concordance 71%"}]}
    r = await client.post(
        urls.decision(app["id"]), json=rejected, headers={**staff.regulator2, "If-Match": view["etag"]}
    )
    assert r.status_code == 200 and r.json()["outcome"] == "rejected"
    assert (await client.get(providers_urls.provider(lab.provider_id))).json()["certificates"] == []


async def test_change_rules_and_renewal_window(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    change = await create_application(
        client, lab, [evidence_item("NUT-VITD"), evidence_item("HLT-POLLEN")], kind="change", certificate=number
    )
    r = await client.post(urls.submit(change["id"]), headers=lab.headers)
    assert r.status_code == 422
    assert {(f["item"], f["code"]) for f in r.json()["findings"]} == {("NUT-VITD", "ITEM_ALREADY_CERTIFIED")}
    renewal = await create_application(client, lab, [evidence_item("NUT-VITD")], kind="renewal", certificate=number)
    r = await client.post(urls.submit(renewal["id"]), headers=lab.headers)
    assert r.status_code == 409 and r.json()["code"] == "RENEWAL_WINDOW_CLOSED"
    assert r.json()["window_closes"] > today_in_korea().isoformat()


async def test_renewal_extends_validity_and_ends_items_not_recertified(client):
    from registry.accounts.model import Role
    from registry.accounts.service import create_user
    from registry.certification.history_import import import_history

    staff = await make_staff(client)
    today = today_in_korea()
    valid_from = today.replace(year=today.year - 3) + dt.timedelta(days=30)  # expires in about a month
    from registry.certification.model import validity_end

    until = validity_end(valid_from)
    bn = business_number()
    number = f"DTC-{valid_from.year}-{9000 + int(unique('r').split('-')[1]) % 999}"
    await import_history({"providers": [{
        "name_ko": "재인증 기관", "name_en": "Renewal Lab", "business_number": bn, "contact_email": "r@lab.example",
        "certificates": [{"number": number, "kind": "certification", "valid_from": valid_from.isoformat(),
                          "valid_until": until.isoformat(), "items": [{"code": "NUT-VITD"}, {"code": "HLT-BMI"}]}],
    }]})  # fmt: skip
    provider_id = (await Provider.select(Provider.id).where(Provider.business_number == bn).first())["id"]
    email = f"{unique('renew')}@lab.example"
    await create_user(email, "Renewal", Role.provider, PASSWORD, provider_id=provider_id)
    headers = await sign_in(client, email)
    from tests.workflow import Lab

    lab = Lab(provider_id, headers, "Renewal Lab")
    app = await create_application(
        client, lab, [evidence_item("NUT-VITD"), evidence_item("HLT-BMI")], kind="renewal", certificate=number
    )
    r = await client.post(urls.submit(app["id"]), headers=lab.headers)
    assert r.status_code == 200, r.text
    view = await through_review(client, staff, app["id"])
    decision = {
        "items": [
            {"code": "NUT-VITD", "outcome": "approved"},
            {"code": "HLT-BMI", "outcome": "rejected", "reason": "EQA failed"},
        ]
    }
    r = await client.post(
        urls.decision(app["id"]), json=decision, headers={**staff.regulator, "If-Match": view["etag"]}
    )
    assert r.status_code == 200, r.text
    new_until = validity_end(until + dt.timedelta(days=1))
    cert = (await client.get(urls.certificate(number))).json()
    assert cert["valid_until"] == new_until.isoformat()
    assert {i["code"] for i in cert["items"]} == {"NUT-VITD", "HLT-BMI"}  # still valid until the old expiry
    later = (await client.get(f"{urls.certificate(number)}?as_of={(until + dt.timedelta(days=1)).isoformat()}")).json()
    assert later["result"] == "certified" and {i["code"] for i in later["items"]} == {"NUT-VITD"}
    history = (await client.get(urls.history(number))).json()
    assert [e["kind"] for e in history["events"]] == ["issued", "renewed"]
    after = (
        await client.get(f"{urls.certificate(number)}?as_of={(new_until + dt.timedelta(days=1)).isoformat()}")
    ).json()
    assert after["status"] == "expired"
    assert f"({new_until.isoformat()}까지 유효)" in after["message_ko"]  # the last valid day, as the notices say
    assert f"validity ended on {new_until.isoformat()}" in after["message_en"]
