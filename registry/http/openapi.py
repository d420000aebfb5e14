"""The contract the OpenAPI document states, completed from what each route declares.

Litestar writes the paths, parameters and success bodies. `complete` adds, for every operation and from
one place, what Litestar cannot see:

- the refusals it can answer, as `application/problem+json` with the one shared `Problem` schema, derived
  from the route: its guards (401, 403), its path parameters (404), its body (400, 413, 415, 422),
  If-Match (412, 428) and Idempotency-Key, its method (409 for writes), and the edge's defences that
  stand before every route (400 unknown query parameters, 401 a bad token, 429 rate limits, 431 header
  limits, 503 load shedding). The codes each status carries are read from rules/problems.toml.
  A use case that refuses with a status the route does not show (404 for a version named in the query)
  says so in the route's `opt={"refusals": [...]}`;
- request bodies as strict as their pydantic validation (`additionalProperties: false`, formats, enums,
  lengths, blank strings refused), from the models themselves;
- `securitySchemes` (bearer token) and `security` on each operation;
- the summary and a description naming who may call it;
- ETag, Location, Retry-After, WWW-Authenticate and Allow headers, and links from a created resource to
  the operation that reads it (`opt={"created": (operationId, {parameter: "$response.body#/field"})}`);
- raw bodies (CSV, Parquet, JSON lines) declared by a route as `opt={"body": {...}, "answers": {...}}`.

Routes added later get all of this without work of their own; tests/http/test_openapi.py checks it.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, Union, get_args, get_origin

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.enums import HttpMethod
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from pydantic_core import core_schema

from registry.http.cache import PUBLIC_ANSWERS
from registry.http.problems import PROBLEM_JSON, TYPE_BASE, problem_catalogue

BEARER = "bearerAuth"
REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
UNLIMITED = {"/healthz"}  # limits.EXEMPT: no rate limit, no load shedding
ROLE_WORDS = {"provider": "a provider's user", "reviewer": "a reviewer", "regulator": "a regulator"}


class StrictSchema(GenerateJsonSchema):
    """Pydantic's schema, with what validation adds to a string said in the schema: a string stripped of
    whitespace and then required to be non-empty must hold a non-space character."""

    def str_schema(self, schema: core_schema.StringSchema) -> dict[str, Any]:
        out = super().str_schema(schema)
        if schema.get("strip_whitespace") and schema.get("min_length") and "pattern" not in out:
            out["pattern"] = r"\S"
        return out


def problem_schema() -> dict[str, Any]:
    """The body every refusal has (http/problems.py `problem_document`)."""
    codes = sorted(problem_catalogue().codes)
    text = {"type": "string"}
    return {
        "type": "object",
        "title": "Problem",
        "description": "RFC 9457 problem details. `code` is stable; the sentences are in English and Korean; "
        "`basis_en`/`basis_ko` name the provision or registry policy the refusal rests on. Some codes add "
        "fields of their own (`error_id`, `required_roles` ...).",
        "required": ["type", "title", "status", "detail", "code", "title_ko", "detail_ko", "basis_en", "basis_ko"],
        "properties": {
            "type": {"type": "string", "format": "uri", "description": f"{TYPE_BASE}<code>"},
            "title": text,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": text,
            "code": {"type": "string", "enum": codes},
            "title_ko": text,
            "detail_ko": text,
            "basis_en": text,
            "basis_ko": text,
            "instance": text,
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "in", "reason"],
                    "properties": {"field": text, "in": text, "reason": text},
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": True,
    }


def _codes(status: int) -> str:
    names = sorted(code for code, entry in problem_catalogue().codes.items() if entry.status == status)
    return ", ".join(f"`{n}`" for n in names)


def _problem(status: int, why: Iterable[str], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    reasons = "; ".join(dict.fromkeys(why))
    answer: dict[str, Any] = {
        "description": f"{HTTPStatus(status).phrase}: {reasons}. Codes with this status: {_codes(status)}.",
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


RETRY_AFTER = {"Retry-After": _header("seconds to wait", pattern=r"^\d+$")}


def _roles(guards: list[Any]) -> tuple[bool, tuple[str, ...]]:
    """Whether the route needs a signed-in user, and which roles it admits (empty: any role)."""
    signed, roles = False, ()
    for wrapped in guards:
        guard = getattr(wrapped, "func", wrapped)  # Litestar wraps each guard in an AsyncCallable
        if hasattr(guard, "roles"):
            signed = True
            roles = roles or tuple(r.value for r in guard.roles)
    return signed, roles


def refusals(method: str, path: str, handler: Any, operation: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Every problem status the operation can answer, with why and with its headers."""
    signed, roles = _roles(handler.resolve_guards())
    parameters = operation.get("parameters", [])
    headers = {p["name"].lower() for p in parameters if p.get("in") == "header"}
    has_body = "requestBody" in operation
    why: dict[int, list[str]] = {400: ["an unknown or invalid query parameter"], 431: ["request headers too large"]}
    why[401] = ["a bearer token that is malformed, expired or revoked"]
    if signed:
        why[401].insert(0, "no bearer token: sign in first")
        why[403] = [f"your role may not do this (allowed: {', '.join(roles)})" if roles else "not yours to see"]
    if "{" in path:
        why[404] = ["nothing of that id or name (or not visible to you)"]
    if any(p["name"] == "cursor" and p.get("in") == "query" for p in parameters):
        why.setdefault(404, []).append("the row `cursor` points at no longer exists")
    if has_body:
        why[400].append("a body that is not valid JSON")
        why[413] = ["the body is larger than this operation accepts"]
        why[422] = ["the body fails validation (each field named in `errors`) or the domain refuses it"]
        if handler.opt.get("body"):
            why[415] = ["a Content-Type this operation does not read"]
    if method in WRITES and not handler.opt.get("pure"):
        why[409] = ["the record's state does not allow this now, or a concurrent change won"]
    if "if-match" in headers:
        why[412] = ["If-Match names a version that is no longer current"]
        why[428] = ["If-Match is required to change this record"]
    if "idempotency-key" in headers:
        why[400].append("a malformed Idempotency-Key")
        why.setdefault(422, []).append("an Idempotency-Key reused for a different request")
    if path not in UNLIMITED:
        why[429] = ["too many requests from your address in this window (sign-in attempts counted apart)"]
        why[503] = ["the server is at its bound of requests in flight; retry after the pause"]
    for status in handler.opt.get("refusals", ()):
        why.setdefault(status, []).append("the use case refuses (see the code)")
    answers = {}
    for status, reasons in sorted(why.items()):
        extra = None
        if status == 401:
            extra = {"WWW-Authenticate": _header('`Bearer realm="dtc-registry"`')}
        elif status in (429, 503):
            extra = RETRY_AFTER
        answers[status] = _problem(status, reasons, extra)
    return answers


