"""Storage of accounts: users and their bearer tokens (only a keyed digest of each token is kept)."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
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


class SignInThrottle(Table, tablename="sign_in_throttle"):
    """Failed sign-ins counted per account (`kind` 'account', `key` the normalised e-mail) and per client
    address (`kind` 'client'), one row each, unique on (kind, key) (an index of the hand-written
    migration). Claimed with one INSERT ... ON CONFLICT DO UPDATE per attempt before the password is
    checked, so every worker agrees. Instants are milliseconds since the epoch: plain integer arithmetic
    inside that one statement, the same on SQLite and PostgreSQL."""

    kind = Varchar(length=16, null=False)  # account | client
    key = Varchar(length=254, null=False)
    failures = Integer(null=False, default=0)  # claimed attempts not yet known to have succeeded
    blocked_until = BigInt(null=False, default=0)  # no attempt is checked before this instant
    last_at = BigInt(null=False, default=0)  # the last attempt checked
    attempt = Varchar(length=32, null=False, default="")  # the last admitted attempt's own mark
