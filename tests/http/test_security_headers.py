"""Every response carries the security headers, problems and the docs page included; HSTS only over
HTTPS; token responses are never cached."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from registry.accounts import urls as accounts_urls
from registry.catalog import urls as catalog_urls
from registry.http.security import API_CSP
from tests.conftest import running

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_secured(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "server" not in response.headers


async def test_every_kind_of_response_carries_the_headers(client):
    responses = [
        await client.get("/healthz"),
        await client.get(catalog_urls.VERSIONS),
        await client.get("/api/v1/nothing"),  # the router's own 404
        await client.delete(catalog_urls.VERSIONS),  # the router's own 405
        await client.get(catalog_urls.VERSIONS, params={"nope": "1"}),  # a problem from a hook
        await client.get(catalog_urls.VERSIONS, headers={"Authorization": "Basic x"}),  # from a middleware
        await client.get(catalog_urls.VERSIONS, headers={"X-Big": "x" * 20_000}),  # 431
        await client.get("/schema/openapi.json"),
        await client.get("/schema/assets/swagger-ui.css"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 405, 400, 401, 431, 200, 200]
    for r in responses:
        assert_secured(r)
        if not r.headers["content-type"].startswith("text/html"):
            assert r.headers["content-security-policy"] == API_CSP
        assert "strict-transport-security" not in r.headers  # plain HTTP


async def test_the_docs_page_allows_its_own_inline_script_and_no_other(client):
    page = await client.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_secured(page)
    csp = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page.text, re.DOTALL)
    assert scripts, "the Swagger UI page starts itself with an inline script"
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    # its scripts and styles come from this server only
    for asset in re.findall(r"""(?:src|href)=["']([^"']+)""", page.text):
        assert asset.startswith("/schema/assets/"), asset
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp


async def test_hsts_only_over_https(database):
    from tests.conftest import http_client

    async with http_client(database) as plain:
        assert "strict-transport-security" not in (await plain.get("/healthz")).headers
        # a client cannot claim HTTPS with a header: only the server's scope (uvicorn's trusted proxies) can
        spoofed = await plain.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in spoofed.headers
    from registry.app import create_app
    from registry.settings import Settings
    from tests.conftest import GENEROUS_LIMITS

    app = create_app(Settings(database_url=database.url, **GENEROUS_LIMITS))
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://registry.test") as secure:
            r = await secure.get("/healthz")
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
            assert_secured(r)
            problem = await secure.get("/api/v1/nothing")
            assert problem.status_code == 404 and "strict-transport-security" in problem.headers


async def test_token_answers_are_never_cached(client):
    from registry.accounts.model import Role
    from registry.accounts.service import create_user
    from tests.workflow import PASSWORD, unique

    email = f"{unique('cache')}@staff.example"
    await create_user(email, "Cache", Role.reviewer, PASSWORD)
    r = await client.post(accounts_urls.TOKEN, json={"email": email, "password": PASSWORD})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert_secured(r)
    out = await client.post(accounts_urls.LOGOUT, headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert out.status_code == 204 and out.headers["cache-control"] == "no-store"
