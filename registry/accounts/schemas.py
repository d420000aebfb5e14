"""Typed results of the account use cases."""

from __future__ import annotations

import msgspec


class AccountStateOut(msgspec.Struct):
    user_id: int
    email: str
    active: bool
    tokens_revoked: int  # by this change (enabling revokes none)
