"""The decision on an application: every requested item approved or rejected by a regulator who did not
evaluate it. Approval issues, amends or renews the certificate; approved new items are announced for
the catalogue to take into its draft edition."""

from __future__ import annotations

import datetime as dt
import json

from registry.accounts.model import Principal
from registry.audit.service import Actor, record
from registry.certification.applications import application_row, application_view, bump, transition
from registry.certification.certificates import add_items, issue_certificate, record_event
from registry.certification.model import (
    Action,
    ApplicationKind,
    CertificateKind,
    DecisionInput,
    EventKind,
    Standing,
    decision_problems,
    outcome_of,
    validity_end,
)
from registry.certification.queries import certificate_row, certificate_state, live_certification
from registry.certification.schemas import ApplicationOut
from registry.certification.tables import Application, ApplicationItem, Certificate, CertificateItem, Evaluation
from registry.db.engine import write_transaction
from registry.db.retry import retried
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError, Expected, FieldError, Term, check_version
from registry.kernel.events import Topic, announce


@retried
async def decide(
    principal: Principal, application_id: int, decision: DecisionInput, expected: Expected
) -> ApplicationOut:
    day = today_in_korea()
    async with write_transaction():
        row = await application_row(principal, application_id)
        check_version(expected, row["version"], "application")
        state = transition(row, Action.decide)
        if row["evaluator_id"] is None:
            raise DomainError("EVALUATION_REQUIRED", extra={"state": row["state"]})
        # Four eyes: whoever evaluated this application, at any time, may not decide it.
        if await Evaluation.exists().where(
            Evaluation.application == application_id, Evaluation.reviewer_id == principal.user_id
        ):
            raise DomainError("DECIDER_IS_EVALUATOR")
        items = (
            await ApplicationItem.select()
            .where(ApplicationItem.application == application_id)
            .order_by(ApplicationItem.position)
        )
        problems = decision_problems([i["code"] for i in items], decision)
        if problems:
            raise DomainError(
                "INVALID_BODY.decision_coverage",
                problems="; ".join(problems),
                errors=[FieldError("items", p, "body") for p in problems],
            )
        outcome = outcome_of(decision)
        await bump(
            row,
            {Application.decider_id: principal.user_id, Application.decided_on: day, Application.outcome: outcome},
            to_state=state,
        )
        by_code = {d.code: d for d in decision.items}
        for item in items:
            d = by_code[item["code"]]
            await ApplicationItem.update({ApplicationItem.outcome: d.outcome, ApplicationItem.reason: d.reason}).where(
                ApplicationItem.id == item["id"]
            )
        approved = [i for i in items if by_code[i["code"]].outcome == "approved"]
        actor = principal.actor
        certificate = await _apply_approval(actor, row, approved, day) if approved else None
        await record(
            actor,
            "application.decided",
            "application",
            row["number"],
            before={"state": row["state"]},
            after={
                "state": state.value,
                "outcome": outcome,
                "items": [d.model_dump() for d in decision.items],
                "certificate": certificate,
            },
        )
        await announce(
            Topic.application_decided,
            application=row["number"],
            provider_id=row["provider"],
            outcome=outcome,
            certificate=certificate,
            decided_on=day.isoformat(),
            actor_id=actor.id,
            actor=actor.label,
            approved_proposals=[{"code": i["code"], **json.loads(i["proposal"])} for i in approved if i["proposal"]],
        )
    return await application_view(principal, application_id)


async def _apply_approval(actor: Actor, application: dict, approved: list[dict], day: dt.date) -> str:
    kind = ApplicationKind(application["kind"])
    codes = [i["code"] for i in approved]
    if kind is ApplicationKind.initial:
        if await live_certification(application["provider"], day) is not None:
            raise DomainError("ALREADY_CERTIFIED.provider")
        issued = await issue_certificate(
            actor,
            provider_id=application["provider"],
            kind=CertificateKind.certification,
            valid_from=day,
            valid_until=validity_end(day),
            items=[(c, day) for c in codes],
            application_number=application["number"],
        )
        return issued["number"]
    certificate = await certificate_row(application["certificate_number"], provider_id=application["provider"])
    state = await certificate_state(certificate)
    standing = state.standing_on(day)
    if standing.standing is not Standing.active:
        raise DomainError(
            "CERTIFICATE_NOT_ACTIVE.today",
            certificate=certificate["number"],
            standing=Term(standing.standing.value),
            extra={"standing": standing.standing.value},
        )
    if kind is ApplicationKind.change:
        await add_items(certificate, codes, day, application["number"])
        await record_event(
            actor, certificate, EventKind.items_added, day, items=codes, application_number=application["number"]
        )
    else:
        new_until = validity_end(standing.valid_until + dt.timedelta(days=1))
        certified = state.codes_on(day)
        dropped = sorted(certified - set(codes))
        if dropped:  # items not re-certified end with the old validity
            await CertificateItem.update({CertificateItem.certified_until: standing.valid_until}).where(
                CertificateItem.certificate == certificate["id"],
                CertificateItem.code.is_in(dropped),
                CertificateItem.certified_until.is_null(),
            )
        await add_items(certificate, sorted(set(codes) - certified), day, application["number"])
        await record_event(
            actor,
            certificate,
            EventKind.renewed,
            day,
            valid_until=new_until,
            items=dropped,
            application_number=application["number"],
            reason=f"renewed until {new_until}" + (f"; not re-certified: {', '.join(dropped)}" if dropped else ""),
        )
    await Certificate.update({Certificate.version: Certificate.version + 1}).where(Certificate.id == certificate["id"])
    return certificate["number"]
