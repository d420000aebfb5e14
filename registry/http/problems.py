"""RFC 9457 problem details: every error the API returns, with a stable code and messages in Korean
and English."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

PROBLEM_JSON = "application/problem+json"
_MISSING = re.compile(r"Missing required (?P<source>\w+) parameter '(?P<name>[^']+)'")
TYPE_BASE = "https://dtc-registry.example/problems/"
log = logging.getLogger("registry.http")


@dataclass(frozen=True)
class FieldError:
    """One bad field: where it is (`query`, `path`, `body`, `header`), its name, and why."""

    field: str
    reason: str
    location: str = "query"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "in": self.location, "reason": self.reason}


@dataclass
class ProblemError(Exception):
    """Raised anywhere below a handler; rendered as problem details by `problem_response`."""

    status: int
    code: str
    detail_en: str
    detail_ko: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail_en}"


# Titles per stable code. The code is the contract; titles are for people.
TITLES: dict[str, tuple[str, str]] = {
    "INVALID_PARAMETER": ("Invalid parameter", "잘못된 요청 값"),
    "UNKNOWN_PARAMETER": ("Unknown parameter", "알 수 없는 요청 값"),
    "NOT_FOUND": ("Not found", "찾을 수 없음"),
    "METHOD_NOT_ALLOWED": ("Method not allowed", "허용되지 않는 메서드"),
    "VERSION_NOT_FOUND": ("Catalogue edition not found", "허용 항목 목록 판을 찾을 수 없음"),
    "ITEM_NOT_FOUND": ("Item not found", "검사항목을 찾을 수 없음"),
    "NO_EDITION_IN_FORCE": ("No edition in force", "시행 중인 판 없음"),
    "INTERNAL_ERROR": ("Internal error", "내부 오류"),
    "INVALID_BODY": ("Invalid request body", "잘못된 요청 본문"),
    "AUTHENTICATION_REQUIRED": ("Authentication required", "로그인 필요"),
    "INVALID_TOKEN": ("Invalid or expired token", "유효하지 않거나 만료된 토큰"),
    "INVALID_CREDENTIALS": ("Wrong e-mail or password", "전자우편 또는 비밀번호 오류"),
    "ROLE_NOT_ALLOWED": ("Not allowed for this role", "권한 없음"),
    "CONFLICT": ("Conflict", "충돌"),
    "ILLEGAL_TRANSITION": ("Not possible in the current state", "현재 상태에서 할 수 없는 처리"),
    "PRECONDITION_REQUIRED": ("If-Match required", "If-Match 필요"),
    "PRECONDITION_FAILED": ("Changed meanwhile", "다른 변경이 먼저 반영됨"),
    "SUBMISSION_REJECTED": ("Application cannot be submitted", "신청서를 제출할 수 없음"),
    "DECIDER_IS_EVALUATOR": ("Evaluator cannot decide", "평가자는 결정할 수 없음"),
    "IDEMPOTENCY_KEY_REUSED": ("Idempotency key reused", "멱등 키 재사용"),
    "ALREADY_CERTIFIED": ("Already certified", "이미 인증됨"),
    "ORGANISATION_NOT_VERIFIED": ("Organisation not verified", "기관 미확인"),
    "CERTIFICATE_NOT_ACTIVE": ("Certificate not active", "인증서가 유효하지 않음"),
    "RENEWAL_WINDOW_CLOSED": ("Outside the renewal window", "재인증 신청 기간 아님"),
    "EVALUATION_REQUIRED": ("Evaluation required", "평가 필요"),
    "UNSUPPORTED_MEDIA_TYPE": ("Unsupported media type", "지원하지 않는 형식"),
    "TOO_MANY_ATTEMPTS": ("Too many attempts", "시도 횟수 초과"),
    "HTTP_ERROR": ("Request failed", "요청 실패"),
}


def _body(request: Request, status: int, code: str, detail_en: str, detail_ko: str, **extra: Any) -> dict:
    title_en, title_ko = TITLES.get(code, TITLES["HTTP_ERROR"])
    return {
        "type": TYPE_BASE + code.lower().replace("_", "-"),
        "title": title_en,
        "status": status,
        "detail": detail_en,
        "code": code,
        "title_ko": title_ko,
        "detail_ko": detail_ko,
        "instance": request.url.path,
        **{k: v for k, v in extra.items() if v not in (None, [], {})},
    }


def _respond(body: dict, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_response(request: Request, exc: ProblemError) -> Response:
    body = _body(
        request,
        exc.status,
        exc.code,
        exc.detail_en,
        exc.detail_ko,
        errors=[e.as_dict() for e in exc.errors],
        **exc.extra,
    )
    return _respond(body, exc.status, exc.headers or None)


def validation_response(request: Request, exc: ValidationException) -> Response:
    """Litestar's own input validation (path/query/body types) in our format, naming each field."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            source = item.get("source", "body")
            errors.append(
                FieldError(
                    str(item.get("key", "")),
                    str(item.get("message", "")),
                    str(getattr(source, "value", source)),
                )
            )
    missing = _MISSING.match(str(exc.detail))
    if missing:
        errors.append(FieldError(missing["name"], "required", missing["source"]))
    status, code = 400, "INVALID_PARAMETER"
    if errors and all(e.location == "body" for e in errors):
        status, code = 422, "INVALID_BODY"
    names = ", ".join(f"'{e.field}'" for e in errors if e.field) or "the request"
    reasons = "; ".join(f"{e.field}: {e.reason}" for e in errors if e.field)
    body = _body(
        request,
        status,
        code,
        f"Invalid or missing value for {names}" + (f" ({reasons})." if reasons else "."),
        f"{names} 값이 없거나 올바르지 않습니다.",
        errors=[e.as_dict() for e in errors],
    )
    return _respond(body, status)


