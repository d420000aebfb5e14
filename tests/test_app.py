"""The application shell over HTTP: health, and the OpenAPI document with its docs served offline."""

import re


async def test_health(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


async def test_openapi_document_and_offline_docs(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ["/api/v1/catalog/versions", "/api/v1/catalog/current", "/api/v1/catalog/diff"]:
        assert path in paths
    page = await client.get("/schema")
    assert page.status_code == 200
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", page.text)
    assert external == []
    for asset in re.findall(r"""(?:src|href)=["'](/schema/assets/[^"']+)""", page.text):
        assert (await client.get(asset)).status_code == 200, asset
