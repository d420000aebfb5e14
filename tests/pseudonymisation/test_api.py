"""The public pseudonymisation API over real HTTP on the app: editions, the edition in force with its diff,
diffs, checks of JSON fields and of CSV files, and every refusal as a problem naming what is wrong.
Nobody signs in: these are public answers."""

from __future__ import annotations

import csv
import io

from registry.pseudonymisation import urls
from registry.pseudonymisation.schemas import MAX_FIELDS
from tests.pseudonymisation.helpers import FILE_KINDS, KINDS
from tests.workflow import assert_problem

EXAMPLE = {"as_of": "2024-03-01", "environment": "closed", "fields": [{"name": "vcf_path", "kind": "VARIANT_CALLS"}]}
CSV = {"Content-Type": "text/csv"}


async def test_versions_newest_first(client):
    r = await client.get(urls.VERSIONS)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(v["version"], v["status"]) for v in body["data"]] == [
        ("2024-01-31", "edition"),
        ("2023-06-01-proposal", "proposal"),
        ("2022-01", "edition"),
        ("2021-02", "edition"),
        ("2020-09", "edition"),
    ]
    assert body["total"] == 5 and body["edition_in_force"] == "2024-01-31"
    latest, proposal, *_, first = body["data"]
    assert latest["counts"] == {"listed": 8, "pseudonymisable": 7, "consent_required": 0, "not_identifying": 1}
    assert (first["effective_from"], first["effective_from_precision"], first["effective_until"]) == (
        "2020-09-01",
        "month",
        "2021-01-31",
    )
    assert (proposal["effective_from"], proposal["proposed_on"]) == (None, "2023-06-01")
    assert body["data"][3]["genomic_provisions_verified"] is False  # 2021-02


