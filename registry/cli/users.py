"""`dtc-registry users`: staff accounts."""

from __future__ import annotations

import os

import rich_click as click

from registry.cli.common import fail, load_settings, run_with_database


@click.group(epilog="Example: dtc-registry users create --email kim@mfds.example --name 'Kim Reviewer' --role reviewer")
def users() -> None:
    """Accounts."""


@users.command(
    "create", epilog="Example: dtc-registry users create --email kim@mfds.example --name 'Kim Reviewer' --role reviewer"
)
@click.option("--email", required=True, help="The account's e-mail address (its sign-in name).")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", required=True, type=click.Choice(["reviewer", "regulator"]), help="What the account may do.")
def create_user(email: str, name: str, role: str) -> None:
    """Create a staff account (password asked, or REGISTRY_NEW_USER_PASSWORD)."""
    settings = load_settings()
    password = os.environ.get("REGISTRY_NEW_USER_PASSWORD") or click.prompt(
        "password for the new user", hide_input=True, err=True
    )

    async def work() -> int:
        from registry.accounts.model import Role
        from registry.accounts.service import create_user

        try:
            return await create_user(email, name, Role(role), password)
        except ValueError as exc:
            fail(f"users: refused: {exc}")

    user_id = run_with_database(settings, work)
    click.echo(f"users: created {role} {email} (id {user_id})")


@users.command(
    "disable",
    epilog="Example: dtc-registry users disable --email kim@mfds.example --reason 'left the ministry on 2026-11-30'",
)
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def disable_user(email: str, reason: str) -> None:
    """Disable an account: it can no longer sign in, and every token it holds stops working at once."""
    settings = load_settings()
    if not reason.strip():
        fail("users: refused: --reason must say why")

    async def work():
        from registry.accounts.service import set_account_active, user_id_for_email
        from registry.audit.service import SYSTEM

        user_id = await user_id_for_email(email)
        if user_id is None:
            fail(f"users: refused: no user has the e-mail {email}")
        return await set_account_active(SYSTEM, user_id, active=False, reason=reason.strip())

    state = run_with_database(settings, work)
    click.echo(f"users: disabled {state.email} (id {state.user_id}); {state.tokens_revoked} token(s) revoked")
