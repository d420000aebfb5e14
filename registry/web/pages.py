"""Rendering a page: the template, the reader's words, who is signed in; and the refusals a page shows
(a domain error, a form's bad fields) in the reader's language.

Every handler of the pages answers through `page()`; a form that fails answers with the same page, the
user's input kept, and each field's reason next to it (`FormProblem`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from markupsafe import Markup
from pydantic import BaseModel, ValidationError

from registry.accounts.model import Principal, Role
from registry.http.auth import principal_of
from registry.http.problems import problem_catalogue, render
from registry.kernel.errors import DomainError
from registry.web.i18n import Words, language_of, messages

M = TypeVar("M", bound=BaseModel)


class SignInRequired(Exception):
    """A page for signed-in users was asked for by no one: answered by a redirect to sign in."""


class RoleRequired(Exception):
    """A signed-in user asked for a page of another role: answered by a 403 page saying whose it is."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles
        super().__init__(", ".join(roles))


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def as_written(value: Any) -> Markup:
    """A value of the data shown as it was written, its language marked when it holds Korean (a
    representative's name, an address in an audit record), so that readers and screen readers of an
    English page know it is Korean."""
    text = "" if value is None else str(value)
    return Markup('<span lang="ko">{}</span>').format(text) if _HANGUL.search(text) else Markup.escape(text)


def register_filters(engine: JinjaTemplateEngine) -> None:
    """Template filters of the pages (the app's TemplateConfig calls this once)."""
    engine.engine.filters["as_written"] = as_written


def words_for(request: Request) -> Words:
    return Words(language_of(request))


def term(words: Words, name: str) -> str:
    """A word of the domain (standings, application states, actions) as rules/problems.toml has it."""
    pair = problem_catalogue().terms.get(name)
    return (pair[1] if words.lang == "ko" else pair[0]) if pair else name


def page(request: Request, template: str, /, *, status_code: int = 200, **context: Any) -> Template:
    words = words_for(request)
    return Template(
        template_name=template,
        context={
            "t": words,
            "lang": words.lang,
            "term": lambda name: term(words, name),
            "user": principal_of(request),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "section": request.url.path.strip("/").split("/")[0],
            **context,
        },
        status_code=status_code,
        headers={"Content-Language": words.lang, "Vary": "Cookie, Accept-Language", "Cache-Control": "no-store"},
    )


def signed_in(request: Request, *roles: Role) -> Principal:
    """The signed-in user of a page that needs one (of these roles, when given)."""
    principal = principal_of(request)
    if principal is None:
        raise SignInRequired()
    if roles and principal.role not in roles:
        raise RoleRequired(roles)
    return principal


def sign_in_redirect(request: Request) -> Redirect:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/portal/sign-in?next={quote(here, safe='')}", status_code=303)


def local_path(value: str | None, default: str = "/") -> str:
    """Where to go next, only ever on this site: a path, never `//host` or a scheme."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


@dataclass
class FormProblem:
    """Why a form was refused: one sentence for the whole form, and a reason per field by its name."""

    summary: str
    fields: dict[str, str] = field(default_factory=dict)
    code: str | None = None


def said(words: Words, error: DomainError) -> str:
    """A domain error's sentence in the reader's language, from rules/problems.toml."""
    _, en, ko = render(error)
    return ko if words.lang == "ko" else en


def domain_problem(words: Words, error: DomainError) -> FormProblem:
    """A refusal of the service as a form shows it: its sentence on top and beside each field it names."""
    sentence = said(words, error)
    fields = {e.field: words("form.field_refused", reason=e.reason) for e in error.errors if e.field}
    return FormProblem(sentence, fields, error.code)


def _field_reason(words: Words, error: dict) -> str:
    key = f"field_error.{error['type']}"
    if key in messages():
        return words(key, **{k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, (str, int, float))})
    return words("form.field_refused", reason=str(error["msg"]).removeprefix("Value error, "))


def parse_form(model: type[M], data: dict[str, Any], words: Words) -> M | FormProblem:
    """A form's fields as the API's own input model; a refusal names each field in the reader's language."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"]) or "_form"
            fields.setdefault(name, _field_reason(words, error))
        return FormProblem(words("form.invalid", count=len(fields)), fields, "INVALID_BODY")
