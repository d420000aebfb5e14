"""Storage of accounts: users and their bearer tokens (only a keyed digest of each token is kept)."""

from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.certification.tables import Provider


class User(Table, tablename="app_user"):
    email = Varchar(length=254, unique=True, null=False)  # stored lower-case
    display_name = Varchar(length=200, null=False)
    password_hash = Text(null=False)  # argon2id
    role = Varchar(length=16, null=False)  # provider | reviewer | regulator
    provider = ForeignKey(Provider, null=True, default=None, on_delete=OnDelete.restrict)
    active = Boolean(null=False, default=True)
    is_demo = Boolean(null=False, default=False)  # demo seed; refused in production
    created_at = Timestamptz(null=False)


class AccessToken(Table, tablename="access_token"):
    token_digest = Varchar(length=64, unique=True, null=False)
    user = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz(null=False)
    expires_at = Timestamptz(null=False)
    revoked_at = Timestamptz(null=True, default=None)


class SignInFailure(Table, tablename="sign_in_failure"):
    """A failed sign-in, kept for the lockout window: shared by every worker through the database."""

    email = Varchar(length=254, null=False, index=True)
    at = Timestamptz(null=False)
