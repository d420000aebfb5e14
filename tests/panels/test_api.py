"""Panel checks over HTTP: who may check for whom, bad input, registered panels that follow the rules,
batch formats and impact of an edition — on SQLite and PostgreSQL (the command line: tests/cli)."""

import datetime as dt
import io
import json

import polars as pl

from registry.audit import urls as audit_urls
from registry.catalog import urls as catalog_urls
from registry.kernel.clock import today_in_korea
from registry.panels import urls
from tests.workflow import certify, make_staff, register_lab, suspend_today

VITD = {"code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"]}


async def test_check_shape_and_who_may_check_for_whom(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    other = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    body = {"items": [VITD], "claims": ""}
    r = await client.post(urls.CHECK, json=body, headers=lab.headers)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["verdict"] == "permitted" and answer["findings"] == []
    assert answer["as_of"] == today_in_korea().isoformat() and answer["catalog_version"] == "2024-07-09"
    assert answer["certificate"]["status"] == "active"
    # A provider checks only for itself; a regulator names any provider; the public may not check.
    r = await client.post(urls.CHECK, json={**body, "provider_id": other.provider_id}, headers=lab.headers)
    assert r.status_code == 403
    r = await client.post(urls.CHECK, json=body, headers=staff.regulator)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "provider_id"
    r = await client.post(urls.CHECK, json={**body, "provider_id": other.provider_id}, headers=staff.regulator)
    assert r.json()["verdict"] == "not_permitted"
    assert [f["code"] for f in r.json()["findings"]] == ["PROVIDER_NOT_CERTIFIED"]
    assert (await client.post(urls.CHECK, json=body)).status_code == 401


async def test_malformed_requests_name_the_field(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    for body, field in [
        ({"items": []}, "items"),
        ({"items": [VITD], "as_of": "2024-13-01"}, "as_of"),
        ({"items": [VITD], "target": "child"}, "target"),
        ({"items": [{"genes": ["VDR"]}]}, "items.0.code"),
        ({"items": [VITD], "colour": "red"}, "colour"),
    ]:
        r = await client.post(urls.CHECK, json=body, headers=lab.headers)
        assert r.status_code == 422, (body, r.text)
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), (field, r.json()["errors"])


async def test_registered_panel_follows_certificate_changes(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    r = await client.post(urls.PANELS, json={"name": "Vitamin D", "items": [VITD]}, headers=lab.headers)
    assert r.status_code == 201
    panel = r.json()
    assert panel["latest_check"]["verdict"] == "permitted"
    other = await register_lab(client, staff)
    assert (await client.get(urls.panel(panel["id"]), headers=other.headers)).status_code == 404
    # Suspending the certificate from today re-checks the panel at once, and says so in the audit log.
    r = await suspend_today(client, staff, number)
    assert r.status_code == 200, r.text
    after = (await client.get(urls.panel(panel["id"]), headers=lab.headers)).json()
    assert after["latest_check"]["verdict"] == "not_permitted"
    assert [f["code"] for f in after["latest_check"]["findings"]] == ["CERTIFICATE_SUSPENDED"]
    audit = (
        await client.get(f"{audit_urls.EVENTS}?entity_type=panel&entity_id={panel['id']}", headers=staff.regulator)
    ).json()
    assert [e["action"] for e in audit["data"]] == ["panel.verdict_changed", "panel.registered"]  # newest first
    assert (await client.post(urls.recheck(panel["id"]), headers=lab.headers)).json()["latest_check"][
        "verdict"
    ] == "not_permitted"


async def test_impact_of_a_draft_that_withdraws_an_item(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD", "EXE-STR"])
    vitd = (await client.post(urls.PANELS, json={"name": "D", "items": [VITD]}, headers=lab.headers)).json()
    strength = {"code": "EXE-STR", "genes": ["ACTN3"]}
    exe = (await client.post(urls.PANELS, json={"name": "S", "items": [strength]}, headers=lab.headers)).json()
    version = (today_in_korea() + dt.timedelta(days=400)).isoformat()
    r = await client.post(
        catalog_urls.VERSIONS, json={"version": version, "withdraw": ["EXE-STR"]}, headers=staff.regulator
    )
    assert r.status_code == 201, r.text
    r = await client.get(urls.impact(version), headers=staff.regulator)
    assert r.status_code == 200, r.text
    impact = r.json()
    broken = {p["panel_id"]: p for p in impact["verdict_changes"]}
    assert exe["id"] in broken and vitd["id"] not in broken
    assert broken[exe["id"]]["verdict_then"] == "not_permitted"
    assert [f["code"] for f in broken[exe["id"]]["findings_appearing"]] == ["ITEM_WITHDRAWN"]
    assert impact["kind"] == "draft" and impact["panels_checked"] >= 2
    assert (await client.get(urls.impact(version), headers=lab.headers)).status_code == 403
    assert (await client.get(urls.impact("1999-01-01"), headers=staff.regulator)).status_code == 404
    published = (await client.get(urls.impact("2016-06-30"), headers=staff.regulator)).json()
    assert published["kind"] == "published"


async def test_batch_in_three_formats_and_its_errors(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    rows = [
        {"panel_id": "A", "code": "NUT-VITD", "genes": "VDR", "markers": "", "claims": ""},
        {"panel_id": "B", "code": "SKN-ELAST", "genes": "MMP1", "markers": "", "claims": "cures hair loss"},
    ]
    csv_body = pl.DataFrame(rows).write_csv().encode()
    r = await client.post(urls.BATCH, content=csv_body, headers={**lab.headers, "Content-Type": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    out = pl.read_csv(io.BytesIO(r.content))
    assert dict(zip(out["panel_id"], out["verdict"], strict=False)) == {"A": "permitted", "B": "not_permitted"}
    assert set(out.filter(pl.col("panel_id") == "B")["code"]) == {"ITEM_WITHDRAWN", "PROHIBITED_CLAIM"}
    assert r.headers["x-panels"] == "2" and r.headers["x-panels-permitted"] == "1"

    listed = [{**row, "genes": [row["genes"]], "markers": []} for row in rows]
    jsonl = "\n".join(json.dumps(row) for row in listed).encode()
    r = await client.post(urls.BATCH, content=jsonl, headers={**lab.headers, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200
    assert next(json.loads(line)["verdict"] for line in r.content.decode().splitlines()) == "permitted"
    parquet = io.BytesIO()
    pl.DataFrame(listed).write_parquet(parquet)
    r = await client.post(f"{urls.BATCH}?format=parquet", content=parquet.getvalue(), headers=lab.headers)
    assert r.status_code == 200
    assert pl.read_parquet(io.BytesIO(r.content)).filter(pl.col("panel_id") == "A")["verdict"].item() == "permitted"

    r = await client.post(urls.BATCH, content=b"x,y\n1,2\n", headers={**lab.headers, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "panel_id"
    bad_date = pl.DataFrame([{"panel_id": "A", "code": "NUT-VITD", "as_of": "yesterday"}]).write_csv().encode()
    r = await client.post(urls.BATCH, content=bad_date, headers={**lab.headers, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "as_of" and "row 1" in r.json()["detail"]
    r = await client.post(urls.BATCH, content=b"{}", headers={**lab.headers, "Content-Type": "application/pdf"})
    assert r.status_code == 415
    other = (
        pl.DataFrame([{"panel_id": "A", "code": "NUT-VITD", "provider_id": lab.provider_id + 1000}])
        .write_csv()
        .encode()
    )
    r = await client.post(urls.BATCH, content=other, headers={**lab.headers, "Content-Type": "text/csv"})
    assert r.status_code == 403


async def test_concurrent_single_checks_answer_each_their_own(client):
    """Single checks that arrive together each get their own answer."""
    import asyncio

    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD", "HLT-BMI"])
    bodies = [
        {"items": [VITD]},
        {"items": [{"code": "SKN-ELAST", "genes": ["MMP1"]}], "as_of": "2021-01-01"},
        {"items": [{"code": "HLT-BMI", "genes": ["FTO"]}], "target": "minor"},
        {"items": [VITD, VITD], "claims": "Diagnoses rickets."},
        {"items": [{"code": "NUT-VITC", "genes": ["SLC23A1"]}], "as_of": "2018-05-05"},
        {"items": [{"code": "NOPE-1"}]},
    ] * 3
    alone = [(await client.post(urls.CHECK, json=b, headers=lab.headers)).json() for b in bodies]
    together = await asyncio.gather(*[client.post(urls.CHECK, json=b, headers=lab.headers) for b in bodies])
    assert [r.json() for r in together] == alone
    assert len({json.dumps(a, sort_keys=True) for a in alone}) == 6
