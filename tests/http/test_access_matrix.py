"""Every endpoint x every role x own / other record: who gets in, who is told to sign in (401), who
is refused (403), and for whom another provider's record does not exist (404)."""

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
    assert (await client.post(f"/api/v1/applications/{closed['id']}/withdraw", headers=lab.headers)).status_code == 200
    app, gone = f"/api/v1/applications/{draft['id']}", f"/api/v1/applications/{closed['id']}"
    suspend = {"reason": "r", "ground": 2, "effective_date": "2030-01-01"}
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
    panel = (await client.post("/api/v1/panels", json={"name": "D", "items": [vitd]}, headers=lab.headers)).json()
    batch = f"panel_id,provider_id,code,genes\nA,{lab.provider_id},NUT-VITD,VDR\n".encode()

    # (method, path, body (JSON, or bytes sent as CSV), expected status per role)
    matrix = [
        ("GET", app, None, row(401, 200, 404, 200, 200)),
        ("PUT", app, {"kind": "initial", "items": [evidence_item("NUT-VITD")]}, row(401, 428, 404, 403, 403)),
        ("POST", f"{app}/submit", None, row(401, 409, 404, 403, 403)),
        ("POST", f"{gone}/withdraw", None, row(401, 409, 404, 403, 403)),
        ("POST", f"{app}/start-review", None, row(401, 403, 403, 409, 409)),
        ("POST", f"{app}/request-info", {"message": "?"}, row(401, 403, 403, 409, 409)),
        ("POST", f"{app}/evaluation", {"scores": {}, "recommendation": "approve"}, row(401, 403, 403, 422, 422)),
        (
            "POST",
            f"{app}/decision",
            {"items": [{"code": "SKN-ELAST", "outcome": "approved"}]},
            row(401, 403, 403, 403, 428),
        ),
        ("GET", "/api/v1/applications", None, row(401, 200, 200, 200, 200)),
        ("POST", "/api/v1/applications", {"kind": "initial", "items": []}, row(401, 422, 422, 403, 403)),
        ("GET", f"/api/v1/certificates/{number}", None, row(200, 200, 200, 200, 200)),
        ("GET", f"/api/v1/certificates/{number}/history", None, row(200, 200, 200, 200, 200)),
        ("POST", f"/api/v1/certificates/{number}/suspend", suspend, row(401, 403, 403, 403, 428)),
        ("POST", f"/api/v1/certificates/{number}/revoke", suspend, row(401, 403, 403, 403, 428)),
        ("POST", f"/api/v1/certificates/{number}/reinstate", suspend, row(401, 403, 403, 403, 428)),
        ("GET", "/api/v1/providers", None, row(200, 200, 200, 200, 200)),
        ("GET", f"/api/v1/providers/{lab.provider_id}", None, row(200, 200, 200, 200, 200)),
        ("POST", f"/api/v1/providers/{lab.provider_id}/verify", None, row(401, 403, 403, 403, 409)),
        ("GET", "/api/v1/audit", None, row(401, 403, 403, 403, 200)),
        ("GET", "/api/v1/audit/verify", None, row(401, 403, 403, 403, 200)),
        ("POST", "/api/v1/catalog/versions", {"version": "2030-01-01", "add": [entry]}, row(401, 403, 403, 403, 201)),
        ("GET", "/api/v1/catalog/drafts", None, row(401, 403, 403, 403, 200)),
        ("GET", "/api/v1/catalog/drafts/2030-01-01", None, row(401, 403, 403, 403, 200)),
        ("POST", "/api/v1/catalog/versions/1999-01-01/publish", None, row(401, 403, 403, 403, 404)),
        ("GET", "/api/v1/catalog/versions", None, row(200, 200, 200, 200, 200)),
        ("GET", "/api/v1/auth/me", None, row(401, 200, 200, 200, 200)),
        (
            "POST",
            "/api/v1/auth/token",
            {"email": f"{unique('nobody')}@x.example", "password": "x" * 12},
            row(401, 401, 401, 401, 401),
        ),
        ("POST", "/api/v1/providers/register", {"organisation": {}}, row(422, 422, 422, 422, 422)),
        ("POST", "/api/v1/panels/check", {"items": [vitd]}, row(401, 200, 200, 422, 422)),
        ("POST", "/api/v1/panels", {"name": "M", "items": [vitd]}, row(401, 201, 201, 403, 403)),
        ("GET", f"/api/v1/panels/{panel['id']}", None, row(401, 200, 404, 200, 200)),
        ("POST", f"/api/v1/panels/{panel['id']}/check", None, row(401, 200, 404, 200, 200)),
        ("POST", "/api/v1/panels/check-batch", batch, row(401, 200, 403, 403, 200)),
        ("GET", "/api/v1/catalog/versions/2024-07-09/impact", None, row(401, 403, 403, 403, 200)),
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
    assert cells == len(matrix) * len(ROLES) == 170

    # Lists show a provider only its own organisation's applications.
    listed = (await client.get("/api/v1/applications", headers=other.headers)).json()
    assert listed["total"] == 0 and listed["data"] == []
    own = (await client.get("/api/v1/applications", headers=lab.headers)).json()
    assert {a["id"] for a in own["data"]} >= {draft["id"], closed["id"]}
    assert all(a["provider_id"] == lab.provider_id for a in own["data"])
