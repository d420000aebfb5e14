"""Account use cases: provider self-registration, staff accounts, sign-in, and token lookup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.accounts.model import (
    EMAIL,
    Principal,
    RegistrationInput,
    Role,
    hash_password,
    new_token,
    normalise_email,
    password_matches,
    password_problem,
    token_digest,
)
from registry.accounts.tables import AccessToken, SignInFailure, User
from registry.audit.service import SYSTEM, Actor, record
from registry.certification.tables import Provider
from registry.db.engine import insert_one, read_transaction, write_transaction
from registry.http.auth import BEARER
from registry.http.problems import FieldError, ProblemError


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | str) -> dt.datetime:
    """Timestamps back from the database: SQLite keeps them as text, both engines may drop the zone."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class DryRunDone(Exception):
    """Raised inside a write transaction to roll back a dry run after every check has passed."""

    def __init__(self, result: object):
        self.result = result


@dataclass(frozen=True)
class Registration:
    provider_id: int | None
    user_id: int | None
    status: str
    dry_run: bool


async def _conflicts(business_number: str, email: str) -> list[FieldError]:
    errors = []
    if await Provider.exists().where(Provider.business_number == business_number):
        errors.append(FieldError("organisation.business_number", "already registered", "body"))
    if await User.exists().where(User.email == email):
        errors.append(FieldError("user.email", "already registered", "body"))
    return errors


async def register_provider(data: RegistrationInput, *, dry_run: bool = False) -> Registration:
    """A new organisation and its first user. The organisation starts unverified: it can prepare
    applications but not submit them until a regulator verifies it."""
    org, user = data.organisation, data.user
    password_hash = hash_password(user.password)  # slow on purpose; outside the write lock
    try:
        async with write_transaction():
            errors = await _conflicts(org.business_number, user.email)
            if errors:
                raise ProblemError(
                    409,
                    "CONFLICT",
                    "An organisation with this business number or a user with this e-mail is already registered.",
                    "같은 사업자등록번호의 기관 또는 같은 전자우편의 사용자가 이미 등록되어 있습니다.",
                    errors=errors,
                )
            now = utcnow()
            provider_id = await insert_one(Provider(**org.model_dump(), status="unverified", created_at=now))
            user_id = await insert_one(
                User(
                    email=user.email,
                    display_name=user.display_name,
                    password_hash=password_hash,
                    role=Role.provider.value,
                    provider=provider_id,
                    created_at=now,
                )
            )
            actor = Actor(user_id, f"{user.display_name} <{user.email}> (provider)")
            await record(actor, "provider.registered", "provider", provider_id, after=org.model_dump())
            await record(
                actor,
                "user.created",
                "user",
                user_id,
                after={"email": user.email, "role": "provider", "provider_id": provider_id},
            )
            result = Registration(provider_id, user_id, "unverified", dry_run)
            if dry_run:
                raise DryRunDone(Registration(None, None, "unverified", True))
    except DryRunDone as done:
        return done.result  # type: ignore[return-value]
    return result


