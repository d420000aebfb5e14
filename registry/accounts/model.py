"""Accounts domain: roles, who a request acts as, password and token rules."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from registry.audit.model import Actor


class Role(StrEnum):
    provider = "provider"  # a testing institution's staff, bound to one organisation
    reviewer = "reviewer"  # the evaluating agency (KoNIBP)
    regulator = "regulator"  # the ministry (MoHW)


STAFF = frozenset({Role.reviewer, Role.regulator})


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for."""

    user_id: int
    email: str
    display_name: str
    role: Role
    provider_id: int | None

    @property
    def label(self) -> str:
        return f"{self.display_name} <{self.email}> ({self.role})"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def actor(self) -> Actor:
        """As the audit log names who did something."""
        return Actor(self.user_id, self.label)


# OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane (about 23 ms per check here).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Checked against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


MIN_PASSWORD_LENGTH = 12


def password_problem(password: str, email: str) -> str | None:
    """Why a password is refused, or None. Length over composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 256:
        return "must be at most 256 characters"
    if password.lower() == email.lower() or password.lower() in email.lower():
        return "must not be the e-mail address"
    return None


EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_token() -> str:
    return "dtc_" + secrets.token_urlsafe(32)


def token_digest(token: str, secret_key: str) -> str:
    """Keyed digest: the database alone neither holds nor can confirm a token."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


class FirstUserInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254)]
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    password: Annotated[str, StringConstraints(max_length=256)]

    @model_validator(mode="after")
    def _checks(self) -> FirstUserInput:
        if not EMAIL.match(self.email):
            raise ValueError("email: not an e-mail address")
        problem = password_problem(self.password, self.email)
        if problem:
            raise ValueError(f"password {problem}")
        return self


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254)]
    password: Annotated[str, StringConstraints(max_length=256)]
