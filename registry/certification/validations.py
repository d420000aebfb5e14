"""Validation records as use cases: a regulator records a disease-tier item's validation for one provider
(the regulatory-sandbox designation and the National Bioethics Committee decision) and may withdraw it;
anyone may read them. Each change is audited and announced, so the provider's registered panels are
re-checked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.accounts.model import Principal
from registry.audit.service import record
from registry.catalog.queries import published_catalogue
from registry.certification.model.validations import (
    ValidationInput,
    ValidationRecord,
    WithdrawalInput,
    dates_problem,
    item_problem,
)
from registry.certification.schemas import ValidationOut
from registry.certification.tables import Validation
from registry.db.engine import insert_one, read_transaction, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import today_in_korea, utcnow
from registry.kernel.errors import DomainError, FieldError, not_found
from registry.kernel.events import Topic, announce
from registry.kernel.ids import is_record_id
from registry.providers.tables import Provider


def _check_dates(data: ValidationInput) -> None:
    problem = dates_problem(data)
    if problem is None:
        return
    reason, field = problem
    errors = [FieldError(field, reason.replace("_", " "), "body")]
    if reason == "period_reversed":
        raise DomainError(
            "VALIDATION_REFUSED.period_reversed", start=data.sandbox_from, until=data.sandbox_until, errors=errors
        )
    raise DomainError(
        "VALIDATION_REFUSED.decided_before_designation",
        decided_on=data.committee_decided_on,
        start=data.sandbox_from,
        errors=errors,
    )


async def _check_item(code: str) -> None:
    problem = item_problem(await published_catalogue(), code)
    if problem == "unknown_item":
        raise DomainError(
            "VALIDATION_REFUSED.unknown_item", code=code, errors=[FieldError("code", "unknown item", "body")]
        )
    if problem == "not_disease":
        raise DomainError(
            "VALIDATION_REFUSED.not_disease", code=code, errors=[FieldError("code", "not a disease item", "body")]
        )


@retried
async def record_validation(principal: Principal, data: ValidationInput) -> ValidationOut:
    _check_dates(data)
    values = data.model_dump()
    provider_id = values.pop("provider_id")
    if not await Provider.exists().where(Provider.id == provider_id):  # providers are never deleted
        raise DomainError(
            "INVALID_BODY.unknown_provider",
            provider_id=provider_id,
            errors=[FieldError("provider_id", "unknown provider", "body")],
        )
    await _check_item(data.code)
    async with write_transaction():
        validation_id = await insert_one(
            Validation(provider=provider_id, **values, recorded_by=principal.actor.label, recorded_at=utcnow())
        )
        await record(
            principal.actor,
            "validation.recorded",
            "validation_record",
            validation_id,
            after={"provider_id": provider_id, **values},
        )
        await announce(
            Topic.validation_recorded,
            validation_id=validation_id,
            provider_id=provider_id,
            code=data.code,
            kind="recorded",
        )
    return await read_validation(validation_id, today_in_korea())


@retried
async def withdraw_validation(principal: Principal, validation_id: int, data: WithdrawalInput) -> ValidationOut:
    async with write_transaction():
        row = await Validation.select().where(Validation.id == validation_id).first()
        if row is None:
            raise not_found("validation", validation_id)
        if data.withdrawn_on < row["committee_decided_on"]:
            raise DomainError(
                "VALIDATION_REFUSED.withdrawal_before_decision",
                day=data.withdrawn_on,
                decided_on=row["committee_decided_on"],
                errors=[FieldError("withdrawn_on", "before the committee decision", "body")],
            )
        # One winner: the update holds only while the record is not withdrawn yet.
        done = (
            await Validation.update(
                {
                    Validation.withdrawn_on: data.withdrawn_on,
                    Validation.withdrawal_reason: data.reason,
                    Validation.withdrawn_at: utcnow(),
                }
            )
            .where(Validation.id == validation_id, Validation.withdrawn_on.is_null())
            .returning(Validation.id)
        )
        if not done:
            raise DomainError("VALIDATION_ALREADY_WITHDRAWN", id=validation_id, day=row["withdrawn_on"])
        await record(
            principal.actor,
            "validation.withdrawn",
            "validation_record",
            validation_id,
            before={"withdrawn_on": None},
            after={"withdrawn_on": data.withdrawn_on.isoformat(), "reason": data.reason},
        )
        await announce(
            Topic.validation_withdrawn,
            validation_id=validation_id,
            provider_id=row["provider"],
            code=row["code"],
            kind="withdrawn",
        )
    return await read_validation(validation_id, today_in_korea())


def _out(row: dict, day: dt.date) -> ValidationOut:
    def iso(value: dt.date | dt.datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    covered = ValidationRecord(row["provider"], row["code"], row["committee_decided_on"], row["withdrawn_on"])
    return ValidationOut(
        id=row["id"],
        provider_id=row["provider"],
        code=row["code"],
        sandbox_designation=row["sandbox_designation"],
        sandbox_granted_by=row["sandbox_granted_by"],
        sandbox_from=row["sandbox_from"].isoformat(),
        sandbox_until=row["sandbox_until"].isoformat(),
        committee_decided_on=row["committee_decided_on"].isoformat(),
        committee_reference=row["committee_reference"],
        note=row["note"],
        recorded_at=iso(row["recorded_at"]) or "",
        withdrawn_on=iso(row["withdrawn_on"]),
        withdrawal_reason=row["withdrawal_reason"],
        as_of=day.isoformat(),
        covers_as_of=covered.covers(day),
    )


async def read_validation(validation_id: int, day: dt.date) -> ValidationOut:
    """One record (public: a validation on record is a public fact, like a certificate)."""
    async with read_transaction():
        row = await Validation.select().where(Validation.id == validation_id).first()
    if row is None:
        raise not_found("validation", validation_id)
    return _out(row, day)


@dataclass(frozen=True)
class ValidationPage:
    rows: list[ValidationOut]
    total: int
    more: bool


async def list_validations(
    day: dt.date, *, provider_id: int | None, code: str | None, after_id: int | None, limit: int
) -> ValidationPage:
    """Validation records, oldest first, of one provider or item if named (public): `limit` of them after
    the record `after_id`, read a page at a time (id order, the primary key)."""
    if provider_id is not None and not is_record_id(provider_id):
        provider_id = 0  # outside the id column's range: no such provider, no record
    where = []
    if provider_id is not None:
        where.append(Validation.provider == provider_id)
    if code is not None:
        where.append(Validation.code == code)
    async with read_transaction():
        if after_id is not None and not await Validation.exists().where(Validation.id == after_id, *where):
            raise DomainError("NOT_FOUND.cursor", errors=[FieldError("cursor", "unknown position")])
        total = await Validation.count().where(*where)
        rows = (
            await Validation.select()
            .where(Validation.id > (after_id or 0), *where)
            .order_by(Validation.id)
            .limit(limit + 1)
        )
    return ValidationPage([_out(row, day) for row in rows[:limit]], total, len(rows) > limit)
