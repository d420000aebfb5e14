"""Application use cases, from draft to review: create and edit a draft, submit it (checked against the
edition in force today), withdraw it, take it up, ask for information, evaluate it. Each is one
transaction with its audit event; each returns the application as its reader may see it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from registry.accounts.model import Principal, Role
from registry.audit.service import record
from registry.catalog.queries import item_names, published_catalogue
from registry.certification import urls
from registry.certification.certificates import allocate_number
from registry.certification.model import (
    TRANSITIONS,
    Action,
    ApplicationContent,
    ApplicationState,
    EvaluationInput,
    IllegalTransition,
    ProposedItem,
    application_number,
    application_reference,
    next_state,
    proposal_prefix_problem,
    waiting_days,
)
from registry.certification.queries import certificate_row
from registry.certification.schemas import ApplicationOut, ApplicationSummary, DryRunOut, SubmissionOut
from registry.certification.submission import check_submission
from registry.certification.tables import Application, ApplicationItem, CertificateEvent, Evaluation
from registry.db.engine import insert_one, read_transaction, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import today_in_korea, utcnow
from registry.kernel.errors import (
    DomainError,
    Expected,
    FieldError,
    Term,
    changed_meanwhile,
    check_version,
    etag,
    not_found,
)
from registry.providers.tables import Provider

# --- reading -------------------------------------------------------------------------------------------


async def application_row(principal: Principal, application_id: int) -> dict:
    row = await Application.select().where(Application.id == application_id).first()
    if row is None or not (principal.is_staff or principal.provider_id == row["provider"]):
        raise not_found("application", application_id)  # another provider's record is simply not there
    return row


async def resolve_application(principal: Principal, reference: str) -> int:
    """The id of the application a path names by its id (`12`) or its number (`APP-2026-00012`). A number
    of another organisation's application is not there, as for an id."""
    key = application_reference(reference)
    if key is None:
        raise not_found("application", reference)
    if isinstance(key, int):
        return key  # the use case reads the row and checks who may see it
    async with read_transaction():
        row = await Application.select(Application.id, Application.provider).where(Application.number == key).first()
    if row is None or not (principal.is_staff or principal.provider_id == row["provider"]):
        raise not_found("application", reference)
    return row["id"]


# What a decision did to a certificate, by the event it recorded (application_number names the decision).
_DECISION_EVENTS = ("issued", "items_added", "renewed")


async def decided_certificate(number: str) -> dict | None:
    """The certificate an application's approval issued, added items to or renewed, with its link."""
    row = (
        await CertificateEvent.select(
            CertificateEvent.certificate.number.as_alias("number"),
            CertificateEvent.kind,
            CertificateEvent.effective_date,
        )
        .where(CertificateEvent.application_number == number, CertificateEvent.kind.is_in(list(_DECISION_EVENTS)))
        .order_by(CertificateEvent.id)
        .first()
    )
    if row is None:
        return None
    return {
        "number": row["number"],
        "effect": row["kind"],
        "effective_date": _iso(row["effective_date"]),
        "href": urls.certificate(row["number"]),
    }


def _allowed_actions(state: ApplicationState, principal: Principal) -> list[str]:
    by_role = {
        Role.provider: {Action.edit, Action.submit, Action.withdraw},
        Role.reviewer: {Action.start_review, Action.request_info, Action.evaluate},
        Role.regulator: {Action.start_review, Action.request_info, Action.evaluate, Action.decide},
    }[principal.role]
    return sorted(a.value for (s, a) in TRANSITIONS if s is state and a in by_role)


