"""Storage the database layer owns: counters that hand out serial numbers."""

from piccolo.columns import Integer, Varchar
from piccolo.table import Table


class NumberCounter(Table, tablename="number_counter"):
    """The last serial number handed out in a series (e.g. `APP-2026`, `DTC-2027`)."""

    series = Varchar(length=32, unique=True, null=False)
    last = Integer(null=False, default=0)
