"""Query parameters: unknown ones are refused (never silently ignored), dates parsed with a clear error."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.enums import ParamType
from litestar.handlers import BaseRouteHandler
from litestar.params import ParameterKwarg

from registry.http.problems import FieldError, ProblemError

KOREA = ZoneInfo("Asia/Seoul")

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
    allowed = allowed_query_names(handler, set(request.path_params))
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        raise ProblemError(
            400,
            "UNKNOWN_PARAMETER",
            f"Unknown query parameter(s): {', '.join(unknown)}. This endpoint accepts: {expected}.",
            f"알 수 없는 요청 값: {', '.join(unknown)}. 사용할 수 있는 값: {expected}.",
            errors=[FieldError(name, "not a parameter of this endpoint") for name in unknown],
        )


def today_in_korea() -> dt.date:
    return dt.datetime.now(KOREA).date()


def parse_date(name: str, value: str | None, *, default: dt.date | None = None) -> dt.date:
    """A YYYY-MM-DD query parameter; an error names the parameter and shows the expected form."""
    if value is None or value == "":
        if default is None:
            raise ProblemError(
                400,
                "INVALID_PARAMETER",
                f"The query parameter '{name}' is required (YYYY-MM-DD).",
                f"요청 값 '{name}'이(가) 필요합니다(YYYY-MM-DD).",
                errors=[FieldError(name, "required")],
            )
        return default
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ProblemError(
            400,
            "INVALID_PARAMETER",
            f"The query parameter '{name}' must be a date written YYYY-MM-DD, not '{value}'.",
            f"요청 값 '{name}'은(는) YYYY-MM-DD 형식의 날짜여야 합니다('{value}').",
            errors=[FieldError(name, "expected a date as YYYY-MM-DD")],
        ) from None
