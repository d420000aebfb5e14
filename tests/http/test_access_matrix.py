"""Every endpoint x every role x own / other record: who gets in, who is told to sign in (401), who
is refused (403), and for whom another provider's record does not exist (404)."""

from registry.accounts import urls as accounts_urls
from registry.audit import urls as audit_urls
from registry.catalog import urls as catalog_urls
from registry.certification import urls as certification_urls
from registry.panels import urls as panels_urls
from registry.providers import urls as providers_urls
from tests.workflow import certify, create_application, evidence_item, make_staff, register_lab, unique

ANON, OWN, OTHER, REVIEWER, REGULATOR = "anonymous", "provider (own)", "provider (other)", "reviewer", "regulator"
ROLES = (ANON, OWN, OTHER, REVIEWER, REGULATOR)


def row(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


async def test_access_matrix(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    other = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    draft = await create_application(client, lab, [evidence_item("SKN-ELAST")])  # cannot be submitted
    closed = await create_application(client, lab, [evidence_item("NUT-VITC")])
    assert (await client.post(certification_urls.withdraw(closed["id"]), headers=lab.headers)).status_code == 200
    app, gone = draft["id"], closed["id"]
    suspend = {"reason": "r", "ground": 2, "effective_date": "2030-01-01", "until": "2030-03-31"}
    revoke = {"reason": "r", "ground": 2, "effective_date": "2030-01-01"}
    reinstate = {"reason": "r", "effective_date": "2030-01-01"}
    hearing = {"held_on": "2030-01-01", "outcome": "held"}
    entry = {
        "code": "TRT-MATRIX",
        "name_ko": "가",
        "name_en": "A",
        "category": "personal_traits",
        "tier": "wellness",
        "status": "permitted",
        "minors": "not_permitted",
        "confidence": "C",
    }

    vitd = {"code": "NUT-VITD", "genes": ["VDR"]}
    panel = (await client.post(panels_urls.PANELS, json={"name": "D", "items": [vitd]}, headers=lab.headers)).json()
    batch = f"panel_id,provider_id,code,genes\nA,{lab.provider_id},NUT-VITD,VDR\n".encode()

    # (method, path, body (JSON, or bytes sent as CSV), expected status per role)
    matrix = [
        ("GET", certification_urls.application(app), None, row(401, 200, 404, 200, 200)),
        (
            "PUT",
            certification_urls.application(app),
            {"kind": "initial", "items": [evidence_item("NUT-VITD")]},
            row(401, 428, 404, 403, 403),
        ),
        ("POST", certification_urls.submit(app), None, row(401, 409, 404, 403, 403)),
        ("POST", certification_urls.withdraw(gone), None, row(401, 409, 404, 403, 403)),
        ("POST", certification_urls.start_review(app), None, row(401, 403, 403, 409, 409)),
        ("POST", certification_urls.request_info(app), {"message": "?"}, row(401, 403, 403, 409, 409)),
        (
            "POST",
            certification_urls.evaluation(app),
            {"scores": {}, "recommendation": "approve"},
            row(401, 403, 403, 422, 422),
        ),
        (
            "POST",
            certification_urls.decision(app),
            {"items": [{"code": "SKN-ELAST", "outcome": "approved"}]},
            row(401, 403, 403, 403, 428),
        ),
        ("GET", certification_urls.APPLICATIONS, None, row(401, 200, 200, 200, 200)),
        ("POST", certification_urls.APPLICATIONS, {"kind": "initial", "items": []}, row(401, 422, 422, 403, 403)),
        ("GET", certification_urls.certificate(number), None, row(200, 200, 200, 200, 200)),
        ("GET", certification_urls.history(number), None, row(200, 200, 200, 200, 200)),
        ("POST", certification_urls.suspend(number), suspend, row(401, 403, 403, 403, 428)),
        ("POST", certification_urls.revoke(number), revoke, row(401, 403, 403, 403, 428)),
        ("POST", certification_urls.reinstate(number), reinstate, row(401, 403, 403, 403, 428)),
        ("POST", certification_urls.hearings(number), hearing, row(401, 403, 403, 403, 428)),
        ("GET", providers_urls.BASE, None, row(200, 200, 200, 200, 200)),
        ("GET", providers_urls.provider(lab.provider_id), None, row(200, 200, 200, 200, 200)),
        ("POST", providers_urls.verify(lab.provider_id), None, row(401, 403, 403, 403, 409)),
        ("GET", audit_urls.EVENTS, None, row(401, 403, 403, 403, 200)),
        ("GET", audit_urls.VERIFY, None, row(401, 403, 403, 403, 200)),
        ("POST", catalog_urls.VERSIONS, {"version": "2030-01-01", "add": [entry]}, row(401, 403, 403, 403, 201)),
        ("GET", catalog_urls.DRAFTS, None, row(401, 403, 403, 403, 200)),
        ("GET", catalog_urls.draft("2030-01-01"), None, row(401, 403, 403, 403, 200)),
        ("POST", catalog_urls.publish("1999-01-01"), None, row(401, 403, 403, 403, 404)),
        ("GET", catalog_urls.VERSIONS, None, row(200, 200, 200, 200, 200)),
        ("GET", accounts_urls.ME, None, row(401, 200, 200, 200, 200)),
        (
            "POST",
            accounts_urls.TOKEN,
            {"email": f"{unique('nobody')}@x.example", "password": "x" * 12},
            row(401, 401, 401, 401, 401),
        ),
        ("POST", providers_urls.REGISTER, {"organisation": {}}, row(422, 422, 422, 422, 422)),
        ("POST", panels_urls.CHECK, {"items": [vitd]}, row(401, 200, 200, 422, 422)),
        ("POST", panels_urls.PANELS, {"name": "M", "items": [vitd]}, row(401, 201, 201, 403, 403)),
        ("GET", panels_urls.panel(panel["id"]), None, row(401, 200, 404, 200, 200)),
        ("POST", panels_urls.recheck(panel["id"]), None, row(401, 200, 404, 200, 200)),
        ("POST", panels_urls.BATCH, batch, row(401, 200, 403, 403, 200)),
        ("GET", panels_urls.impact("2024-07-09"), None, row(401, 403, 403, 403, 200)),
    ]
    headers = {ANON: {}, OWN: lab.headers, OTHER: other.headers, REVIEWER: staff.reviewer, REGULATOR: staff.regulator}
    mismatches = []
    cells = 0
    for method, path, body, expected in matrix:
        for role in ROLES:
            if isinstance(body, bytes):
                r = await client.request(
                    method, path, content=body, headers={**headers[role], "Content-Type": "text/csv"}
                )
            else:
                r = await client.request(method, path, json=body, headers=headers[role])
            cells += 1
            if r.status_code != expected[role]:
                mismatches.append(
                    f"{method} {path} as {role}: {r.status_code} (expected {expected[role]}) {r.text[:120]}"
                )
            elif r.status_code >= 400:
                problem = r.json()
                assert problem["code"] and problem["detail"] and problem["detail_ko"], problem
                if r.status_code == 401:
                    assert r.headers["www-authenticate"].startswith("Bearer")
    assert not mismatches, "\n".join(mismatches)
    assert cells == len(matrix) * len(ROLES) == 175

    # Lists show a provider only its own organisation's applications.
    listed = (await client.get(certification_urls.APPLICATIONS, headers=other.headers)).json()
    assert listed["total"] == 0 and listed["data"] == []
    own = (await client.get(certification_urls.APPLICATIONS, headers=lab.headers)).json()
    assert {a["id"] for a in own["data"]} >= {draft["id"], closed["id"]}
    assert all(a["provider_id"] == lab.provider_id for a in own["data"])