def http_response(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotFoundException) or status == 404:
        code, en, ko = (
            "NOT_FOUND",
            f"Nothing is published at {request.url.path}.",
            "요청한 경로에 자료가 없습니다.",
        )
    elif status == 405:
        code, en, ko = (
            "METHOD_NOT_ALLOWED",
            f"{request.method} is not allowed here.",
            f"{request.method} 메서드는 허용되지 않습니다.",
        )
    else:
        code, en, ko = "HTTP_ERROR", str(exc.detail), str(exc.detail)
    headers = {k: v for k, v in (exc.headers or {}).items()}
    return _respond(_body(request, status, code, en, ko), status, headers)


def internal_error_response(request: Request, exc: Exception) -> Response:
    """Never leak internals; log them with an id the user can quote."""
    error_id = uuid.uuid4().hex[:12]
    log.exception("unhandled error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
    body = _body(
        request,
        500,
        "INTERNAL_ERROR",
        f"Something went wrong on our side. Quote error id {error_id} when reporting it.",
        f"서버 내부 오류가 발생했습니다. 문의 시 오류 번호 {error_id}를 알려 주십시오.",
        error_id=error_id,
    )
    return _respond(body, HTTP_500_INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS = {
    ProblemError: problem_response,
    ValidationException: validation_response,
    HTTPException: http_response,
    Exception: internal_error_response,
}

__all__ = ["EXCEPTION_HANDLERS", "FieldError", "MediaType", "ProblemError"]


def invalid_body(exc: Exception, prefix: str = "") -> ProblemError:
    """A pydantic ValidationError raised below a handler, as a 422 naming each field."""
    errors = []
    for err in getattr(exc, "errors", lambda: [])():
        path = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        errors.append(FieldError(path or "(body)", err["msg"].removeprefix("Value error, "), "body"))
    names = ", ".join(f"'{e.field}'" for e in errors) or "the body"
    return ProblemError(
        422,
        "INVALID_BODY",
        f"Invalid value for {names}: " + "; ".join(f"{e.field}: {e.reason}" for e in errors),
        f"{names} 값이 올바르지 않습니다.",
        errors=errors,
    )
