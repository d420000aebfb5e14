"""Accounts domain: roles, who a request acts as, password and token rules."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

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
MAX_PASSWORD_LENGTH = 256

# The 10,000 most common passwords, most common first: the first 10,000 entries of the `passwords`
# frequency list shipped in zxcvbn 4.5.0 on PyPI (zxcvbn-python, MIT licence, Copyright (c) 2016 Daniel
# Wolf; the list itself comes from Dropbox's zxcvbn, built from leaked-password corpora). Read once, lazily.
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
_common: frozenset[str] | None = None


def common_passwords() -> frozenset[str]:
    global _common
    if _common is None:
        lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
        _common = frozenset(line.strip().lower() for line in lines if line.strip())
    return _common


def _is_common(password: str) -> bool:
    """The password, or its core once digits, spaces and symbols are trimmed from both ends
    ('Password2026!' -> 'password'), or one chunk repeated ('abcabcabcabc', 'monkeymonkey'), is a
    common password."""
    lowered = password.lower()
    core = lowered.strip("0123456789 !@#$%^&*()-_=+.,;:?/\\|'\"`~[]{}<>")
    core = core or lowered  # digits and symbols only: judge the whole
    candidates = {lowered, core}
    for size in range(1, len(core) // 2 + 1):
        if len(core) % size == 0 and core[:size] * (len(core) // size) == core:
            candidates.add(core[:size])
            if size < 4:
                return True  # 'aaaaaaaaaaaa', '121212121212': one short chunk over and over
            break
    return bool(candidates & common_passwords())


def password_problem(password: str, email: str, display_name: str = "") -> str | None:
    """Why a password is refused, or None (NIST SP 800-63B: length and a blocklist rather than
    composition rules): at least 12 characters, at most 256; not the account's e-mail address or
    display name (nor inside them, nor holding them); not one of the 10,000 most common passwords, nor
    one of them with digits or symbols around it, nor a short chunk repeated."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    email = email.strip().lower()
    if email and (lowered in email or email in lowered):
        return "must not be or contain the e-mail address"
    name = " ".join(display_name.lower().split())
    if len(name) >= 4 and (lowered in name or name in " ".join(lowered.split())):
        return "must not be or contain the display name"
    if _is_common(password):
        return "is too common: it is on the list of the 10,000 most used passwords, or built from one"
    return None


# No spaces and no control characters, written out so that the regex means the same in JSON Schema (the
# document states it) as in Python, whose \s also holds the separators U+001C..U+001F.
_PART = r"[^@\s\x00-\x1f\x7f-\x9f]"
EMAIL = re.compile(rf"^{_PART}{{1,64}}@{_PART}+\.{_PART}+$")
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254),
    Field(json_schema_extra={"pattern": EMAIL.pattern}),
]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_token() -> str:
    return "dtc_" + secrets.token_urlsafe(32)


def token_digest(token: str, secret_key: str) -> str:
    """Keyed digest: the database alone neither holds nor can confirm a token."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


class FirstUserInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    password: Annotated[str, StringConstraints(max_length=256)] = Field(
        json_schema_extra={"format": "password", "minLength": MIN_PASSWORD_LENGTH},
        description=f"at least {MIN_PASSWORD_LENGTH} characters; not a common password, not the e-mail or name",
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str, info: ValidationInfo) -> str:
        problem = password_problem(value, info.data.get("email", ""), info.data.get("display_name", ""))
        if problem:
            raise ValueError(problem)
        return value


class AccountStateInput(BaseModel):
    """Why a regulator disables (or enables again) an account: kept in the audit log."""

    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    password: Annotated[str, StringConstraints(max_length=256)]


# Sign-in throttling (see registry/accounts/throttle.py for how it is counted). Failed sign-ins are counted
# per account (the normalised e-mail, known or not) and per client address. The first ACCOUNT_ALLOWANCE
# failures of an account are free; each further one makes the next attempt wait twice as long as the one
# before (1 s, 2 s, 4 s ... 512 s, then 15 minutes at most). The owner who then types the right password
# waits seconds, not a quarter of an hour, while a guesser's rate falls exponentially: about 16 guesses in
# the first 17 minutes, then four an hour. An address gets CLIENT_ALLOWANCE free failures (several people
# may share one), then the same backoff, so one address cannot sweep many accounts. A success resets the
# account's counter and takes the attempt back from the address's; a counter with no attempt for
# THROTTLE_MEMORY starts over.
ACCOUNT_ALLOWANCE = 5
CLIENT_ALLOWANCE = 20
MAX_WAIT_SECONDS = 15 * 60
THROTTLE_MEMORY_SECONDS = 60 * 60
_DOUBLINGS = 10  # 2**10 s is past the cap


def backoff_seconds(failures: int, allowance: int) -> int:
    """How long after its `failures`-th failure (this one included) an account or address waits."""
    excess = failures - allowance
    if excess <= 0:
        return 0
    if excess > _DOUBLINGS:
        return MAX_WAIT_SECONDS
    return min(2 ** (excess - 1), MAX_WAIT_SECONDS)


def backoff_table(allowance: int) -> list[tuple[int, int]]:
    """(failures, wait in seconds) for every count whose wait is below the cap: the whole policy."""
    return [(n, backoff_seconds(n, allowance)) for n in range(allowance + 1, allowance + _DOUBLINGS + 1)]
