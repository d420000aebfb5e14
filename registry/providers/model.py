"""Providers in the domain: the organisation's particulars as it registers them, and the check digit of a
business registration number. Pure code."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from registry.accounts.model import EMAIL, Email, FirstUserInput

BUSINESS_NUMBER = re.compile(r"^\d{3}-?\d{2}-?\d{5}$")


def business_number_problem(value: str) -> str | None:
    """사업자등록번호: ten digits (written 000-00-00000) whose last digit is the check digit."""
    digits = value.replace("-", "")
    if not re.fullmatch(r"\d{10}", digits):
        return "must be ten digits, written 000-00-00000"
    d = [int(c) for c in digits]
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(a * b for a, b in zip(d, weights, strict=False)) + (d[8] * 5) // 10
    if (10 - total % 10) % 10 != d[9]:
        return "the check digit does not match; please re-check the number"
    return None


def format_business_number(value: str) -> str:
    digits = value.replace("-", "")
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


class OrganisationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ko: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    name_en: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    business_number: Annotated[str, StringConstraints(strip_whitespace=True)] = Field(
        json_schema_extra={"pattern": BUSINESS_NUMBER.pattern, "format": "kr-business-number"},
        description="사업자등록번호, 000-00-00000, its last digit the check digit",
    )
    institution_report_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    representative: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    contact_email: Email
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""

    @field_validator("business_number")
    @classmethod
    def _business_number(cls, value: str) -> str:
        problem = business_number_problem(value)
        if problem:
            raise ValueError(problem)
        return format_business_number(value)

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value


class RegistrationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: OrganisationInput
    user: FirstUserInput
