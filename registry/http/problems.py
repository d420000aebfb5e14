"""RFC 9457 problem details: every refusal the API returns, with its stable code, mapped at the edge from
the domain error raised below. Statuses, titles and sentences in Korean and English come from
rules/problems.toml, the one place they are written."""

from __future__ import annotations

import logging
import re
import tomllib
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from registry.http.access import request_id_of
from registry.kernel.errors import DomainError, FieldError, Term, fields_invalid
from registry.settings import PROJECT_ROOT

PROBLEM_JSON = "application/problem+json"
DRY_RUN_HEADER = "Dry-Run"  # `true` on every answer to a request made with ?dry_run=true
_MISSING = re.compile(r"Missing required (?P<source>\w+) parameter '(?P<name>[^']+)'")
TYPE_BASE = "https://dtc-registry.example/problems/"
log = logging.getLogger("registry.http")


@dataclass(frozen=True)
class ProblemText:
    status: int
    title_en: str
    title_ko: str
    texts: dict[str, tuple[str, str]]  # variant ("" for the code's own sentence) -> (en, ko)
    basis: tuple[str, str]  # (en, ko): the rule the refusal rests on


@dataclass(frozen=True)
class ProblemCatalogue:
    """rules/problems.toml: for each code its HTTP status, title and sentences; and the domain's terms."""

    codes: dict[str, ProblemText]
    terms: dict[str, tuple[str, str]]

    def text(self, problem: str) -> tuple[ProblemText, str, str]:
        code, _, variant = problem.partition(".")
        entry = self.codes[code]
        en, ko = entry.texts[variant]
        return entry, en, ko


@cache
def problem_catalogue(path: Path = PROJECT_ROOT / "rules" / "problems.toml") -> ProblemCatalogue:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    terms = {name: (t["en"], t["ko"]) for name, t in raw.pop("terms", {}).items()}
    default = raw.pop("default_basis")
    codes = {}
    for code, entry in raw.items():
        texts = {"": (entry["en"], entry["ko"])} if "en" in entry else {}
        texts |= {k: (v["en"], v["ko"]) for k, v in entry.items() if isinstance(v, dict)}
        basis = (entry.get("basis_en", default["en"]), entry.get("basis_ko", default["ko"]))
        codes[code] = ProblemText(entry["status"], entry["title_en"], entry["title_ko"], texts, basis)
    return ProblemCatalogue(codes, terms)


class _Words(dict):
    """Fills a sentence in one language: terms in that language, lists joined, the rest as written."""

    def __init__(self, params: dict[str, Any], language: int, terms: dict[str, tuple[str, str]]):
        super().__init__(params)
        self.language, self.terms = language, terms

    def __getitem__(self, key: str) -> str:
        return self._word(super().__getitem__(key))

    def _word(self, value: Any) -> str:
        if isinstance(value, Term):
            return self.terms[value.name][self.language]
        if isinstance(value, (list, tuple, set, frozenset)):
            return ", ".join(self._word(v) for v in value)
        return str(value)


def render(error: DomainError) -> tuple[ProblemText, str, str]:
    """The status and title of a domain error's code, and its sentence in English and Korean."""
    catalogue = problem_catalogue()
    entry, en, ko = catalogue.text(error.problem)
    return (
        entry,
        en.format_map(_Words(error.params, 0, catalogue.terms)),
        ko.format_map(_Words(error.params, 1, catalogue.terms)),
    )


def problem_document(path: str, status: int, code: str, detail_en: str, detail_ko: str, **extra: Any) -> dict:
    """The body of every problem response, for the exception handlers and the edge's own refusals."""
    codes = problem_catalogue().codes
    entry = codes.get(code) or codes["HTTP_ERROR"]
    return {
        "type": TYPE_BASE + code.lower().replace("_", "-"),
        "title": entry.title_en,
        "status": status,
        "detail": detail_en,
        "code": code,
        "title_ko": entry.title_ko,
        "detail_ko": detail_ko,
        "basis_en": entry.basis[0],
        "basis_ko": entry.basis[1],
        "instance": path,
        **{k: v for k, v in extra.items() if v not in (None, [], {})},
    }


def _respond(body: dict, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


BEARER = {"WWW-Authenticate": 'Bearer realm="dtc-registry"'}


def _said_dry_run(request: Request) -> bool:
    return request.query_params.get("dry_run", "").lower() in ("true", "1")


def problem_response(request: Request, exc: DomainError) -> Response:
    entry, en, ko = render(exc)
    body = problem_document(
        request.url.path,
        entry.status,
        exc.code,
        en,
        ko,
        errors=[e.as_dict() for e in exc.errors],
        request_id=request_id_of(request.scope),
        **exc.extra,
    )
    headers = {**BEARER, **exc.headers} if entry.status == 401 else dict(exc.headers)
    if _said_dry_run(request):  # a refused dry run is still a dry run: nothing was stored
        body["dry_run"] = True
        headers[DRY_RUN_HEADER] = "true"
    return _respond(body, entry.status, headers or None)


def validation_response(request: Request, exc: ValidationException) -> Response:
    """Litestar's own input validation (path/query/body types) in our format, naming each field."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            source = item.get("source", "body")
            errors.append(
                FieldError(
                    str(item.get("key", "")), str(item.get("message", "")), str(getattr(source, "value", source))
                )
            )
    missing = _MISSING.match(str(exc.detail))
    if missing:
        errors.append(FieldError(missing["name"], "required", missing["source"]))
    code = "INVALID_BODY" if errors and all(e.location == "body" for e in errors) else "INVALID_PARAMETER"
    return problem_response(request, fields_invalid(code, errors))


def http_response(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    headers = {k: v for k, v in (exc.headers or {}).items()}
    if isinstance(exc, NotFoundException) or status == 404:
        return problem_response(request, DomainError("NOT_FOUND.path", path=request.url.path, headers=headers))
    if status == 405:
        return problem_response(request, DomainError("METHOD_NOT_ALLOWED", method=request.method, headers=headers))
    if status == 413:
        return problem_response(request, DomainError("PAYLOAD_TOO_LARGE", max=_body_limit(request), headers=headers))
    # Litestar's own refusals (e.g. 413): its text in both fields, with its status.
    detail, request_id = str(exc.detail), request_id_of(request.scope)
    body = problem_document(request.url.path, status, "HTTP_ERROR", detail, detail, request_id=request_id)
    return _respond(body, status, headers)


def _body_limit(request: Request) -> int | str:
    handler = request.scope.get("route_handler")
    limit = getattr(handler, "resolve_request_max_body_size", lambda: None)()
    return limit if limit is not None else "?"


def internal_error_response(request: Request, exc: Exception) -> Response:
    """Never leak internals; log them with an id the user can quote."""
    error_id = uuid.uuid4().hex[:12]
    log.exception("unhandled error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
    response = problem_response(request, DomainError("INTERNAL_ERROR", error_id=error_id, extra={"error_id": error_id}))
    response.status_code = HTTP_500_INTERNAL_SERVER_ERROR
    return response


EXCEPTION_HANDLERS = {
    DomainError: problem_response,
    ValidationException: validation_response,
    HTTPException: http_response,
    Exception: internal_error_response,
}
