"""Storage of certification: applications with their items and evaluations, certificates with their
items and status events."""

from piccolo.columns import Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.providers.tables import Provider


class Application(Table, tablename="application"):
    number = Varchar(length=20, unique=True, null=False)  # APP-2026-00001
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16, null=False)  # initial | change | renewal
    state = Varchar(length=16, null=False)
    certificate_number = Varchar(length=20, null=True, default=None)  # change / renewal target
    created_by = Integer(null=False)  # user id
    created_at = Timestamptz(null=False)
    updated_at = Timestamptz(null=False)
    submitted_at = Timestamptz(null=True, default=None)
    reviewer_id = Integer(null=True, default=None)  # who took up the review
    evaluator_id = Integer(null=True, default=None)  # who recorded the evaluation
    decider_id = Integer(null=True, default=None)
    decided_on = Date(null=True, default=None)
    outcome = Varchar(length=20, null=True, default=None)  # approved | partially_approved | rejected
    info_request = Text(null=False, default="")
    provider_response = Text(null=False, default="")
    note = Text(null=False, default="")  # provider's cover note
    version = Integer(null=False, default=1)  # optimistic concurrency; the ETag


class ApplicationItem(Table, tablename="application_item"):
    """A catalogue item requested, or a new item proposed (proposal not null)."""

    application = ForeignKey(Application, null=False, on_delete=OnDelete.restrict)
    position = Integer(null=False)
    code = Varchar(length=32, null=False)
    proposal = Text(null=True, default=None)  # JSON: names, category, tier, rationale
    genes = Text(null=False, default="[]")
    markers = Text(null=False, default="[]")
    evidence = Text(null=False, default="[]")  # JSON: [{marker, references}]
    accuracy = Text(null=False, default="{}")
    validation_ref = Varchar(length=200, null=True, default=None)
    outcome = Varchar(length=16, null=True, default=None)  # approved | rejected
    reason = Text(null=False, default="")


class Evaluation(Table, tablename="evaluation"):
    application = ForeignKey(Application, null=False, on_delete=OnDelete.restrict)
    reviewer_id = Integer(null=False)
    scores = Text(null=False)  # JSON: {area: {score, remarks}}
    total_score = Integer(null=False)
    recommendation = Varchar(length=20, null=False)
    remarks = Text(null=False, default="")
    created_at = Timestamptz(null=False)


class Certificate(Table, tablename="certificate"):
    number = Varchar(length=20, unique=True, null=False)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16, null=False)  # certification | pilot
    valid_from = Date(null=False)
    valid_until = Date(null=False)  # as first issued; renewals are events
    source = Varchar(length=16, null=False)  # decision | import
    created_at = Timestamptz(null=False)
    version = Integer(null=False, default=1)


class CertificateItem(Table, tablename="certificate_item"):
    certificate = ForeignKey(Certificate, null=False, on_delete=OnDelete.restrict)
    code = Varchar(length=32, null=False)
    certified_from = Date(null=False)
    certified_until = Date(null=True, default=None)
    application_number = Varchar(length=20, null=True, default=None)


class CertificateEvent(Table, tablename="certificate_event"):
    """The certificate's history: issued, items_added, renewed, suspended, surcharged, reinstated, hearing,
    revoked."""

    certificate = ForeignKey(Certificate, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16, null=False)
    effective_date = Date(null=False)
    valid_until = Date(null=True, default=None)  # issued / renewed: validity from then on
    ground = Integer(null=True, default=None)  # Art. 49-2(4) ground 1-5
    ends_on = Date(null=True, default=None)  # suspended / surcharged: the last day of the suspension
    amount = Integer(null=True, default=None)  # surcharged: the penalty surcharge in KRW (Art. 58)
    outcome = Varchar(length=20, null=True, default=None)  # hearing: held | waived_by_holder | not_attended
    reason = Text(null=False, default="")
    items = Text(null=False, default="[]")  # codes the event added or dropped
    application_number = Varchar(length=20, null=True, default=None)
    actor = Varchar(length=200, null=False)
    created_at = Timestamptz(null=False)


class Validation(Table, tablename="validation_record"):
    """A disease-tier item's validation for one provider: the regulatory-sandbox designation and the
    National Bioethics Committee decision, recorded by a regulator; withdrawn, never deleted."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.restrict)
    code = Varchar(length=32, null=False)
    sandbox_designation = Varchar(length=200, null=False)
    sandbox_granted_by = Varchar(length=200, null=False)
    sandbox_from = Date(null=False)
    sandbox_until = Date(null=False)
    committee_decided_on = Date(null=False)
    committee_reference = Varchar(length=200, null=True, default=None)
    note = Text(null=False, default="")
    recorded_by = Varchar(length=200, null=False)
    recorded_at = Timestamptz(null=False)
    withdrawn_on = Date(null=True, default=None)
    withdrawal_reason = Text(null=False, default="")
    withdrawn_at = Timestamptz(null=True, default=None)
