"""Storage of the audit log: the events, and the head that every append moves."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    seq = Integer(null=False, unique=True)  # 1, 2, 3 ... with no gaps
    occurred_at = Varchar(length=40, null=False)  # ISO 8601 UTC, exactly as hashed
    actor_id = Integer(null=True, default=None)  # null: the system (seed, import)
    actor = Varchar(length=200, null=False)  # who, as a person reads it
    action = Varchar(length=64, null=False)
    entity_type = Varchar(length=64, null=False)
    entity_id = Varchar(length=64, null=False)
    before = Text(null=False, default="null")  # canonical JSON
    after = Text(null=False, default="null")
    prev_hash = Varchar(length=64, null=False)
    hash = Varchar(length=64, null=False)


class AuditHead(Table, tablename="audit_head"):
    """One row: the newest event's number and hash. It also serialises appends on PostgreSQL."""

    last_seq = Integer(null=False, default=0)
    last_hash = Varchar(length=64, null=False)
    updated_at = Timestamptz(null=True, default=None)
