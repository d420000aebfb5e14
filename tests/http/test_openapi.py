"""The OpenAPI document describes the contract by itself: every operation summarised and described, every
refusal it can answer documented as problem details with the one shared schema, sign-in stated, request
bodies as strict as their validation, created records linked; and the docs page renders it offline with
the vendored Swagger UI 5."""

from __future__ import annotations

import json
import re

from registry.catalog import urls as catalog_urls
from registry.certification import urls as certification_urls
from registry.http.problems import PROBLEM_JSON, problem_catalogue
from registry.http.security import DOCS_ASSETS_DIR

METHODS = ("get", "post", "put", "patch", "delete")


async def document(client) -> dict:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


async def test_every_operation_is_described_and_documents_its_refusals(client):
    spec = await document(client)
    assert spec["components"]["schemas"]["Problem"]["properties"]["code"]["enum"] == sorted(problem_catalogue().codes)
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    ops = list(operations(spec))
    assert len(ops) > 50
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        assert op["summary"] and op["description"], where
        assert len(op["summary"].split()) > 3, f"{where}: a summary says what the operation does, not its name"
        assert op["security"], where
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        for status in ("400", "401", "431"):
            assert status in errors, (where, status)
        if path != "/healthz":
            assert {"429", "503"} <= set(errors), where
        for status, answer in errors.items():
            assert answer["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                where,
                status,
            )
        if "{" in path:
            assert "404" in errors, where
        if "requestBody" in op:
            assert {"413", "422"} <= set(errors), where
        if any(p["name"] == "If-Match" for p in op.get("parameters", [])):
            assert {"412", "428"} <= set(errors), where
        for status, answer in op["responses"].items():
            for media in (answer.get("content") or {}).values():
                assert media.get("schema") not in ({}, {"type": "object"}), (where, status, "bare object")
    signed = spec["paths"][certification_urls.APPLICATIONS]["post"]
    assert signed["security"] == [{"bearerAuth": []}] and {"401", "403"} <= set(signed["responses"])
    assert "provider" in signed["description"]
    public = spec["paths"][catalog_urls.CURRENT]["get"]
    assert {} in public["security"] and "403" not in public["responses"] and "404" in public["responses"]


async def test_request_bodies_are_as_strict_as_their_validation(client):
    spec = await document(client)
    schemas = spec["components"]["schemas"]
    assert schemas["ApplicationContent"]["additionalProperties"] is False
    areas = schemas["EvaluationInput"]["properties"]["scores"]
    assert sorted(areas["required"]) == sorted(areas["properties"]) and len(areas["properties"]) == 5
    assert areas["additionalProperties"] is False
    assert schemas["DraftInput"]["properties"]["version"]["format"] == "date"
    assert schemas["InfoRequestInput"]["properties"]["message"]["pattern"] == r"\S"  # blank after stripping
    assert schemas["FieldInput"]["properties"]["kind"]["enum"]
    as_of = next(p for p in spec["paths"][catalog_urls.CURRENT]["get"]["parameters"] if p["name"] == "as_of")
    assert as_of["schema"]["format"] == "date"
    batch = spec["paths"]["/api/v1/panels/check-batch"]["post"]
    media = {"text/csv", "application/vnd.apache.parquet", "application/x-ndjson"}
    assert set(batch["requestBody"]["content"]) == media == set(batch["responses"]["200"]["content"])
    assert {"X-Panels", "X-Rows", "X-Findings"} <= set(batch["responses"]["200"]["headers"])
    assert "415" in batch["responses"]


async def test_created_records_are_linked_and_located(client):
    spec = await document(client)
    for path, operation_id, target in (
        (certification_urls.APPLICATIONS, "createApplication", "getApplication"),
        (catalog_urls.VERSIONS, "draftCatalogueVersion", "getCatalogueDraft"),
        (certification_urls.VALIDATIONS, "recordValidation", "getValidation"),
    ):
        op = spec["paths"][path]["post"]
        assert op["operationId"] == operation_id
        created = op["responses"]["201"]
        assert created["links"][target]["operationId"] == target
        assert "Location" in created["headers"]


async def test_a_created_application_answers_its_location(client):
    from tests.workflow import evidence_item, make_staff, register_lab

    lab = await register_lab(client, await make_staff(client))
    body = {"kind": "initial", "items": [evidence_item("HLT-BMI")]}
    r = await client.post(certification_urls.APPLICATIONS, json=body, headers=lab.headers)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == certification_urls.application(r.json()["id"])
    assert (await client.get(r.headers["location"], headers=lab.headers)).status_code == 200


async def test_405_names_every_method_of_the_path(client):
    r = await client.delete(certification_urls.application(1))
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "PUT"}


async def test_the_docs_page_renders_the_document_with_swagger_ui_5_offline(client):
    page = await client.get("/schema")
    assert page.status_code == 200
    bundle = re.search(r"""src=["'](/schema/assets/swagger-ui-bundle\.js)""", page.text)
    assert bundle, "the page loads the vendored bundle"
    assert (await client.get(bundle[1])).status_code == 200
    version = json.loads((DOCS_ASSETS_DIR / "package.json").read_text())["version"]
    assert int(version.split(".")[0]) >= 5, "Swagger UI 5 renders OpenAPI 3.1"
    assert (DOCS_ASSETS_DIR / "LICENSE").exists()
    assert (await document(client))["openapi"].startswith("3.1")


async def test_the_index_links_to_the_docs_and_the_entry_points(client):
    r = await client.get("/api/v1")
    assert r.status_code == 200
    body = r.json()
    assert body["docs"] == "/schema" and body["openapi"] == "/schema/openapi.json"
    for link in body["links"].values():
        if link.startswith("/api/v1/") and "token" not in link:
            assert (await client.get(link)).status_code == 200, link