def _description(handler: Any, method: str, path: str, operation: dict[str, Any]) -> tuple[str, str]:
    doc = inspect.cleandoc(handler.fn.__doc__ or "") if not handler.description else handler.description
    summary = handler.summary or (doc.split("\n\n")[0].replace("\n", " ") if doc else "")
    if not summary:
        summary = operation.get("summary") or f"{method} {path}"
    body = doc.split("\n\n", 1)[1] if doc and not handler.description and "\n\n" in doc else ""
    signed, roles = _roles(handler.resolve_guards())
    if not signed:
        who = "Public: no sign-in needed."
    elif roles:
        who = "Sign in as " + " or ".join(ROLE_WORDS.get(r, r) for r in roles) + "."
    else:
        who = "Sign in (any role); you see what your role may see."
    notes = [summary if summary.endswith(".") else summary + ".", body, who]
    header_names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"}
    if "If-Match" in header_names:
        notes.append("Send the ETag you read as If-Match; a stale one is refused with 412.")
    if "Idempotency-Key" in header_names:
        notes.append("With an Idempotency-Key a retry gets the first answer again (Idempotent-Replayed: true).")
    if any(p["name"] == "dry_run" for p in operation.get("parameters", [])):
        notes.append("`dry_run=true` runs every check and stores nothing.")
    return summary, "\n\n".join(n for n in notes if n)


def _body_model(handler: Any) -> tuple[type[BaseModel] | None, bool]:
    """The pydantic model of the route's JSON body, and whether the body may be left out."""
    parameter = handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return None, False
    annotation = parameter.annotation
    while get_origin(annotation) is not None and hasattr(annotation, "__metadata__"):
        annotation = get_args(annotation)[0]
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(members) < len(get_args(annotation))
        annotation = members[0] if len(members) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, optional
    return None, False


def _routes(app: Litestar) -> Iterable[tuple[str, str, Any]]:
    for route in app.plugins.get(OpenAPIPlugin).included_routes.values():
        for method, (handler, _) in route.route_handler_map.items():
            if method != HttpMethod.OPTIONS and handler.resolve_include_in_schema():
                yield route.path_format or "/", str(method), handler


