"""Account use cases: provider self-registration, staff accounts, sign-in, and token lookup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.accounts.model import (
    EMAIL,
    Principal,
    Role,
    hash_password,
    new_token,
    normalise_email,
    password_matches,
    password_problem,
    token_digest,
)
from registry.accounts.schemas import AccountStateOut
from registry.accounts.tables import AccessToken, User
from registry.accounts.throttle import ACCOUNT, CLIENT, claim, forget_stale, settle_success
from registry.audit.service import SYSTEM, Actor, record
from registry.db.engine import insert_one, write_transaction
from registry.kernel.clock import aware, utcnow
from registry.kernel.errors import DomainError, not_found


async def create_user(
    email: str, display_name: str, role: Role, password: str, *, provider_id: int | None = None, is_demo: bool = False
) -> int:
    """Staff accounts (reviewer, regulator) from the command line, and the demo seed's accounts."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise ValueError(f"not an e-mail address: {email}")
    problem = password_problem(password, email, display_name)
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


async def issue_token(
    email: str, password: str, *, secret_key: str, ttl_minutes: int, client: str | None = None
) -> IssuedToken:
    """A bearer token for the right e-mail and password. Before the (deliberately slow) password check the
    attempt is claimed against the account's and the client address's throttles (`throttle.py`); a
    blocked one is refused with 429 and Retry-After, and counts for nothing."""
    email = normalise_email(email)
    # Throttle counters and a new token are in no cache (unknown tokens are never remembered): these
    # two writes leave the change signal alone, so sign-ins do not empty every worker's caches.
    async with write_transaction(announce=False):
        claims = [await claim(CLIENT, client)] if client else []
        claims.append(await claim(ACCOUNT, email))
        await forget_stale()
        refused = [c for c in claims if not c.admitted]
        if refused:  # raised inside: the transaction rolls back what the other throttle counted
            wait = max(1, *(c.wait_seconds for c in refused))
            headers = {"Retry-After": str(wait)}
            if any(c.kind == ACCOUNT for c in refused):
                raise DomainError("TOO_MANY_ATTEMPTS", wait=wait, headers=headers)
            raise DomainError("TOO_MANY_ATTEMPTS.client", wait=wait, headers=headers)
    row = (
        await User.select(
            User.id, User.email, User.display_name, User.password_hash, User.role, User.provider, User.active
        )
        .where(User.email == email)
        .first()
    )
    # The hash is checked even for an unknown e-mail, so timing does not tell which accounts exist; a
    # disabled account gets the answer a wrong password gets. The failure is already counted.
    if not password_matches(row["password_hash"] if row else None, password) or row is None or not row["active"]:
        raise DomainError("INVALID_CREDENTIALS")
    token = new_token()
    now = utcnow()
    expires_at = now + dt.timedelta(minutes=ttl_minutes)
    async with write_transaction(announce=False):
        await settle_success(email, client)
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
    held = await token_holder(token, secret_key)
    return None if held is None else held[0]


async def token_holder(token: str, secret_key: str) -> tuple[Principal, dt.datetime] | None:
    """Who a valid token signs in, and until when it is valid (None for an unknown, revoked or expired
    token, or a disabled account)."""
    row = (
        await AccessToken.select(*_TOKEN_COLUMNS)
        .where(AccessToken.token_digest == token_digest(token, secret_key))
        .first()
    )
    if row is None or row["revoked_at"] is not None or not row["active"]:
        return None
    expires_at = aware(row["expires_at"])
    if expires_at <= utcnow():
        return None
    principal = Principal(row["user_id"], row["email"], row["display_name"], Role(row["role"]), row["provider_id"])
    return principal, expires_at


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


async def set_account_active(
    actor: Actor, user_id: int, *, active: bool, reason: str, acting_user_id: int | None = None
) -> AccountStateOut:
    """Disable an account (it cannot sign in, and every token it holds stops working at once) or enable
    it again. Audited as `user.disabled` / `user.enabled` with the reason. A regulator cannot disable
    themselves (`acting_user_id`), so the registry is never left by accident with no one to undo it."""
    if not active and acting_user_id == user_id:
        raise DomainError("CONFLICT.disable_self")
    now = utcnow()
    async with write_transaction():
        row = await User.select(User.id, User.email, User.active).where(User.id == user_id).first()
        if row is None:
            raise not_found("user", user_id)
        revoked = []
        if not active:  # every token, also when the account was already disabled: nothing may survive
            revoked = (
                await AccessToken.update({AccessToken.revoked_at: now})
                .where(AccessToken.user == user_id, AccessToken.revoked_at.is_null())
                .returning(AccessToken.id)
            )
        if row["active"] != active:
            await User.update({User.active: active}).where(User.id == user_id)
            await record(
                actor,
                "user.enabled" if active else "user.disabled",
                "user",
                user_id,
                before={"active": row["active"]},
                after={"active": active, "reason": reason, "tokens_revoked": len(revoked)},
            )
    return AccountStateOut(user_id=user_id, email=row["email"], active=active, tokens_revoked=len(revoked))


async def user_id_for_email(email: str) -> int | None:
    row = await User.select(User.id).where(User.email == normalise_email(email)).first()
    return row["id"] if row else None
