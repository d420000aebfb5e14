"""Query and path parameters: unknown query parameters are refused (never silently ignored), ids outside
the range of an id column are a 404 before any query, dates are parsed with a clear error."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, Response
from litestar.enums import ParamType
from litestar.handlers import BaseRouteHandler
from litestar.params import ParameterKwarg, QueryParameter

from registry.http.pagination import MAX_CURSOR_LENGTH, MAX_LIMIT
from registry.http.problems import DRY_RUN_HEADER
from registry.kernel.errors import DomainError, FieldError
from registry.kernel.ids import is_record_id

# The schema says what the checks below enforce (`schema_extra`): the checks stay the one place that refuses,
# with the registry's own problem, and the document shows a client the same bounds.
DATE = {"format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
DryRun = Annotated[
    bool,
    QueryParameter(
        description="validate everything, store nothing; the answer says so: `dry_run: true` in the body and the "
        "header `Dry-Run: true` (refusals too)"
    ),
]
AsOf = Annotated[
    str | None,
    QueryParameter(
        description="a date, YYYY-MM-DD; default today in Korea (Asia/Seoul)", required=False, schema_extra=DATE
    ),
]
Limit = Annotated[
    int | None,
    QueryParameter(
        description=f"rows per page, 1 to {MAX_LIMIT}",
        required=False,
        schema_extra={"minimum": 1, "maximum": MAX_LIMIT},
    ),
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        description="next_cursor of the previous page",
        required=False,
        schema_extra={"maxLength": MAX_CURSOR_LENGTH, "format": "registry-cursor"},
    ),
]


def dry_run_response(body: Any, status_code: int, *, dry_run: bool, headers: dict[str, str] | None = None) -> Response:
    """An answer to a request that may be a dry run: a dry run's carries `Dry-Run: true`."""
    headers = dict(headers or {})
    if dry_run:
        headers[DRY_RUN_HEADER] = "true"
    return Response(body, status_code=status_code, headers=headers or None)


def words(*allowed: str) -> dict:
    """`schema_extra` of a query parameter limited to a few words (checked by `one_of`)."""
    return {"enum": list(allowed)}


# Signature names Litestar fills itself; they are never query parameters.
_RESERVED = {"request", "state", "headers", "cookies", "query", "data", "body", "scope", "socket", "self"}


def allowed_query_names(handler: BaseRouteHandler, path_params: set[str]) -> frozenset[str]:
    # Computed per request (microseconds; Litestar caches the parsed signature). A cache keyed by
    # id(handler) answered for the wrong handler once an app was collected and its ids were reused.
    names = set()
    for name, param in handler.parsed_fn_signature.parameters.items():
        if name in _RESERVED or name in path_params or name in handler.resolve_dependencies():
            continue
        kwarg = param.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.param_type not in (None, ParamType.QUERY):
                continue
            names.add(kwarg.name or name)
        else:
            names.add(name)
    return frozenset(names)


async def refuse_unknown_query_parameters(request: Request) -> None:
    """before_request hook: a typo in a query parameter must not silently change the answer."""
    handler = request.scope.get("route_handler")
    if handler is None or not request.query_params:
        return
    # A handler without a signature of its own (the static files) names its query parameters in `opt`.
    allowed = allowed_query_names(handler, set(request.path_params)) | set(handler.opt.get("query_names", ()))
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        raise DomainError(
            "UNKNOWN_PARAMETER",
            unknown=unknown,
            expected=expected,
            errors=[FieldError(name, "not a parameter of this endpoint") for name in unknown],
        )


def refuse_impossible_ids(request: Request) -> None:
    """An `{x:int}` path parameter outside 1 .. 2^31-1 names no record: 404, as for any absent record,
    rather than a query the database refuses (PostgreSQL int4, SQLite int8)."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and not is_record_id(value):
            raise DomainError(
                "NOT_FOUND.path",
                path=request.url.path,
                errors=[FieldError(name, "no such record", "path")],
            )


async def check_parameters(request: Request) -> None:
    """The app's before_request hook: path ids in range, no unknown query parameter."""
    refuse_impossible_ids(request)
    await refuse_unknown_query_parameters(request)


def parse_date(name: str, value: str | None, *, default: dt.date | None = None) -> dt.date:
    """A YYYY-MM-DD query parameter; an error names the parameter and shows the expected form."""
    if value is None:  # left out; an empty value is no date
        if default is None:
            raise DomainError("INVALID_PARAMETER.date_required", name=name, errors=[FieldError(name, "required")])
        return default
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            "INVALID_PARAMETER.date", name=name, value=value, errors=[FieldError(name, "expected a date as YYYY-MM-DD")]
        ) from None


def one_of(name: str, value: str | None, allowed: tuple[str, ...] | list[str]) -> str | None:
    """An optional query parameter limited to a few words; anything else is a 400 naming them."""
    if value is not None and value not in allowed:
        raise DomainError(
            "INVALID_PARAMETER.one_of", name=name, allowed=list(allowed), errors=[FieldError(name, "not allowed")]
        )
    return value