def _iso(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


async def application_view(principal: Principal, application_id: int) -> ApplicationOut:
    async with read_transaction():
        row = await application_row(principal, application_id)
        items = (
            await ApplicationItem.select()
            .where(ApplicationItem.application == application_id)
            .order_by(ApplicationItem.position)
        )
        evaluation = (
            await Evaluation.select()
            .where(Evaluation.application == application_id)
            .order_by(Evaluation.id, ascending=False)
            .first()
        )
        provider = (
            await Provider.select(Provider.name_ko, Provider.name_en).where(Provider.id == row["provider"]).first()
        )
        decided = await decided_certificate(row["number"]) if row["state"] == ApplicationState.decided.value else None
    catalogue = await published_catalogue()
    state = ApplicationState(row["state"])
    body = {
        "id": row["id"],
        "number": row["number"],
        "provider_id": row["provider"],
        "provider_name_ko": provider["name_ko"] if provider else None,
        "provider_name_en": provider["name_en"] if provider else None,
        "kind": row["kind"],
        "state": state.value,
        "certificate_number": row["certificate_number"],
        "note": row["note"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "submitted_at": _iso(row["submitted_at"]),
        "decided_on": _iso(row["decided_on"]),
        "outcome": row["outcome"],
        "info_request": row["info_request"],
        "provider_response": row["provider_response"],
        "version": row["version"],
        "etag": etag(row["version"]),
        "allowed_actions": _allowed_actions(state, principal),
        "decided_certificate": decided,
        "items": [],
        "evaluation": None,
    }
    for item in items:
        proposal = json.loads(item["proposal"]) if item["proposal"] else None
        name_ko, name_en = (
            (proposal["name_ko"], proposal["name_en"]) if proposal else item_names(catalogue, item["code"])
        )
        body["items"].append(
            {
                "code": item["code"],
                "name_ko": name_ko,
                "name_en": name_en,
                "proposal": proposal,
                "genes": json.loads(item["genes"]),
                "markers": json.loads(item["markers"]),
                "evidence": json.loads(item["evidence"]),
                "accuracy": json.loads(item["accuracy"]),
                "validation_ref": item["validation_ref"],
                "outcome": item["outcome"],
                "reason": item["reason"],
            }
        )
    if evaluation is not None:
        body["evaluation"] = {
            "reviewer_id": evaluation["reviewer_id"],
            "scores": json.loads(evaluation["scores"]),
            "total_score": evaluation["total_score"],
            "recommendation": evaluation["recommendation"],
            "remarks": evaluation["remarks"],
            "created_at": _iso(evaluation["created_at"]),
        }
    return msgspec.convert(body, ApplicationOut)


@dataclass(frozen=True)
class ApplicationPage:
    rows: list[ApplicationSummary]
    total: int
    more: bool


async def list_applications(principal: Principal, *, states: list[str], after_id: int, limit: int) -> ApplicationPage:
    """One page of applications (a provider sees its own), oldest first, after the id `after_id`: with
    the provider's names, how many items each requests or proposes, and how long it has waited."""
    query = Application.select(
        Application.id,
        Application.number,
        Application.provider,
        Application.provider.name_ko.as_alias("provider_name_ko"),
        Application.provider.name_en.as_alias("provider_name_en"),
        Application.kind,
        Application.state,
        Application.certificate_number,
        Application.updated_at,
        Application.submitted_at,
        Application.outcome,
        Application.version,
    )
    count = Application.count()
    if principal.role is Role.provider:
        query = query.where(Application.provider == principal.provider_id)
        count = count.where(Application.provider == principal.provider_id)
    if states:
        query = query.where(Application.state.is_in(states))
        count = count.where(Application.state.is_in(states))
    async with read_transaction():
        total = await count
        rows = await query.where(Application.id > after_id).order_by(Application.id).limit(limit + 1)
        ids = [r["id"] for r in rows[:limit]]
        items = await ApplicationItem.select(ApplicationItem.application, ApplicationItem.proposal).where(
            ApplicationItem.application.is_in(ids or [0])
        )
    counts: dict[int, list[int]] = {i: [0, 0] for i in ids}
    for item in items:
        counts[item["application"]][0 if item["proposal"] is None else 1] += 1
    today = today_in_korea()
    more = len(rows) > limit
    data = [
        {
            **r,
            "provider_id": r.pop("provider"),
            "item_count": counts[r["id"]][0],
            "proposal_count": counts[r["id"]][1],
            "waiting_days": waiting_days(r["state"], r["submitted_at"], today),
            "updated_at": _iso(r["updated_at"]),
            "submitted_at": _iso(r["submitted_at"]),
            "etag": etag(r["version"]),
            "href": urls.application(r["number"]),
        }
        for r in rows[:limit]
    ]
    return ApplicationPage(msgspec.convert(data, list[ApplicationSummary]), total, more)


# --- writing ---------------------------------------------------------------------------------------------


def _item_rows(application_id: int, content: ApplicationContent) -> list[ApplicationItem]:
    rows = []
    for position, item in enumerate([*content.items, *content.proposals]):
        proposal = None
        if isinstance(item, ProposedItem):
            proposal = json.dumps(
                {
                    "name_ko": item.name_ko,
                    "name_en": item.name_en,
                    "category": item.category.value,
                    "tier": item.tier.value,
                    "rationale": item.rationale,
                },
                ensure_ascii=False,
            )
        rows.append(
            ApplicationItem(
                application=application_id,
                position=position,
                code=item.code,
                proposal=proposal,
                genes=json.dumps(item.genes),
                markers=json.dumps(item.markers),
                evidence=json.dumps([e.model_dump() for e in item.evidence]),
                accuracy=item.accuracy.model_dump_json(),
                validation_ref=item.validation_ref,
            )
        )
    return rows


def content_of(row: dict, items: Iterable[dict]) -> ApplicationContent:
    requested, proposals = [], []
    for item in items:
        data = {
            "code": item["code"],
            "genes": json.loads(item["genes"]),
            "markers": json.loads(item["markers"]),
            "evidence": json.loads(item["evidence"]),
            "accuracy": json.loads(item["accuracy"]),
            "validation_ref": item["validation_ref"],
        }
        if item["proposal"]:
            proposals.append({**data, **json.loads(item["proposal"])})
        else:
            requested.append(data)
    return ApplicationContent.model_validate(
        {
            "kind": row["kind"],
            "certificate_number": row["certificate_number"],
            "items": requested,
            "proposals": proposals,
            "note": row["note"],
        }
    )


def _check_shape(content: ApplicationContent) -> None:
    errors = []
    for index, proposal in enumerate(content.proposals):
        problem = proposal_prefix_problem(proposal)
        if problem:
            errors.append(FieldError(f"proposals.{index}.code", problem, "body"))
    if errors:
        raise DomainError(
            "INVALID_BODY.application_content",
            reasons="; ".join(f"{e.field}: {e.reason}" for e in errors),
            errors=errors,
        )


def transition(row: dict, action: Action) -> ApplicationState:
    try:
        return next_state(ApplicationState(row["state"]), action)
    except IllegalTransition as exc:
        raise DomainError(
            "ILLEGAL_TRANSITION" if exc.allowed else "ILLEGAL_TRANSITION.closed",
            number=row["number"],
            state=Term(f"state_{exc.state.value}"),
            action=Term(f"action_{exc.action.value}"),
            allowed=[Term(f"action_{a}") for a in exc.allowed],
            extra={"state": exc.state.value, "allowed_actions": exc.allowed},
        ) from None


async def bump(row: dict, values: dict, *, to_state: ApplicationState | None = None) -> int:
    """The one write to an application row: conditional on the version read, so a concurrent change
    loses cleanly (412) instead of being overwritten."""
    update = {**values, Application.version: row["version"] + 1, Application.updated_at: utcnow()}
    if to_state is not None:
        update[Application.state] = to_state.value
    done = (
        await Application.update(update)
        .where(Application.id == row["id"], Application.version == row["version"])
        .returning(Application.id)
    )
    if not done:
        current = await Application.select(Application.version).where(Application.id == row["id"]).first()
        raise changed_meanwhile(current["version"] if current else row["version"], "application")
    return row["version"] + 1


@retried
async def create_application(
    principal: Principal, content: ApplicationContent, *, dry_run: bool = False
) -> ApplicationOut | DryRunOut:
    """A new draft. A dry run creates it, runs every check a submission would, and keeps nothing:
    `valid: true` means the draft could be submitted today."""
    _check_shape(content)
    async with write_transaction(dry_run=dry_run):
        await _own_certificate(content, principal.provider_id)
        now = utcnow()
        year = today_in_korea().year
        number = await allocate_number(Application, f"APP-{year}", lambda n: application_number(year, n))
        application_id = await insert_one(
            Application(
                number=number,
                provider=principal.provider_id,
                kind=content.kind.value,
                state=ApplicationState.draft.value,
                certificate_number=content.certificate_number,
                created_by=principal.user_id,
                created_at=now,
                updated_at=now,
                note=content.note,
            )
        )
        await ApplicationItem.insert(*_item_rows(application_id, content))
        await record(
            principal.actor, "application.created", "application", number, after=content.model_dump(mode="json")
        )
        if dry_run:
            row = await Application.select().where(Application.id == application_id).first()
            refusal = None
            try:
                await check_submission(row, content, today_in_korea())
            except DomainError as exc:
                refusal = exc
            return DryRunOut(
                dry_run=True,
                state="draft",
                valid=refusal is None,
                problem=refusal.code if refusal else None,
                findings=(refusal.extra.get("findings", []) if refusal else []),
            )
    return await application_view(principal, application_id)


async def _own_certificate(content: ApplicationContent, provider_id: int | None) -> None:
    """A change or renewal names one of the applicant's own certificates."""
    number = content.certificate_number
    if number and await certificate_row(number, provider_id=provider_id) is None:
        raise DomainError(
            "NOT_FOUND.your_certificate",
            certificate=number,
            errors=[FieldError("certificate_number", "not your certificate", "body")],
        )


@retried
async def replace_application(
    principal: Principal, application_id: int, content: ApplicationContent, expected: Expected
) -> ApplicationOut:
    """Rewrite the requested items while a draft, or while answering an information request."""
    _check_shape(content)
    async with write_transaction():
        row = await application_row(principal, application_id)
        transition(row, Action.edit)
        check_version(expected, row["version"], "application")
        if content.kind.value != row["kind"]:
            raise DomainError("INVALID_BODY.kind_fixed", errors=[FieldError("kind", f"stays {row['kind']}", "body")])
        await _own_certificate(content, row["provider"])
        before = content_of(row, await ApplicationItem.select().where(ApplicationItem.application == application_id))
        await bump(row, {Application.note: content.note, Application.certificate_number: content.certificate_number})
        await ApplicationItem.delete().where(ApplicationItem.application == application_id)
        await ApplicationItem.insert(*_item_rows(application_id, content))
        await record(
            principal.actor,
            "application.edited",
            "application",
            row["number"],
            before=before.model_dump(mode="json"),
            after=content.model_dump(mode="json"),
        )
    return await application_view(principal, application_id)


@retried
async def submit_application(
    principal: Principal, application_id: int, *, response: str, dry_run: bool = False
) -> SubmissionOut:
    """Draft (or information requested) -> submitted, when every check passes."""
    async with write_transaction(dry_run=dry_run):
        row = await application_row(principal, application_id)
        state = transition(row, Action.submit)
        items = await ApplicationItem.select().where(ApplicationItem.application == application_id)
        await check_submission(row, content_of(row, items), today_in_korea())
        values = {Application.submitted_at: utcnow()}
        if row["state"] == ApplicationState.info_requested.value:
            values[Application.provider_response] = response
        await bump(row, values, to_state=state)
        await record(
            principal.actor,
            "application.submitted",
            "application",
            row["number"],
            before={"state": row["state"]},
            after={"state": state.value, "response": response or None},
        )
    if dry_run:
        return SubmissionOut(dry_run=True, state=ApplicationState.submitted.value, valid=True)
    version = row["version"] + 1
    return SubmissionOut(number=row["number"], state=state.value, version=version, etag=etag(version))


AUDIT_ACTIONS = {
    Action.withdraw: "withdrawn",
    Action.start_review: "review_started",
    Action.request_info: "info_requested",
}


@retried
async def _move(principal: Principal, application_id: int, action: Action, values: dict, **said) -> ApplicationOut:
    """A plain state change of an application: check the transition, write it, record it."""
    async with write_transaction():
        row = await application_row(principal, application_id)
        state = transition(row, action)
        await bump(row, values, to_state=state)
        await record(
            principal.actor,
            f"application.{AUDIT_ACTIONS[action]}",
            "application",
            row["number"],
            before={"state": row["state"]},
            after={"state": state.value, **said},
        )
    return await application_view(principal, application_id)


async def withdraw_application(principal: Principal, application_id: int, reason: str) -> ApplicationOut:
    return await _move(principal, application_id, Action.withdraw, {}, reason=reason)


async def start_review(principal: Principal, application_id: int) -> ApplicationOut:
    return await _move(principal, application_id, Action.start_review, {Application.reviewer_id: principal.user_id})


async def request_info(principal: Principal, application_id: int, message: str) -> ApplicationOut:
    return await _move(
        principal, application_id, Action.request_info, {Application.info_request: message}, message=message
    )


@retried
async def evaluate(principal: Principal, application_id: int, evaluation: EvaluationInput) -> ApplicationOut:
    async with write_transaction():
        row = await application_row(principal, application_id)
        transition(row, Action.evaluate)
        if row["decider_id"] == principal.user_id:
            raise DomainError("DECIDER_IS_EVALUATOR")
        scores = {area.value: s.model_dump() for area, s in evaluation.scores.items()}
        await Evaluation.insert(
            Evaluation(
                application=application_id,
                reviewer_id=principal.user_id,
                scores=json.dumps(scores, ensure_ascii=False),
                total_score=evaluation.total,
                recommendation=evaluation.recommendation,
                remarks=evaluation.remarks,
                created_at=utcnow(),
            )
        )
        await bump(row, {Application.evaluator_id: principal.user_id})
        await record(
            principal.actor,
            "application.evaluated",
            "application",
            row["number"],
            after={"scores": scores, "total": evaluation.total, "recommendation": evaluation.recommendation},
        )
    return await application_view(principal, application_id)