def _etag(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    ref = schema.get("$ref", "")
    target = components.get(ref.rsplit("/", 1)[-1], {}) if ref else schema
    alternatives = target.get("oneOf") or target.get("anyOf") or [target]
    return any(
        "etag" in (components.get(a.get("$ref", "").rsplit("/", 1)[-1], a).get("properties") or {})
        for a in alternatives
    )


def _document_public_answer(responses: dict[str, Any], cache_control: str) -> None:
    """The headers of an answer kept by registry/http/cache.py, and its 304."""
    headers = responses["200"].setdefault("headers", {})
    headers.setdefault("ETag", _header("the hash of the body; send it back as If-None-Match"))
    headers["Cache-Control"] = _header(cache_control, enum=[cache_control])
    headers["X-Cache"] = _header(
        "where the answer came from: this worker's cache or not", enum=["hit", "miss", "bypass"]
    )
    responses.setdefault(
        "304", {"description": "Not Modified: If-None-Match names the ETag of the current answer; no body"}
    )


def complete(document: dict[str, Any], app: Litestar) -> dict[str, Any]:
    """Complete Litestar's document in place (see the module's docstring); returns it."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = problem_schema()
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "The access_token of POST /api/v1/accounts/token. A public operation also accepts "
            "one; a token that is sent must be valid.",
        }
    }
    routes = list(_routes(app))
    models = {}
    for _, _, handler in routes:
        model, _ = _body_model(handler)
        if model is not None:
            models[model] = None
    keys, definitions = models_json_schema(
        [(m, "validation") for m in models], ref_template=REF, schema_generator=StrictSchema
    )
    schemas.update(definitions.get("$defs", {}))
    methods: dict[str, set[str]] = {}
    for path, method, _ in routes:
        methods.setdefault(path, set()).add(method)
    operation_ids = {}
    for path, method, handler in routes:
        operation = document["paths"][path][method.lower()]
        operation_ids[operation.get("operationId")] = (path, method)
        signed, _ = _roles(handler.resolve_guards())
        operation["security"] = [{BEARER: []}] if signed else [{}, {BEARER: []}]
        operation["summary"], operation["description"] = _description(handler, method, path, operation)
        model, optional = _body_model(handler)
        if model is not None:
            operation["requestBody"] = {
                "required": not optional,
                "content": {"application/json": {"schema": keys[(model, "validation")]}},
            }
        raw = handler.opt.get("body")
        if raw:
            operation["requestBody"] = {"required": True, "content": raw}
        responses = operation.setdefault("responses", {})
        dry_run = any(p["name"] == "dry_run" for p in operation.get("parameters", []))
        if dry_run and "201" in responses:
            responses["200"] = {
                "description": "dry run: every check ran, nothing was stored (`valid`, and the refusal if any)",
                "content": responses["201"].get("content", {}),
            }
        for status, answer in handler.opt.get("answers", {}).items():
            responses[str(status)] = answer
        for status, answer in refusals(method, path, handler, operation).items():
            responses[str(status)] = answer
        for status, answer in responses.items():
            if not status.startswith("2"):
                continue
            if not answer.get("headers"):
                answer.pop("headers", None)
            content = answer.get("content") or {}
            json_schema = (content.get("application/json") or {}).get("schema") or {}
            if _etag(json_schema, schemas):
                answer.setdefault("headers", {})["ETag"] = _header("the version to send back as If-Match")
            if "idempotency-key" in {p["name"].lower() for p in operation.get("parameters", [])}:
                answer.setdefault("headers", {})["Idempotent-Replayed"] = _header(
                    "`true` when this is the stored answer to an earlier request with the same key", enum=["true"]
                )
        policy = PUBLIC_ANSWERS.get(operation.get("operationId") or "")
        if policy is not None and "200" in responses:
            _document_public_answer(responses, policy.decode())
        created = handler.opt.get("created")
        if created:
            target, parameters = created
            answer = responses[str(handler.status_code)]
            answer.setdefault("headers", {})["Location"] = _header(
                "where the new record is read", format="uri-reference"
            )
            answer["links"] = {
                target: {
                    "operationId": target,
                    "parameters": parameters,
                    "description": "read the record just created",
                }
            }
    for _, _, handler in routes:
        for where, words in handler.opt.get("enums", {}).items():
            component, _, field = where.partition(".")
            schemas[component]["properties"][field]["enum"] = words(app.state.settings)
    for path, item in document["paths"].items():
        allow = ", ".join(sorted(methods.get(path, set()) | {"OPTIONS"}))
        item.setdefault("description", f"Methods: {allow}. Any other method is answered 405 with `Allow: {allow}`.")
    for target, _ in (h.opt.get("created", (None, None)) for _, _, h in routes):
        if target is not None and target not in operation_ids:
            raise LookupError(f"a link names the operation {target!r}, which the document does not have")
    return document


class ContractPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin whose document is completed once, on first use."""

    __slots__ = ()

    def provide_openapi_schema(self) -> dict[str, Any]:
        document = super().provide_openapi_schema()
        if "Problem" not in document.get("components", {}).get("schemas", {}):
            complete(document, self.app)
        return document


def document_the_contract(app: Litestar) -> None:
    """Serve the completed document (the plugin computes it lazily; most apps in tests never ask)."""
    app.plugins.get(OpenAPIPlugin).__class__ = ContractPlugin
