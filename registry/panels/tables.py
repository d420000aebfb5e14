"""Storage of registered panels and their latest check."""

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.certification.tables import Provider


class Panel(Table, tablename="panel"):
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=200, null=False)
    target = Varchar(length=8, null=False)  # adult | minor
    claims = Text(null=False, default="")
    items = Text(null=False)  # JSON list of {code, genes, markers}
    created_at = Timestamptz(null=False)
    checked_at = Timestamptz(null=False)
    verdict = Varchar(length=16, null=False)
    last_check = Text(null=False)  # JSON: the check response as of checked_at
