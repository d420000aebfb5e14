"""Domain errors: a refusal with a stable code and the parameters of its message. What a refusal
looks like to a user (HTTP status, texts in Korean and English) is reviewed data in rules/problems.toml,
applied at the edge; nothing below the edge writes a user-facing sentence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One bad field: where it is (`query`, `path`, `body`, `header`), its name, and why."""

    field: str
    reason: str
    location: str = "query"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "in": self.location, "reason": self.reason}


@dataclass(frozen=True)
class Term:
    """A word of the domain inside a message (`application`, `certificate` ...), written in the
    reader's language: rules/problems.toml has each term in Korean and English."""

    name: str


class DomainError(Exception):
    """`problem` is `CODE` or `CODE.variant`: the code is the contract (`NOT_FOUND`), the variant picks
    the sentence when one code has several (`NOT_FOUND.your_certificate`). `params` fill the
    sentence; `extra` goes into the answer as structured fields; `errors` name bad fields."""

    def __init__(
        self,
        problem: str,
        /,
        *,
        errors: Iterable[FieldError] = (),
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.problem = problem
        self.code = problem.split(".", 1)[0]
        self.params = params
        self.errors = list(errors)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(problem)

    def __str__(self) -> str:
        said = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.problem}({said})" if said else self.problem


def fields_invalid(code: str, errors: list[FieldError]) -> DomainError:
    """INVALID_PARAMETER or INVALID_BODY naming every bad field and why."""
    names = ", ".join(f"'{e.field}'" for e in errors if e.field) or "-"
    reasons = "; ".join(f"{e.field}: {e.reason}" for e in errors if e.field) or "-"
    return DomainError(f"{code}.fields", errors=errors, names=names, reasons=reasons)


def invalid_body(exc: Exception, prefix: str = "") -> DomainError:
    """A pydantic ValidationError raised below a handler, as a 422 naming each field."""
    errors = []
    for err in getattr(exc, "errors", lambda: [])():
        path = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        errors.append(FieldError(path or "(body)", err["msg"].removeprefix("Value error, "), "body"))
    return fields_invalid("INVALID_BODY", errors)


def not_found(entity: str, key: object) -> DomainError:
    """Another organisation's record is simply not there: the same answer as a record that never was."""
    return DomainError("NOT_FOUND", entity=Term(entity), key=key)


def etag(version: int) -> str:
    """A record's version as its entity tag."""
    return f'"{version}"'


@dataclass(frozen=True)
class Expected:
    """The versions of a record a writer read (If-Match): None for any version; `sent` False when the
    writer named none, which a write that changes an existing record refuses."""

    versions: frozenset[int] | None
    sent: bool = True


def check_version(expected: Expected, current: int, entity: str) -> None:
    """Optimistic concurrency: a record changed since it was read is refused, not overwritten."""
    if not expected.sent:
        raise DomainError(
            "PRECONDITION_REQUIRED", entity=Term(entity), errors=[FieldError("If-Match", "required", "header")]
        )
    if expected.versions is not None and current not in expected.versions:
        raise DomainError(
            "PRECONDITION_FAILED", entity=Term(entity), version=current, extra={"current_etag": etag(current)}
        )


def changed_meanwhile(current: int, entity: str) -> DomainError:
    return DomainError(
        "PRECONDITION_FAILED", entity=Term(entity), version=current, extra={"current_etag": etag(current)}
    )
