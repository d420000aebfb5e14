"""Storage the kernel owns: the outbox of domain events."""

from piccolo.columns import BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxEvent(Table, tablename="outbox_event"):
    """A domain event, written in the transaction of the change it announces; handled after commit.
    Pending while `handled_at` is null; a relay holds it while `lease_until` (epoch milliseconds) is in
    the future, so a crashed relay's claim lapses and another takes the event up."""

    topic = Varchar(length=64, null=False)
    payload = Text(null=False)  # JSON
    created_at = Timestamptz(null=False)
    lease_until = BigInt(null=False, default=0)
    attempts = Integer(null=False, default=0)
    handled_at = Timestamptz(null=True, default=None)
    last_error = Text(null=False, default="")
