"""The demo seed: fictional providers with histories, and demo accounts. Never in production."""

from __future__ import annotations

import tomllib
from pathlib import Path

from registry.accounts.model import Role
from registry.accounts.service import create_user
from registry.accounts.tables import User
from registry.certification.history_import import import_history
from registry.providers.tables import Provider


async def load_demo(seeds_dir: Path) -> list[str]:
    """Load seeds/demo/ idempotently; return what was added, in words."""
    demo = seeds_dir / "demo"
    said: list[str] = []
    history = tomllib.loads((demo / "history.toml").read_text(encoding="utf-8"))
    recorded = await import_history(history, demo=True)
    if recorded:
        said.append(f"recorded {len(recorded)} demo certificate(s): {', '.join(recorded)}")
    accounts = tomllib.loads((demo / "accounts.toml").read_text(encoding="utf-8"))
    created = []
    for user in accounts["users"]:
        if await User.exists().where(User.email == user["email"]):
            continue
        provider_id = None
        if user.get("provider_business_number"):
            row = (
                await Provider.select(Provider.id)
                .where(Provider.business_number == user["provider_business_number"])
                .first()
            )
            provider_id = row["id"]
        await create_user(
            user["email"],
            user["display_name"],
            Role(user["role"]),
            user["password"],
            provider_id=provider_id,
            is_demo=True,
        )
        created.append(user["email"])
    if created:
        said.append(f"created {len(created)} demo account(s): {', '.join(created)}")
    return said
