"""The provider portal (`/portal`): sign in and out, and a provider's own work."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from registry.accounts.service import issue_token, revoke_token
from registry.http.client import client_address, trusted_networks
from registry.kernel.errors import DomainError
from registry.web.pages import FormProblem, domain_problem, local_path, page, signed_in, words_for
from registry.web.session import end_session, session_token, start_session

Form = URLEncodedBody[dict[str, Any]]


def _home_of(role: str) -> str:
    return "/portal" if role == "provider" else "/console"


@get("/portal/sign-in", sync_to_thread=False)
def sign_in_form(request: Request, next: FromQuery[str | None] = None) -> Template:
    return page(request, "portal/sign_in.html", form={"email": ""}, next=local_path(next, ""), problem=None)


@post("/portal/sign-in", status_code=303)
async def sign_in(request: Request, data: Form) -> Template | Redirect:
    """The API's own token, kept in an HttpOnly cookie; a refusal shows the form again, e-mail kept."""
    words = words_for(request)
    email, password = str(data.get("email", "")).strip(), str(data.get("password", ""))
    next_path = local_path(str(data.get("next", "")), "")
    missing = {
        name: words("field_error.missing") for name, value in (("email", email), ("password", password)) if not value
    }
    problem: FormProblem | None = FormProblem(words("form.invalid", count=len(missing)), missing) if missing else None
    if problem is None:
        settings = request.app.state.settings
        try:
            issued = await issue_token(
                email,
                password,
                secret_key=settings.secret_key,
                ttl_minutes=settings.token_ttl_minutes,
                client=client_address(request.scope, trusted_networks(settings.trusted_proxies)),
            )
        except DomainError as exc:
            problem = domain_problem(words, exc)
        else:
            target = next_path or _home_of(issued.principal.role.value)
            response = Redirect(target, status_code=303)
            return start_session(response, issued, secure=request.url.scheme == "https")  # type: ignore[return-value]
    return page(request, "portal/sign_in.html", status_code=422, form={"email": email}, next=next_path, problem=problem)


@post("/sign-out", status_code=303)
async def sign_out(request: Request) -> Redirect:
    token = session_token(request)
    if token:
        await revoke_token(token, request.app.state.settings.secret_key)
    return end_session(Redirect("/", status_code=303))  # type: ignore[return-value]


@get("/portal", sync_to_thread=False)
def portal_home(request: Request) -> Template:
    principal = signed_in(request)
    return page(request, "portal/home.html", principal=principal)


ROUTES = [sign_in_form, sign_in, sign_out, portal_home]
