"""Storage shared by endpoints: responses kept for idempotent retries."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class IdempotentResponse(Table, tablename="idempotent_response"):
    """The first answer to a request sent with an Idempotency-Key; unique per (user, key): see migration."""

    user_id = Integer(null=False)
    key = Varchar(length=200, null=False)
    endpoint = Varchar(length=200, null=False)
    request_digest = Varchar(length=64, null=False)
    status = Integer(null=False)
    body = Text(null=False)
    created_at = Timestamptz(null=False)
