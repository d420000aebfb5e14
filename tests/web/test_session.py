"""Signing in to the pages: the API's token in an HttpOnly cookie, forms guarded by a CSRF token, and a
cookie that never authenticates the API."""

from __future__ import annotations

from registry.accounts.model import Role
from registry.accounts.service import create_user
from tests.web.forms import csrf_of
from tests.workflow import PASSWORD, unique


async def test_sign_in_sets_an_httponly_session_cookie_and_sign_out_revokes_it(client):
    email = f"{unique('reviewer')}@staff.example"
    await create_user(email, "Reviewer", Role.reviewer, PASSWORD)
    token = await csrf_of(client, "/portal/sign-in")
    refused = await client.post(
        "/portal/sign-in", data={"_csrf_token": token, "email": email, "password": "wrong-password!"}
    )
    assert refused.status_code == 422
    assert 'value="' + email + '"' in refused.text  # what the user typed is kept
    assert 'role="alert"' in refused.text
    r = await client.post(
        "/portal/sign-in",
        data={"_csrf_token": token, "email": email, "password": PASSWORD, "next": "/console"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "registry_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert (await client.get("/console")).status_code == 200
    # The cookie is no bearer token: the API does not know who this is.
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    out = await client.post("/sign-out", data={"_csrf_token": token})
    assert out.status_code == 303
    # Signed out: the console sends the browser to sign in again, the next page kept.
    again = await client.get("/console")
    assert again.status_code == 303 and again.headers["location"] == "/portal/sign-in?next=%2Fconsole"


async def test_a_form_without_its_csrf_token_is_refused_with_a_page(client):
    await client.get("/portal/sign-in")
    r = await client.post("/portal/sign-in", data={"email": "a@b.example", "password": "x"})
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"]


async def test_the_next_page_is_always_on_this_site(client):
    r = await client.get("/lang/en", params={"next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = await client.get("/lang/en", params={"next": "/catalog"})
    assert r.headers["location"] == "/catalog" and "lang=en" in r.headers["set-cookie"]


async def test_pages_carry_a_strict_content_security_policy(client):
    r = await client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "form-action 'self'" in csp
    assert r.headers["content-language"] == "ko"
    english = await client.get("/", headers={"Accept-Language": "en"})
    assert english.headers["content-language"] == "en" and '<html lang="en">' in english.text


async def test_a_browser_asking_for_no_such_page_gets_a_page_and_the_api_gets_a_problem(client):
    page = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    api = await client.get("/api/v1/no-such", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")
