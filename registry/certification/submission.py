"""What stops an application from being submitted on a date: the organisation not verified, the
certificate a change or renewal names not its own or not active, a renewal outside its window, a live
certification for an initial application, and one finding per problem with the items. Submission and
the dry run of a new draft both ask here."""

from __future__ import annotations

import datetime as dt

from registry.catalog.queries import published_catalogue
from registry.certification.model import (
    ApplicationContent,
    ApplicationKind,
    ApplicationState,
    Standing,
    renewal_window,
    submission_findings,
)
from registry.certification.queries import certificate_row, certificate_state, live_certification
from registry.certification.tables import ApplicationItem
from registry.kernel.errors import DomainError, Term
from registry.providers.tables import Provider


async def check_submission(row: dict, content: ApplicationContent, day: dt.date) -> None:
    """Everything that stops a submission on `day`: the organisation verified, the certificate a change
    or renewal names, and one finding per problem with the items (422 SUBMISSION_REJECTED)."""
    provider = await Provider.select(Provider.status).where(Provider.id == row["provider"]).first()
    if provider["status"] != "verified":
        raise DomainError("ORGANISATION_NOT_VERIFIED")
    catalogue = await published_catalogue()
    certified: frozenset[str] = frozenset()
    if content.kind is not ApplicationKind.initial:
        certificate = await certificate_row(content.certificate_number or "", provider_id=row["provider"])
        if certificate is None:
            raise DomainError("SUBMISSION_REJECTED.not_yours", certificate=content.certificate_number)
        state = await certificate_state(certificate)
        standing = state.standing_on(day)
        if standing.standing is not Standing.active:
            raise DomainError(
                "CERTIFICATE_NOT_ACTIVE.change" if content.kind is ApplicationKind.change else "CERTIFICATE_NOT_ACTIVE",
                certificate=certificate["number"],
                standing=Term(standing.standing.value),
                day=day,
                extra={"standing": standing.standing.value},
            )
        if content.kind is ApplicationKind.renewal:
            opens, closes = renewal_window(standing.valid_until)
            if not opens <= day <= closes:
                raise DomainError(
                    "RENEWAL_WINDOW_CLOSED",
                    certificate=certificate["number"],
                    opens=opens,
                    closes=closes,
                    extra={"window_opens": opens.isoformat(), "window_closes": closes.isoformat()},
                )
        certified = state.codes_on(day)
    elif await live_certification(row["provider"], day) is not None:
        raise DomainError("ALREADY_CERTIFIED")
    other_proposals = {
        r["code"]
        for r in await ApplicationItem.select(ApplicationItem.code).where(
            ApplicationItem.proposal.is_not_null(),
            ApplicationItem.application != row["id"],
            ApplicationItem.application.state.is_in(
                [
                    ApplicationState.submitted.value,
                    ApplicationState.under_review.value,
                    ApplicationState.info_requested.value,
                ]
            ),
        )
    }
    findings = submission_findings(
        content,
        catalogue,
        day,
        certified_codes=set(certified),
        certificate_number=content.certificate_number,
        codes_in_other_proposals=other_proposals,
    )
    if findings:
        raise DomainError(
            "SUBMISSION_REJECTED",
            number=row["number"],
            day=day,
            count=len(findings),
            extra={"findings": [f.as_dict() for f in findings], "as_of": day.isoformat()},
        )
