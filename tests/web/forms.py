"""What the page tests share: a form's CSRF token, and signing in through the sign-in form."""

from __future__ import annotations

import re

from tests.workflow import PASSWORD

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_of(client, path: str, **kwargs) -> str:
    """The CSRF token of the form on a page (the token the page's cookie pairs with)."""
    page = await client.get(path, **kwargs)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


async def sign_in_through_page(client, email: str, password: str = PASSWORD):
    """Signed in as a person does: the form, its token, the session cookie; the answer (a 303)."""
    token = await csrf_of(client, "/portal/sign-in")
    r = await client.post("/portal/sign-in", data={"_csrf_token": token, "email": email, "password": password})
    assert r.status_code == 303, r.text
    return r
