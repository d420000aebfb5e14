"""Storage of providers: the genetic-testing institutions that use the registry."""

from piccolo.columns import Boolean, Text, Timestamptz, Varchar
from piccolo.table import Table


class Provider(Table, tablename="provider"):
    """A genetic-testing institution (유전자검사기관) using the registry."""

    name_ko = Varchar(length=200, null=False)
    name_en = Varchar(length=200, null=False)
    name_key = Text(null=False, default="")  # search_keys(name_ko, name_en): what a name search matches
    business_number = Varchar(length=12, unique=True, null=False)  # 사업자등록번호 000-00-00000
    institution_report_number = Varchar(length=64, null=False, default="")  # 유전자검사기관 신고번호
    representative = Varchar(length=100, null=False, default="")
    contact_email = Varchar(length=254, null=False)
    contact_phone = Varchar(length=32, null=False, default="")
    address = Text(null=False, default="")
    status = Varchar(length=16, null=False, default="unverified")  # unverified | verified
    verified_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(null=False)
    is_demo = Boolean(null=False, default=False)