async def create_user(
    email: str, display_name: str, role: Role, password: str, *, provider_id: int | None = None, is_demo: bool = False
) -> int:
    """Staff accounts (reviewer, regulator) from the command line, and the demo seed's accounts."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise ValueError(f"not an e-mail address: {email}")
    problem = password_problem(password, email)
    if problem:
        raise ValueError(f"password {problem}")
    if (role is Role.provider) != (provider_id is not None):
        raise ValueError("a provider user belongs to exactly one organisation; staff users to none")
    password_hash = hash_password(password)
    async with write_transaction():
        if await User.exists().where(User.email == email):
            raise ValueError(f"a user with the e-mail {email} already exists")
        user_id = await insert_one(
            User(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                role=role.value,
                provider=provider_id,
                is_demo=is_demo,
                created_at=utcnow(),
            )
        )
        await record(
            SYSTEM,
            "user.created",
            "user",
            user_id,
            after={"email": email, "role": role.value, "provider_id": provider_id},
        )
    return user_id


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime
    principal: Principal


def invalid_credentials() -> ProblemError:
    return ProblemError(
        401,
        "INVALID_CREDENTIALS",
        "The e-mail address or the password is wrong.",
        "전자우편 또는 비밀번호가 올바르지 않습니다.",
        headers=BEARER,
    )


# After this many failed sign-ins for one e-mail within the window, further attempts wait (argon2 is
# deliberately slow; a lockout keeps guessing slower still). Counted in the database: every worker agrees.
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)


async def issue_token(email: str, password: str, *, secret_key: str, ttl_minutes: int) -> IssuedToken:
    email = normalise_email(email)
    since = utcnow() - LOCKOUT
    async with read_transaction():
        failures = await SignInFailure.select(SignInFailure.at).where(
            SignInFailure.email == email, SignInFailure.at > since
        )
        row = (
            await User.select(
                User.id, User.email, User.display_name, User.password_hash, User.role, User.provider, User.active
            )
            .where(User.email == email)
            .first()
        )
    if len(failures) >= MAX_FAILURES:
        oldest = min(_aware(f["at"]) for f in failures)
        wait = max(1, int((oldest + LOCKOUT - utcnow()).total_seconds()) + 1)
        raise ProblemError(
            429,
            "TOO_MANY_ATTEMPTS",
            f"Too many failed sign-ins for this e-mail; try again in {wait} seconds.",
            f"로그인 실패가 너무 많습니다. {wait}초 뒤에 다시 시도하십시오.",
            headers={"Retry-After": str(wait)},
        )
    # The hash is checked even for an unknown e-mail, so timing does not tell which accounts exist.
    if not password_matches(row["password_hash"] if row else None, password) or row is None or not row["active"]:
        async with write_transaction():
            await SignInFailure.delete().where(SignInFailure.at < since)
            await SignInFailure.insert(SignInFailure(email=email, at=utcnow()))
        raise invalid_credentials()
    token = new_token()
    now = utcnow()
    expires_at = now + dt.timedelta(minutes=ttl_minutes)
    async with write_transaction():
        await AccessToken.insert(
            AccessToken(
                token_digest=token_digest(token, secret_key), user=row["id"], created_at=now, expires_at=expires_at
            )
        )
    principal = Principal(row["id"], row["email"], row["display_name"], Role(row["role"]), row["provider"])
    return IssuedToken(token, expires_at, principal)


# Built once: Piccolo's joined columns are costly to construct, and every signed-in request asks.
_TOKEN_COLUMNS = (
    AccessToken.expires_at,
    AccessToken.revoked_at,
    AccessToken.user.id.as_alias("user_id"),
    AccessToken.user.email.as_alias("email"),
    AccessToken.user.display_name.as_alias("display_name"),
    AccessToken.user.role.as_alias("role"),
    AccessToken.user.provider.as_alias("provider_id"),
    AccessToken.user.active.as_alias("active"),
)


async def principal_for_token(token: str, secret_key: str) -> Principal | None:
    row = (
        await AccessToken.select(*_TOKEN_COLUMNS)
        .where(AccessToken.token_digest == token_digest(token, secret_key))
        .first()
    )
    if row is None or row["revoked_at"] is not None or not row["active"]:
        return None
    if _aware(row["expires_at"]) <= utcnow():
        return None
    return Principal(row["user_id"], row["email"], row["display_name"], Role(row["role"]), row["provider_id"])


async def revoke_token(token: str, secret_key: str) -> bool:
    async with write_transaction():
        rows = (
            await AccessToken.update({AccessToken.revoked_at: utcnow()})
            .where(AccessToken.token_digest == token_digest(token, secret_key), AccessToken.revoked_at.is_null())
            .returning(AccessToken.id)
        )
    return bool(rows)


async def demo_accounts_present() -> bool:
    return bool(await User.exists().where(User.is_demo == True))  # noqa: E712 - Piccolo needs the comparison