async def test_one_version_with_every_kind(client):
    r = await client.get(urls.version("2022-01"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [k["kind"] for k in body["kinds"]] == list(KINDS)
    listed = {k["kind"]: k for k in body["kinds"] if k["listed"]}
    assert set(listed) == {"KNOWN_DISEASE_VARIANT", "TUMOUR_NOVEL_VARIANT"}
    assert all(not k["status_confirmed"] and k["status_note_en"] for k in listed.values())
    raw = next(k for k in body["kinds"] if k["kind"] == "RAW_READS")
    assert raw["verdict"] == "consent_required" and "유보" in raw["basis_ko"]
    assert body["sources"] and all(s.startswith("http") for s in body["sources"])
    proposal = (await client.get(urls.version("2023-06-01-proposal"))).json()
    assert [k["kind"] for k in proposal["kinds"]] == ["TUMOUR_PARTIAL_SEQUENCE"]


async def test_an_unknown_version_is_a_404(client):
    problem = assert_problem(await client.get(urls.version("2019-01")), 404, "PSEUDONYMISATION_VERSION_NOT_FOUND")
    assert "'2019-01'" in problem["detail"]


async def test_the_edition_in_force_with_its_diff(client):
    before = (await client.get(urls.CURRENT, params={"as_of": "2024-01-30"})).json()
    assert before["version"] == "2022-01" and before["previous"] == "2021-02"
    assert before["diff"]["added"] == before["diff"]["removed"] == before["diff"]["changed"] == []
    assert [p["version"] for p in before["proposals"]] == ["2023-06-01-proposal"]
    r = await client.get(urls.CURRENT, params={"as_of": "2024-01-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["version"], body["as_of"], body["previous"]) == ("2024-01-31", "2024-01-31", "2022-01")
    diff = body["diff"]
    assert diff["from"]["version"] == "2022-01" and diff["to"]["version"] == "2024-01-31"
    assert {c["kind"] for c in diff["added"]} == {*FILE_KINDS, "EXPRESSION", "TUMOUR_PARTIAL_SEQUENCE"}
    assert {c["kind"]: c["changed"] for c in diff["changed"]} == {
        "KNOWN_DISEASE_VARIANT": ["conditions"],
        "TUMOUR_NOVEL_VARIANT": ["conditions"],
    }
    expression = next(c for c in diff["added"] if c["kind"] == "EXPRESSION")
    assert expression["before"] == {"verdict": "consent_required", "conditions": [], "listed": False}
    assert expression["after"] == {"verdict": "not_identifying", "conditions": [], "listed": True}
    first = (await client.get(urls.CURRENT, params={"as_of": "2020-09-01"})).json()
    assert first["version"] == "2020-09" and first["previous"] is None and first["diff"] is None
    assert first["proposals"] == []


async def test_no_edition_before_september_2020(client):
    problem = assert_problem(
        await client.get(urls.CURRENT, params={"as_of": "2020-08-31"}), 404, "PSEUDONYMISATION_NOT_IN_FORCE"
    )
    assert problem["first_edition"] == "2020-09" and problem["as_of"] == "2020-08-31"


async def test_a_bad_date_or_parameter_names_it(client):
    problem = assert_problem(await client.get(urls.CURRENT, params={"as_of": "2024-1-31"}), 400, "INVALID_PARAMETER")
    assert problem["errors"][0]["field"] == "as_of"
    problem = assert_problem(await client.get(urls.CURRENT, params={"asof": "2024-01-31"}), 400, "UNKNOWN_PARAMETER")
    assert problem["errors"][0]["field"] == "asof"


async def test_the_diff_endpoint(client):
    r = await client.get(urls.DIFF, params={"from": "2020-09", "to": "2024-01-31"})
    assert r.status_code == 200, r.text
    assert len(r.json()["added"]) == 6 and len(r.json()["changed"]) == 2
    problem = assert_problem(
        await client.get(urls.DIFF, params={"from": "2022-01", "to": "2023-06-01-proposal"}),
        400,
        "PSEUDONYMISATION_PROPOSAL",
    )
    assert problem["errors"][0]["field"] == "to"
    problem = assert_problem(
        await client.get(urls.DIFF, params={"from": "2019", "to": "2022-01"}), 404, "PSEUDONYMISATION_VERSION_NOT_FOUND"
    )
    assert problem["errors"][0]["field"] == "from" and "'from'" in problem["detail"]


async def test_the_kinds(client):
    body = (await client.get(urls.KINDS)).json()
    assert [k["code"] for k in body["data"]] == list(KINDS)
    aligned = next(k for k in body["data"] if k["code"] == "ALIGNED_READS")
    assert aligned["formats"] == ["SAM", "BAM", "CRAM"] and "CRAM" in aligned["note_en"]


async def test_check_in_a_closed_environment(client):
    r = await client.post(urls.CHECK, json=EXAMPLE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["as_of"], body["environment"]) == ("2024-03-01", "closed")
    assert body["edition"]["version"] == "2024-01-31" and body["edition"]["effective_from_precision"] == "day"
    assert body["summary"] == {"fields": 1, "pseudonymisable": 1, "consent_required": 0, "not_identifying": 0}
    (field,) = body["fields"]
    assert (field["name"], field["kind"], field["verdict"]) == ("vcf_path", "VARIANT_CALLS", "pseudonymisable")
    assert [c["code"] for c in field["conditions"]] == ["REMOVE_IDENTIFIERS", "ACCESS_CONTROL", "CLOSED_ENVIRONMENT"]
    assert all(c["text_ko"] and c["text_en"] for c in field["conditions"])
    (finding,) = field["findings"]
    assert finding["code"] == "PSEUDONYMISABLE" and finding["severity"] == "info"
    assert {"message_ko", "message_en", "basis_ko", "basis_en"} <= set(finding)


async def test_check_in_an_open_environment_needs_consent(client):
    body = (await client.post(urls.CHECK, json={**EXAMPLE, "environment": "open"})).json()
    (field,) = body["fields"]
    assert field["verdict"] == "consent_required" and field["conditions"] == []
    assert [f["code"] for f in field["findings"]] == ["ENVIRONMENT_REQUIRED"]


async def test_check_of_every_kind_on_a_date_with_a_proposal(client):
    fields = [{"name": k.lower(), "kind": k} for k in KINDS]
    body = (
        await client.post(urls.CHECK, json={"as_of": "2023-07-01", "environment": "closed", "fields": fields})
    ).json()
    verdicts = {f["kind"]: f["verdict"] for f in body["fields"]}
    exceptions = {"KNOWN_DISEASE_VARIANT", "TUMOUR_NOVEL_VARIANT"}  # the reserved editions' listed kinds
    assert verdicts == {k: "pseudonymisable" if k in exceptions else "consent_required" for k in KINDS}
    partial = next(f for f in body["fields"] if f["kind"] == "TUMOUR_PARTIAL_SEQUENCE")
    assert [f["code"] for f in partial["findings"]] == ["CONSENT_REQUIRED", "PROPOSED"]


async def test_check_before_the_first_edition(client):
    body = (await client.post(urls.CHECK, json={**EXAMPLE, "as_of": "2020-08-31"})).json()
    assert body["edition"] is None
    assert [(f["verdict"], [x["code"] for x in f["findings"]]) for f in body["fields"]] == [
        ("consent_required", ["NO_GUIDELINE"])
    ]


async def test_check_refusals_name_the_field(client):
    cases = [
        ({**EXAMPLE, "fields": [*EXAMPLE["fields"], {"name": "x", "kind": "FASTQ"}]}, "fields.1.kind"),
        ({**EXAMPLE, "fields": []}, "fields"),
        ({**EXAMPLE, "fields": [{"name": f"f{i}", "kind": "RAW_READS"} for i in range(MAX_FIELDS + 1)]}, "fields"),
        ({**EXAMPLE, "fields": [{"name": "a", "kind": "RAW_READS"}, {"name": "a", "kind": "EXPRESSION"}]}, "fields"),
        ({**EXAMPLE, "fields": [{"name": " ", "kind": "RAW_READS"}]}, "fields.0.name"),
        ({**EXAMPLE, "environment": "cloud"}, "environment"),
        ({"as_of": "2024-03-01", "fields": EXAMPLE["fields"]}, "environment"),
        ({**EXAMPLE, "as_of": "2024-3-1"}, "as_of"),
        ({**EXAMPLE, "as_of": 20240301}, "as_of"),
        ({**EXAMPLE, "purpose": "research"}, "purpose"),
    ]
    for body, field in cases:
        problem = assert_problem(await client.post(urls.CHECK, json=body), 422, "INVALID_BODY")
        assert [e["field"] for e in problem["errors"]] == [field], (field, problem["errors"])
    unknown = assert_problem(await client.post(urls.CHECK, json=cases[0][0]), 422, "INVALID_BODY")
    assert "'FASTQ'" in unknown["errors"][0]["reason"] and "RAW_READS" in unknown["errors"][0]["reason"]
    twice = assert_problem(await client.post(urls.CHECK, json=cases[3][0]), 422, "INVALID_BODY")
    assert "fields.0 and fields.1" in twice["errors"][0]["reason"]


async def test_check_defaults_to_today(client):
    body = (await client.post(urls.CHECK, json={"environment": "closed", "fields": EXAMPLE["fields"]})).json()
    assert body["as_of"] >= "2024-01-31" and body["edition"]["version"] == "2024-01-31"


async def test_batch_answers_as_the_json_check(client):
    data = b"name,kind\nvcf_path,VARIANT_CALLS\n"
    r = await client.post(
        urls.BATCH, params={"as_of": "2024-03-01", "environment": "closed"}, content=data, headers=CSV
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == (await client.post(urls.CHECK, json=EXAMPLE)).json()


async def test_batch_results_as_csv(client):
    data = b"name,kind\nreads,RAW_READS\ntpm,EXPRESSION\n"
    r = await client.post(
        urls.BATCH,
        params={"as_of": "2024-03-01", "environment": "open", "format": "csv"},
        content=data,
        headers=CSV,
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["name"], x["verdict"]) for x in rows] == [("reads", "consent_required"), ("tpm", "not_identifying")]


async def test_batch_refusals(client):
    params = {"environment": "closed"}
    problem = assert_problem(
        await client.post(urls.BATCH, params=params, content=b"name,kind\na,RAW_READS\nb,BAM\n", headers=CSV),
        422,
        "PSEUDONYMISATION_BATCH",
    )
    assert (problem["row"], problem["column"]) == (3, "kind") and "'BAM'" in problem["detail"]
    assert "3행" in problem["detail_ko"]
    problem = assert_problem(
        await client.post(urls.BATCH, params=params, content=b"name\na\n", headers=CSV), 422, "PSEUDONYMISATION_BATCH"
    )
    assert (problem["row"], problem["column"]) == (1, "kind")
    assert_problem(
        await client.post(urls.BATCH, params=params, content=b"name,kind\na,RAW_READS\n"),
        415,
        "PSEUDONYMISATION_MEDIA_TYPE",
    )
    missing = assert_problem(
        await client.post(urls.BATCH, content=b"name,kind\na,RAW_READS\n", headers=CSV), 400, "INVALID_PARAMETER"
    )
    assert missing["errors"][0]["field"] == "environment"
    for name, value in (("environment", "lab"), ("format", "xlsx"), ("as_of", "yesterday")):
        problem = assert_problem(
            await client.post(
                urls.BATCH, params={**params, name: value}, content=b"name,kind\na,RAW_READS\n", headers=CSV
            ),
            400,
            "INVALID_PARAMETER",
        )
        assert problem["errors"][0]["field"] == name
