"""Workflow rules over HTTP: dry runs, bad input, separation of evaluation and decision, renewal, imports."""

import datetime as dt

from registry.accounts.tables import User
from registry.certification.tables import Application
from registry.kernel.clock import today_in_korea
from registry.providers.tables import Provider
from tests.conftest import Database
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

APPS = "/api/v1/applications"


async def test_registration_validates_every_field_and_dry_run_stores_nothing(client):
    bad = {
        "organisation": {"name_ko": "", "name_en": "X", "business_number": "123-45-67890", "contact_email": "nope"},
        "user": {"email": "a@b.example", "display_name": "A", "password": "short"},
    }
    r = await client.post("/api/v1/providers/register", json=bad)
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
    r = await client.post("/api/v1/providers/register?dry_run=true", json=good)
    assert r.status_code == 201 and r.json()["dry_run"] is True and r.json()["provider_id"] is None
    assert (await Provider.count(), await User.count()) == (providers, users)
    assert (await client.post("/api/v1/providers/register", json=good)).status_code == 201
    again = await client.post("/api/v1/providers/register", json=good)
    assert again.status_code == 409 and {e["field"] for e in again.json()["errors"]} == {
        "organisation.business_number",
        "user.email",
    }


async def test_application_body_errors_name_the_field(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    item = evidence_item("NUT-VITD")
    item["evidence"][0]["references"] = ["not a paper", "PMID:123"]
    r = await client.post(APPS, json={"kind": "initial", "items": [item, {"code": "nut"}]}, headers=lab.headers)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert any(f.startswith("items.0.evidence.0.references") for f in fields), fields
    assert any(f.startswith("items.1") for f in fields), fields
    r = await client.post(APPS, json={"kind": "change", "items": [evidence_item("NUT-VITD")]}, headers=lab.headers)
    assert r.status_code == 422 and "names the certificate" in r.text


async def test_dry_run_create_and_submit_store_nothing(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    before = await Application.count()
    r = await client.post(
        f"{APPS}?dry_run=true", json={"kind": "initial", "items": [evidence_item("NUT-VITD")]}, headers=lab.headers
    )
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert await Application.count() == before
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    r = await client.post(f"{APPS}/{app['id']}/submit?dry_run=true", headers=lab.headers)
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert (await client.get(f"{APPS}/{app['id']}", headers=lab.headers)).json()["state"] == "draft"


async def test_the_evaluator_cannot_decide_and_evaluation_comes_first(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")])
    await client.post(f"{APPS}/{app['id']}/submit", headers=lab.headers)
    view = (await client.post(f"{APPS}/{app['id']}/start-review", headers=staff.regulator)).json()
    decision = {"items": [{"code": "NUT-VITD", "outcome": "approved"}]}
    r = await client.post(
        f"{APPS}/{app['id']}/decision", json=decision, headers={**staff.regulator, "If-Match": view["etag"]}
    )
    assert r.status_code == 409 and r.json()["code"] == "EVALUATION_REQUIRED"
    # A regulator who evaluates may not decide the same application.
    view = (await client.post(f"{APPS}/{app['id']}/evaluation", json=EVALUATION, headers=staff.regulator)).json()
    r = await client.post(
        f"{APPS}/{app['id']}/decision", json=decision, headers={**staff.regulator, "If-Match": view["etag"]}
    )
    assert r.status_code == 403 and r.json()["code"] == "DECIDER_IS_EVALUATOR"
    # Every item decided once; a rejection needs its reason.
    partial = {"items": [{"code": "NUT-VITD", "outcome": "rejected"}]}
    r = await client.post(
        f"{APPS}/{app['id']}/decision", json=partial, headers={**staff.regulator2, "If-Match": view["etag"]}
    )
    assert r.status_code == 422
    r = await client.post(f"{APPS}/{app['id']}/decision", json={"items": [{"code": "NUT-VITC", "outcome": "approved"}]},
                          headers={**staff.regulator2, "If-Match": view["etag"]})  # fmt: skip
    assert r.status_code == 422 and "not decided: NUT-VITD" in r.text
    rejected = {"items": [{"code": "NUT-VITD", "outcome": "rejected", "reason": "EQA concordance 71%"}]}
    r = await client.post(
        f"{APPS}/{app['id']}/decision", json=rejected, headers={**staff.regulator2, "If-Match": view["etag"]}
    )
    assert r.status_code == 200 and r.json()["outcome"] == "rejected"
    assert (await client.get(f"/api/v1/providers/{lab.provider_id}")).json()["certificates"] == []


async def test_change_rules_and_renewal_window(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    change = await create_application(
        client, lab, [evidence_item("NUT-VITD"), evidence_item("HLT-POLLEN")], kind="change", certificate=number
    )
    r = await client.post(f"{APPS}/{change['id']}/submit", headers=lab.headers)
    assert r.status_code == 422
    assert {(f["item"], f["code"]) for f in r.json()["findings"]} == {("NUT-VITD", "ITEM_ALREADY_CERTIFIED")}
    renewal = await create_application(client, lab, [evidence_item("NUT-VITD")], kind="renewal", certificate=number)
    r = await client.post(f"{APPS}/{renewal['id']}/submit", headers=lab.headers)
    assert r.status_code == 409 and r.json()["code"] == "RENEWAL_WINDOW_CLOSED"
    assert r.json()["window_closes"] > today_in_korea().isoformat()


async def test_status_changes_need_if_match_ground_and_order(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    cert = (await client.get(f"/api/v1/certificates/{number}")).json()
    today = today_in_korea()
    r = await client.post(f"/api/v1/certificates/{number}/suspend",
                          json={"reason": "x", "effective_date": today.isoformat()}, headers={**staff.regulator, "If-Match": cert["etag"]})  # fmt: skip
    assert r.status_code == 409 and "ground" in r.json()["detail"]
    cert = (await client.get(f"/api/v1/certificates/{number}")).json()
    r = await client.post(f"/api/v1/certificates/{number}/reinstate",
                          json={"reason": "x", "effective_date": today.isoformat()}, headers={**staff.regulator, "If-Match": cert["etag"]})  # fmt: skip
    assert r.status_code == 409 and "only a suspended" in r.json()["detail"]
    cert = (await client.get(f"/api/v1/certificates/{number}")).json()
    r = await client.post(f"/api/v1/certificates/{number}/revoke", json={"reason": "fraud", "ground": 1, "effective_date": today.isoformat()},
                          headers={**staff.regulator, "If-Match": cert["etag"]})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = await client.post(f"/api/v1/certificates/{number}/reinstate", json={"reason": "x", "effective_date": (today + dt.timedelta(days=1)).isoformat()},
                          headers={**staff.regulator, "If-Match": r.json()["etag"]})  # fmt: skip
    assert r.status_code == 409 and "final" in r.json()["detail"]


async def test_history_import_demo_seed_and_production_refusal(fresh_database: Database, client_for):
    from registry.catalog.service import import_catalogue
    from registry.demo import load_demo
    from registry.settings import PROJECT_ROOT

    await import_catalogue(PROJECT_ROOT / "rules" / "catalog")
    said = await load_demo(PROJECT_ROOT / "seeds")
    assert any("DTC-2022-0002" in line for line in said)
    assert await load_demo(PROJECT_ROOT / "seeds") == []  # idempotent
    async with client_for(fresh_database) as client:

        async def on(number, day):
            return (await client.get(f"/api/v1/certificates/{number}?as_of={day}")).json()

        assert (await on("DTC-P2020-0001", "2021-06-01"))["result"] == "certified"
        assert (await on("DTC-2022-0002", "2024-06-01"))["status"] == "suspended"
        assert (await on("DTC-2022-0002", "2024-09-01"))["status"] == "active"
        assert (await on("DTC-2022-0002", "2026-01-10"))["status"] == "expired"
        hanbit = await on("DTC-2022-0001", "2026-11-25")
        assert hanbit["result"] == "certified" and hanbit["valid_until"] == "2028-12-29"
        assert "SKN-KELOID" not in {i["code"] for i in (await on("DTC-2022-0001", "2023-04-13"))["items"]}
        assert "SKN-KELOID" in {i["code"] for i in (await on("DTC-2022-0001", "2023-04-14"))["items"]}
        headers = await sign_in(client, "lab@hanbit.example", "demo-hanbit-2026")
        assert (await client.get("/api/v1/auth/me", headers=headers)).json()["role"] == "provider"

    # Production refuses the development secret, and demo accounts.
    from registry.app import UnsafeProductionSettings

    for secret in ("", "x" * 40):
        try:
            async with client_for(
                fresh_database, environment="production", **({"secret_key": secret} if secret else {})
            ):
                raise AssertionError("production started with unsafe settings")
        except UnsafeProductionSettings as exc:
            assert "demo accounts" in str(exc)
            assert ("REGISTRY_SECRET_KEY" in str(exc)) == (not secret)


async def test_renewal_extends_validity_and_ends_items_not_recertified(client):
    from registry.accounts.model import Role
    from registry.accounts.service import create_user
    from registry.certification.history_import import import_history
    from registry.providers.tables import Provider

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
    r = await client.post(f"{APPS}/{app['id']}/submit", headers=lab.headers)
    assert r.status_code == 200, r.text
    view = await through_review(client, staff, app["id"])
    decision = {
        "items": [
            {"code": "NUT-VITD", "outcome": "approved"},
            {"code": "HLT-BMI", "outcome": "rejected", "reason": "EQA failed"},
        ]
    }
    r = await client.post(
        f"{APPS}/{app['id']}/decision", json=decision, headers={**staff.regulator, "If-Match": view["etag"]}
    )
    assert r.status_code == 200, r.text
    new_until = validity_end(until + dt.timedelta(days=1))
    cert = (await client.get(f"/api/v1/certificates/{number}")).json()
    assert cert["valid_until"] == new_until.isoformat()
    assert {i["code"] for i in cert["items"]} == {"NUT-VITD", "HLT-BMI"}  # still valid until the old expiry
    later = (
        await client.get(f"/api/v1/certificates/{number}?as_of={(until + dt.timedelta(days=1)).isoformat()}")
    ).json()
    assert later["result"] == "certified" and {i["code"] for i in later["items"]} == {"NUT-VITD"}
    history = (await client.get(f"/api/v1/certificates/{number}/history")).json()
    assert [e["kind"] for e in history["events"]] == ["issued", "renewed"]


async def test_tokens_expire(client):
    from registry.accounts.service import issue_token, principal_for_token
    from registry.settings import DEVELOPMENT_SECRET_KEY

    staff_email = f"{unique('exp')}@staff.example"
    from registry.accounts.model import Role
    from registry.accounts.service import create_user

    await create_user(staff_email, "Expiring", Role.reviewer, PASSWORD)
    issued = await issue_token(staff_email, PASSWORD, secret_key=DEVELOPMENT_SECRET_KEY, ttl_minutes=0)
    assert await principal_for_token(issued.token, DEVELOPMENT_SECRET_KEY) is None
    r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {issued.token}"})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"


async def test_repeated_failed_sign_ins_lock_the_email_for_a_while(client):
    from registry.accounts.model import Role
    from registry.accounts.service import create_user

    email = f"{unique('lock')}@staff.example"
    await create_user(email, "Locked", Role.reviewer, PASSWORD)
    for _ in range(5):
        r = await client.post("/api/v1/auth/token", json={"email": email, "password": "wrong password!"})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and r.json()["code"] == "TOO_MANY_ATTEMPTS"
    assert 1 <= int(r.headers["retry-after"]) <= 15 * 60 + 1
