"""Certification use cases: applications from draft to decision, certificates and their status,
providers' verification and the public lookup. Each use case is one transaction with its audit events."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from registry.accounts.model import Principal, Role
from registry.accounts.service import DryRunDone, utcnow
from registry.audit.service import SYSTEM, Actor, record
from registry.catalog.model import Catalogue, EntryFile, EntryStatus, MinorsPolicy
from registry.catalog.service import add_to_draft, published_catalogue
from registry.certification.model import (
    Action,
    ApplicationContent,
    ApplicationKind,
    ApplicationState,
    CertificateEventView,
    CertificateKind,
    DecisionInput,
    EvaluationInput,
    EventKind,
    IllegalTransition,
    ProposedItem,
    Standing,
    StandingOnDate,
    StatusChangeInput,
    application_number,
    certificate_number,
    decision_problems,
    next_state,
    outcome_of,
    proposal_prefix_problem,
    renewal_window,
    standing_on,
    status_change_problem,
    submission_findings,
    validity_end,
)
from registry.certification.tables import (
    Application,
    ApplicationItem,
    Certificate,
    CertificateEvent,
    CertificateItem,
    Evaluation,
    Provider,
)
from registry.db.engine import insert_one, read_transaction, write_transaction
from registry.http.idempotency import Answer, once
from registry.http.params import today_in_korea
from registry.http.problems import FieldError, ProblemError, invalid_body

# --- errors ----------------------------------------------------------------------------------------------


def not_found(what: str, key: object) -> ProblemError:
    names = {
        "application": ("application", "신청서"),
        "certificate": ("certificate", "인증서"),
        "provider": ("provider", "기관"),
    }
    en, ko = names[what]
    return ProblemError(
        404, "NOT_FOUND", f"No {en} '{key}' is visible to you.", f"{ko} '{key}'을(를) 찾을 수 없습니다."
    )


def illegal(exc: IllegalTransition, number: str) -> ProblemError:
    return ProblemError(
        409,
        "ILLEGAL_TRANSITION",
        f"Application {number} is {exc.state.value}: it cannot {exc.action.value.replace('_', ' ')} now."
        + (f" Possible now: {', '.join(exc.allowed)}." if exc.allowed else " It is closed."),
        f"신청서 {number}은(는) 현재 '{exc.state.value}' 상태라 '{exc.action.value}' 처리를 할 수 없습니다.",
        extra={"state": exc.state.value, "allowed_actions": exc.allowed},
    )


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int, what: str) -> None:
    """Writes that change an existing record name the version they saw (If-Match: the ETag)."""
    if if_match is None:
        raise ProblemError(
            428,
            "PRECONDITION_REQUIRED",
            f"Send If-Match with the ETag of the {what} you read, so that no change made meanwhile is overwritten.",
            f"읽은 {what}의 ETag를 If-Match 헤더로 보내야 합니다. 그사이 바뀐 내용을 덮어쓰지 않기 위해서입니다.",
            errors=[FieldError("If-Match", "required", "header")],
        )
    seen = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in seen and etag(version) not in seen:
        raise precondition_failed(what, version)


def precondition_failed(what: str, version: int) -> ProblemError:
    return ProblemError(
        412,
        "PRECONDITION_FAILED",
        f"The {what} changed since you read it (now version {version}); read it again and decide on what it says now.",
        f"읽은 뒤 {what}이(가) 바뀌었습니다(현재 버전 {version}). 다시 읽고 처리하십시오.",
        extra={"current_etag": etag(version)},
    )


# --- reading applications ------------------------------------------------------------------------------


def _visible(principal: Principal, provider_id: int) -> bool:
    return principal.is_staff or principal.provider_id == provider_id


async def _application_row(principal: Principal, application_id: int) -> dict:
    row = await Application.select().where(Application.id == application_id).first()
    if row is None or not _visible(principal, row["provider"]):
        raise not_found("application", application_id)  # another provider's record is simply not there
    return row


def _allowed_actions(state: ApplicationState, principal: Principal) -> list[str]:
    by_role = {
        Role.provider: {Action.edit, Action.submit, Action.withdraw},
        Role.reviewer: {Action.start_review, Action.request_info, Action.evaluate},
        Role.regulator: {Action.start_review, Action.request_info, Action.evaluate, Action.decide},
    }[principal.role]
    return sorted(a.value for (s, a) in _transitions() if s is state and a in by_role)


def _transitions():
    from registry.certification.model import TRANSITIONS

    return TRANSITIONS


async def application_view(principal: Principal, application_id: int) -> dict:
    async with read_transaction():
        row = await _application_row(principal, application_id)
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
    catalogue = await published_catalogue()
    return _application_body(principal, row, items, evaluation, provider, catalogue)


def _iso(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _item_body(row: dict, catalogue: Catalogue) -> dict:
    proposal = json.loads(row["proposal"]) if row["proposal"] else None
    latest = next((e.entry(row["code"]) for e in reversed(catalogue.editions) if e.entry(row["code"])), None)
    return {
        "code": row["code"],
        "name_ko": proposal["name_ko"] if proposal else (latest.name_ko if latest else None),
        "name_en": proposal["name_en"] if proposal else (latest.name_en if latest else None),
        "proposal": proposal,
        "genes": json.loads(row["genes"]),
        "markers": json.loads(row["markers"]),
        "evidence": json.loads(row["evidence"]),
        "accuracy": json.loads(row["accuracy"]),
        "validation_ref": row["validation_ref"],
        "outcome": row["outcome"],
        "reason": row["reason"],
    }


def _application_body(principal, row, items, evaluation, provider, catalogue) -> dict:
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
        "items": [_item_body(i, catalogue) for i in items],
        "evaluation": None,
    }
    if evaluation is not None:
        body["evaluation"] = {
            "reviewer_id": evaluation["reviewer_id"],
            "scores": json.loads(evaluation["scores"]),
            "total_score": evaluation["total_score"],
            "recommendation": evaluation["recommendation"],
            "remarks": evaluation["remarks"],
            "created_at": _iso(evaluation["created_at"]),
        }
    return body


async def list_applications(
    principal: Principal, *, state: str | None, after_id: int, limit: int
) -> tuple[list[dict], int]:
    query = Application.select(
        Application.id,
        Application.number,
        Application.provider,
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
    if state:
        query = query.where(Application.state == state)
        count = count.where(Application.state == state)
    async with read_transaction():
        total = await count
        rows = await query.where(Application.id > after_id).order_by(Application.id).limit(limit)
    return [
        {
            **r,
            "provider_id": r.pop("provider"),
            "updated_at": _iso(r["updated_at"]),
            "submitted_at": _iso(r["submitted_at"]),
            "etag": etag(r["version"]),
        }
        for r in rows
    ], total


# --- writing applications ------------------------------------------------------------------------------


async def _next_serial(column, prefix: str) -> int:
    rows = (
        await column._meta.table.select(column)
        .where(column.like(prefix + "%"))
        .order_by(column, ascending=False)
        .limit(1)
    )
    return int(rows[0][column._meta.name].rsplit("-", 1)[1]) + 1 if rows else 1


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


def _content_of(row: dict, items: Iterable[dict]) -> ApplicationContent:
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
    errors = _shape_problems(content)
    if errors:
        raise ProblemError(
            422,
            "INVALID_BODY",
            "; ".join(f"{e.field}: {e.reason}" for e in errors),
            "신청 내용이 올바르지 않습니다.",
            errors=errors,
        )


def _shape_problems(content: ApplicationContent) -> list[FieldError]:
    errors = []
    for index, proposal in enumerate(content.proposals):
        problem = proposal_prefix_problem(proposal)
        if problem:
            errors.append(FieldError(f"proposals.{index}.code", problem, "body"))
    return errors


async def _certificate_for(provider_id: int, number: str | None) -> dict | None:
    if number is None:
        return None
    return await Certificate.select().where(Certificate.number == number, Certificate.provider == provider_id).first()


async def create_application(principal: Principal, content: ApplicationContent, *, dry_run: bool = False) -> dict:
    _check_shape(content)
    try:
        async with write_transaction():
            if (
                content.certificate_number
                and await _certificate_for(principal.provider_id, content.certificate_number) is None
            ):
                raise ProblemError(
                    422,
                    "INVALID_BODY",
                    f"Certificate {content.certificate_number} is not one of your organisation's certificates.",
                    f"인증서 {content.certificate_number}은(는) 귀 기관의 인증서가 아닙니다.",
                    errors=[FieldError("certificate_number", "not your certificate", "body")],
                )
            now = utcnow()
            year = today_in_korea().year
            number = application_number(year, await _next_serial(Application.number, f"APP-{year}-"))
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
                raise DryRunDone(None)
    except DryRunDone:
        return {"dry_run": True, "number": None, "state": "draft", "valid": True}
    return await application_view(principal, application_id)


async def replace_application(
    principal: Principal, application_id: int, content: ApplicationContent, if_match: str | None
) -> dict:
    """Rewrite the requested items while a draft, or while answering an information request."""
    _check_shape(content)
    async with write_transaction():
        row = await _application_row(principal, application_id)
        _transition(row, Action.edit)
        check_if_match(if_match, row["version"], "application")
        if content.kind.value != row["kind"]:
            raise ProblemError(
                422,
                "INVALID_BODY",
                "The kind of an application cannot change.",
                "신청 유형은 바꿀 수 없습니다.",
                errors=[FieldError("kind", f"stays {row['kind']}", "body")],
            )
        before = _content_of(row, await ApplicationItem.select().where(ApplicationItem.application == application_id))
        await _bump(row, {Application.note: content.note, Application.certificate_number: content.certificate_number})
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


def _transition(row: dict, action: Action) -> ApplicationState:
    try:
        return next_state(ApplicationState(row["state"]), action)
    except IllegalTransition as exc:
        raise illegal(exc, row["number"]) from None


async def _bump(row: dict, values: dict, *, to_state: ApplicationState | None = None) -> int:
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
        raise precondition_failed("application", current["version"] if current else row["version"])
    return row["version"] + 1


async def submit_application(
    principal: Principal, application_id: int, *, response: str, idempotency_key: str | None, dry_run: bool = False
) -> Answer:
    """Draft (or information requested) -> submitted. Every catalogue item must be permitted by the
    edition in force today, every proposal complete; otherwise 422 with one finding per problem."""

    async def work() -> Answer:
        row = await _application_row(principal, application_id)
        state = _transition(row, Action.submit)
        provider = await Provider.select(Provider.status).where(Provider.id == row["provider"]).first()
        if provider["status"] != "verified":
            raise ProblemError(
                409,
                "ORGANISATION_NOT_VERIFIED",
                "Your organisation has not been verified by a regulator yet; "
                "applications can be prepared but not submitted.",
                "귀 기관은 아직 규제기관의 확인을 받지 않았습니다. 신청서를 작성할 수는 있지만 제출할 수는 없습니다.",
            )
        items = await ApplicationItem.select().where(ApplicationItem.application == application_id)
        content = _content_of(row, items)
        day = today_in_korea()
        findings = await _submission_findings(row, content, day)
        if findings:
            raise ProblemError(
                422,
                "SUBMISSION_REJECTED",
                f"Application {row['number']} cannot be submitted on {day}: {len(findings)} problem(s).",
                f"신청서 {row['number']}은(는) {day}에 제출할 수 없습니다: 문제 {len(findings)}건.",
                extra={"findings": [f.as_dict() for f in findings], "as_of": day.isoformat()},
            )
        values = {Application.submitted_at: utcnow()}
        if row["state"] == ApplicationState.info_requested.value:
            values[Application.provider_response] = response
        await _bump(row, values, to_state=state)
        await record(
            principal.actor,
            "application.submitted",
            "application",
            row["number"],
            before={"state": row["state"]},
            after={"state": state.value, "response": response or None},
        )
        if dry_run:
            raise DryRunDone(None)
        return Answer(
            200,
            {
                "number": row["number"],
                "state": state.value,
                "version": row["version"] + 1,
                "etag": etag(row["version"] + 1),
            },
        )

    try:
        return await once(principal.user_id, idempotency_key, f"submit:{application_id}", {"response": response}, work)
    except DryRunDone:
        return Answer(200, {"dry_run": True, "state": ApplicationState.submitted.value, "valid": True})


async def _submission_findings(row: dict, content: ApplicationContent, day: dt.date):
    catalogue = await published_catalogue()
    certified: set[str] = set()
    if content.kind is not ApplicationKind.initial:
        certificate = await _certificate_for(row["provider"], content.certificate_number)
        if certificate is None:
            raise ProblemError(
                422,
                "SUBMISSION_REJECTED",
                f"Certificate {content.certificate_number} is not yours.",
                f"인증서 {content.certificate_number}은(는) 귀 기관의 것이 아닙니다.",
            )
        view = await _certificate_state(certificate)
        standing = view.standing_on(day)
        if standing.standing is not Standing.active:
            raise ProblemError(
                409,
                "CERTIFICATE_NOT_ACTIVE",
                f"Certificate {certificate['number']} is {standing.standing.value} on {day}; "
                + (
                    "apply for initial certification."
                    if content.kind is ApplicationKind.change
                    else "it cannot be renewed."
                ),
                f"인증서 {certificate['number']}은(는) {day}에 '{standing.standing.value}' 상태입니다.",
            )
        if content.kind is ApplicationKind.renewal:
            opens, closes = renewal_window(standing.valid_until)
            if not opens <= day <= closes:
                raise ProblemError(
                    409,
                    "RENEWAL_WINDOW_CLOSED",
                    f"Renewal of {certificate['number']} may be filed from {opens} to {closes}.",
                    f"{certificate['number']}의 재인증은 {opens}부터 {closes}까지 신청할 수 있습니다.",
                    extra={"window_opens": opens.isoformat(), "window_closes": closes.isoformat()},
                )
        certified = view.codes_on(day)
    elif await _live_certificate(row["provider"], day) is not None:
        raise ProblemError(
            409,
            "ALREADY_CERTIFIED",
            "Your organisation holds a live certificate; apply for a change or a renewal instead.",
            "귀 기관은 유효한 인증서가 있습니다. 변경인증이나 재인증을 신청하십시오.",
        )
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
    return submission_findings(
        content,
        catalogue,
        day,
        certified_codes=certified,
        certificate_number=content.certificate_number,
        codes_in_other_proposals=other_proposals,
    )


async def _move(principal: Principal, application_id: int, action: Action, values: dict, **said) -> dict:
    """A plain state change of an application: check the transition, write it, record it."""
    async with write_transaction():
        row = await _application_row(principal, application_id)
        state = _transition(row, action)
        await _bump(row, values, to_state=state)
        await record(
            principal.actor,
            f"application.{AUDIT_ACTIONS[action]}",
            "application",
            row["number"],
            before={"state": row["state"]},
            after={"state": state.value, **said},
        )
    return await application_view(principal, application_id)


AUDIT_ACTIONS = {
    Action.withdraw: "withdrawn",
    Action.start_review: "review_started",
    Action.request_info: "info_requested",
}


async def withdraw_application(principal: Principal, application_id: int, reason: str) -> dict:
    return await _move(principal, application_id, Action.withdraw, {}, reason=reason)


async def start_review(principal: Principal, application_id: int) -> dict:
    return await _move(principal, application_id, Action.start_review, {Application.reviewer_id: principal.user_id})


async def request_info(principal: Principal, application_id: int, message: str) -> dict:
    return await _move(
        principal, application_id, Action.request_info, {Application.info_request: message}, message=message
    )


async def evaluate(principal: Principal, application_id: int, evaluation: EvaluationInput) -> dict:
    async with write_transaction():
        row = await _application_row(principal, application_id)
        _transition(row, Action.evaluate)
        if row["decider_id"] == principal.user_id:
            raise _separation_error()
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
        await _bump(row, {Application.evaluator_id: principal.user_id})
        await record(
            principal.actor,
            "application.evaluated",
            "application",
            row["number"],
            after={"scores": scores, "total": evaluation.total, "recommendation": evaluation.recommendation},
        )
    return await application_view(principal, application_id)


def _separation_error() -> ProblemError:
    return ProblemError(
        403,
        "DECIDER_IS_EVALUATOR",
        "You evaluated this application; the decision must be taken by someone else "
        "(separation of evaluation and decision).",
        "이 신청서를 평가한 사람은 결정할 수 없습니다(평가와 결정의 분리).",
    )


async def decide(principal: Principal, application_id: int, decision: DecisionInput, if_match: str | None) -> dict:
    """The regulator decides every requested item; approval issues, amends or renews the certificate,
    and approved proposals join the draft edition of the permitted list."""
    day = today_in_korea()
    async with write_transaction():
        row = await _application_row(principal, application_id)
        check_if_match(if_match, row["version"], "application")
        state = _transition(row, Action.decide)
        if row["evaluator_id"] is None:
            raise ProblemError(
                409,
                "EVALUATION_REQUIRED",
                "Record an evaluation before deciding.",
                "결정 전에 평가를 기록해야 합니다.",
                extra={"state": row["state"]},
            )
        if row["evaluator_id"] == principal.user_id:
            raise _separation_error()
        items = (
            await ApplicationItem.select()
            .where(ApplicationItem.application == application_id)
            .order_by(ApplicationItem.position)
        )
        problems = decision_problems([i["code"] for i in items], decision)
        if problems:
            raise ProblemError(
                422,
                "INVALID_BODY",
                "The decision must cover each requested item once: " + "; ".join(problems),
                "신청한 항목마다 한 번씩 결정해야 합니다: " + "; ".join(problems),
                errors=[FieldError("items", p, "body") for p in problems],
            )
        outcome = outcome_of(decision)
        await _bump(
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
        certificate = None
        if approved:
            certificate = await _apply_approval(actor, row, approved, day)
            for item in approved:
                if item["proposal"]:
                    await add_to_draft(actor, _proposal_entry(item), day=day)
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
        if certificate is not None:
            await _recheck(row["provider"], principal.actor, f"decision on {row['number']}")
    return await application_view(principal, application_id)


def _proposal_entry(item: dict) -> EntryFile:
    proposal = json.loads(item["proposal"])
    return EntryFile(
        code=item["code"],
        name_ko=proposal["name_ko"],
        name_en=proposal["name_en"],
        category=proposal["category"],
        category_assigned=False,
        tier=proposal["tier"],
        status=EntryStatus.permitted,
        minors=MinorsPolicy.not_permitted,
        confidence="C",
        notes=f"Proposed by a provider; approved with application {item['application']}.",
    )


async def _apply_approval(actor: Actor, application: dict, approved: list[dict], day: dt.date) -> str:
    kind = ApplicationKind(application["kind"])
    codes = [i["code"] for i in approved]
    if kind is ApplicationKind.initial:
        if await _live_certificate(application["provider"], day) is not None:
            raise ProblemError(
                409,
                "ALREADY_CERTIFIED",
                "The provider already holds a live certificate.",
                "이미 유효한 인증서가 있습니다.",
            )
        return await issue_certificate(
            actor,
            provider_id=application["provider"],
            kind=CertificateKind.certification,
            valid_from=day,
            valid_until=validity_end(day),
            items=[(c, day) for c in codes],
            application_number=application["number"],
        )
    certificate = await _certificate_for(application["provider"], application["certificate_number"])
    view = await _certificate_state(certificate)
    standing = view.standing_on(day)
    if standing.standing is not Standing.active:
        raise ProblemError(
            409,
            "CERTIFICATE_NOT_ACTIVE",
            f"Certificate {certificate['number']} is {standing.standing.value} today.",
            f"인증서 {certificate['number']}은(는) 오늘 '{standing.standing.value}' 상태입니다.",
        )
    if kind is ApplicationKind.change:
        await _add_items(certificate, codes, day, application["number"])
        await _event(
            actor, certificate, EventKind.items_added, day, items=codes, application_number=application["number"]
        )
    else:
        new_until = validity_end(standing.valid_until + dt.timedelta(days=1))
        dropped = sorted(view.codes_on(day) - set(codes))
        if dropped:  # items not re-certified end with the old validity
            await CertificateItem.update({CertificateItem.certified_until: standing.valid_until}).where(
                CertificateItem.certificate == certificate["id"],
                CertificateItem.code.is_in(dropped),
                CertificateItem.certified_until.is_null(),
            )
        await _add_items(certificate, sorted(set(codes) - view.codes_on(day)), day, application["number"])
        await _event(
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


async def _recheck(provider_id: int, actor: Actor, reason: str) -> None:
    """A certificate changed: re-check the provider's registered panels in the same transaction."""
    from registry.panels.service import recheck_panels

    await recheck_panels([provider_id], actor=actor, reason=reason)


# --- certificates --------------------------------------------------------------------------------------


@dataclass
class CertificateState:
    row: dict
    events: list[dict]
    items: list[dict]

    def views(self) -> list[CertificateEventView]:
        return [
            CertificateEventView(
                EventKind(e["kind"]), e["effective_date"], e["valid_until"], e["ground"], e["reason"], e["id"]
            )
            for e in self.events
        ]

    def standing_on(self, day: dt.date) -> StandingOnDate:
        return standing_on(self.views(), day)

    def record(self):
        """The certificate as the panel engine reads it."""
        from registry.panels.engine import CertificateRecord

        items = [(i["code"], i["certified_from"], i["certified_until"]) for i in self.items]
        return CertificateRecord(self.row["provider"], self.row["number"], self.views(), items)

    def codes_on(self, day: dt.date) -> set[str]:
        return {
            i["code"]
            for i in self.items
            if i["certified_from"] <= day and (i["certified_until"] is None or day <= i["certified_until"])
        }


async def certificate_states(rows: list[dict]) -> list[CertificateState]:
    """Events and items for many certificates in two queries (never one per certificate)."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    events = (
        await CertificateEvent.select().where(CertificateEvent.certificate.is_in(ids)).order_by(CertificateEvent.id)
    )
    items = await CertificateItem.select().where(CertificateItem.certificate.is_in(ids)).order_by(CertificateItem.id)
    by_cert: dict[int, CertificateState] = {r["id"]: CertificateState(r, [], []) for r in rows}
    for e in events:
        by_cert[e["certificate"]].events.append(e)
    for i in items:
        by_cert[i["certificate"]].items.append(i)
    return [by_cert[i] for i in ids]


async def _certificate_state(row: dict) -> CertificateState:
    return (await certificate_states([row]))[0]


async def _live_certificate(provider_id: int, day: dt.date) -> CertificateState | None:
    rows = await Certificate.select().where(
        Certificate.provider == provider_id, Certificate.kind == CertificateKind.certification.value
    )
    for state in await certificate_states(rows):
        if state.standing_on(day).standing in (Standing.active, Standing.suspended, Standing.not_yet_valid):
            return state
    return None


async def _add_items(certificate: dict, codes: list[str], day: dt.date, application_number_: str | None) -> None:
    if codes:
        await CertificateItem.insert(
            *[
                CertificateItem(
                    certificate=certificate["id"], code=c, certified_from=day, application_number=application_number_
                )
                for c in codes
            ]
        )


async def _event(actor: Actor, certificate: dict, kind: EventKind, day: dt.date, **values) -> None:
    items = values.pop("items", [])
    await CertificateEvent.insert(
        CertificateEvent(
            certificate=certificate["id"],
            kind=kind.value,
            effective_date=day,
            items=json.dumps(items),
            actor=actor.label,
            created_at=utcnow(),
            **values,
        )
    )
    await record(
        actor,
        f"certificate.{kind.value}",
        "certificate",
        certificate["number"],
        after={"effective_date": day, "items": items, **{k: v for k, v in values.items() if v is not None}},
    )


async def issue_certificate(
    actor: Actor,
    *,
    provider_id: int,
    kind: CertificateKind,
    valid_from: dt.date,
    valid_until: dt.date,
    items: list[tuple[str, dt.date]],
    application_number: str | None = None,
    number: str | None = None,
    source: str = "decision",
) -> str:
    if number is None:
        prefix = f"DTC-{'P' if kind is CertificateKind.pilot else ''}{valid_from.year}-"
        number = certificate_number(valid_from.year, await _next_serial(Certificate.number, prefix), kind)
    certificate_id = await insert_one(
        Certificate(
            number=number,
            provider=provider_id,
            kind=kind.value,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            created_at=utcnow(),
        )
    )
    row = {"id": certificate_id, "number": number}
    await CertificateItem.insert(
        *[
            CertificateItem(certificate=certificate_id, code=c, certified_from=f, application_number=application_number)
            for c, f in items
        ]
    )
    await _event(
        actor,
        row,
        EventKind.issued,
        valid_from,
        valid_until=valid_until,
        items=[c for c, _ in items],
        application_number=application_number,
        reason="issued" if source == "decision" else "recorded from before the registry",
    )
    return number


async def change_certificate_status(
    principal: Principal, number: str, action: EventKind, change: StatusChangeInput, if_match: str | None
) -> dict:
    async with write_transaction():
        row = await Certificate.select().where(Certificate.number == number).first()
        if row is None:
            raise not_found("certificate", number)
        check_if_match(if_match, row["version"], "certificate")
        # Claim the version first: of concurrent changes exactly one passes, the rest get 412.
        done = (
            await Certificate.update({Certificate.version: row["version"] + 1})
            .where(Certificate.id == row["id"], Certificate.version == row["version"])
            .returning(Certificate.id)
        )
        if not done:
            raise precondition_failed("certificate", row["version"] + 1)
        state = await _certificate_state(row)
        current = state.standing_on(change.effective_date)
        problem = status_change_problem(action, current, change)
        if problem:
            raise ProblemError(
                409,
                "ILLEGAL_TRANSITION",
                f"Certificate {number} cannot be {action.value} on {change.effective_date}: {problem}.",
                f"인증서 {number}은(는) {change.effective_date}에 '{action.value}' 처리할 수 없습니다: {problem}.",
                extra={"standing": current.standing.value},
            )
        later = [
            e
            for e in state.events
            if e["effective_date"] > change.effective_date and e["kind"] in ("suspended", "reinstated", "revoked")
        ]
        if later:
            raise ProblemError(
                409,
                "ILLEGAL_TRANSITION",
                f"Certificate {number} already has a status change dated after {change.effective_date}; "
                "record changes in date order.",
                f"인증서 {number}에는 {change.effective_date} 이후의 상태 변경이 이미 있습니다.",
            )
        await _event(principal.actor, row, action, change.effective_date, ground=change.ground, reason=change.reason)
        await _recheck(row["provider"], principal.actor, f"certificate {number} {action.value}")
    return await certificate_public(number, change.effective_date)


async def certificate_public(number: str, day: dt.date) -> dict:
    """What anyone may know of a certificate: holder, validity, standing on `day`, items with names."""
    async with read_transaction():
        row = (
            await Certificate.select(
                Certificate.all_columns(),
                Certificate.provider.name_ko.as_alias("provider_name_ko"),
                Certificate.provider.name_en.as_alias("provider_name_en"),
            )
            .where(Certificate.number == number)
            .first()
        )
        if row is None:
            return {
                "number": number,
                "result": "unknown",
                "as_of": day.isoformat(),
                "message_en": f"No certificate {number} was ever issued or recorded by the registry.",
                "message_ko": f"등록부에 {number} 인증서는 발급되거나 기록된 적이 없습니다.",
            }
        state = await _certificate_state(row)
    catalogue = await published_catalogue()
    return _certificate_body(state, day, catalogue)


def _names(catalogue: Catalogue, code: str, day: dt.date) -> tuple[str | None, str | None]:
    edition = catalogue.in_force(day)
    entry = (edition.entry(code) if edition else None) or next(
        (e.entry(code) for e in reversed(catalogue.editions) if e.entry(code)), None
    )
    return (entry.name_ko, entry.name_en) if entry else (None, None)


def _certificate_body(state: CertificateState, day: dt.date, catalogue: Catalogue) -> dict:
    row = state.row
    standing = state.standing_on(day)
    certified = standing.certified
    result = "certified" if certified else "not_certified"
    messages = {
        Standing.active: ("Certified on {day}.", "{day} 기준 인증 유효."),
        Standing.suspended: ("Not certified on {day}: suspended since {since}.", "{day} 기준 인증 정지({since}부터)."),
        Standing.revoked: ("Not certified on {day}: revoked on {since}.", "{day} 기준 인증 취소({since})."),
        Standing.expired: ("Not certified on {day}: expired on {since}.", "{day} 기준 인증 만료({since})."),
        Standing.not_yet_valid: (
            "Not certified on {day}: valid from {since}.",
            "{day} 기준 아직 유효하지 않음({since}부터).",
        ),
    }[standing.standing]
    codes = sorted(state.codes_on(day))
    items = []
    for code in codes:
        ko, en = _names(catalogue, code, day)
        since = min(i["certified_from"] for i in state.items if i["code"] == code and i["certified_from"] <= day)
        items.append({"code": code, "name_ko": ko, "name_en": en, "certified_from": since.isoformat()})
    return {
        "number": row["number"],
        "result": result,
        "as_of": day.isoformat(),
        "status": standing.standing.value,
        "status_since": standing.since.isoformat(),
        "status_reason": standing.reason or None,
        "ground": standing.ground,
        "message_en": messages[0].format(day=day, since=standing.since),
        "message_ko": messages[1].format(day=day, since=standing.since),
        "kind": row["kind"],
        "provider_id": row["provider"],
        "provider_name_ko": row.get("provider_name_ko"),
        "provider_name_en": row.get("provider_name_en"),
        "valid_from": standing.valid_from.isoformat(),
        "valid_until": standing.valid_until.isoformat(),
        "items": items if certified else [],
        "items_on_certificate": items,
        "etag": etag(row["version"]),
    }


async def certificate_history(number: str) -> dict:
    async with read_transaction():
        row = await Certificate.select().where(Certificate.number == number).first()
        if row is None:
            raise not_found("certificate", number)
        state = await _certificate_state(row)
    return {
        "number": number,
        "kind": row["kind"],
        "events": [
            {
                "kind": e["kind"],
                "effective_date": e["effective_date"].isoformat(),
                "valid_until": _iso(e["valid_until"]),
                "ground": e["ground"],
                "reason": e["reason"],
                "items": json.loads(e["items"]),
                "application_number": e["application_number"],
                "recorded_at": _iso(e["created_at"]),
            }
            for e in sorted(state.events, key=lambda e: (e["effective_date"], e["id"]))
        ],
    }


# --- providers ------------------------------------------------------------------------------------------


async def verify_provider(principal: Principal, provider_id: int) -> dict:
    async with write_transaction():
        row = await Provider.select(Provider.id, Provider.status).where(Provider.id == provider_id).first()
        if row is None:
            raise not_found("provider", provider_id)
        if row["status"] == "verified":
            raise ProblemError(409, "CONFLICT", "The organisation is already verified.", "이미 확인된 기관입니다.")
        await Provider.update({Provider.status: "verified", Provider.verified_at: utcnow()}).where(
            Provider.id == provider_id
        )
        await record(
            principal.actor,
            "provider.verified",
            "provider",
            provider_id,
            before={"status": row["status"]},
            after={"status": "verified"},
        )
    return await provider_public(provider_id, today_in_korea(), include_unverified=True)


def _provider_summary(row: dict, states: list[CertificateState], day: dt.date, catalogue: Catalogue) -> dict:
    certificates = [_certificate_body(s, day, catalogue) for s in states]
    main = next(
        (c for c in certificates if c["kind"] == "certification" and c["status"] in ("active", "suspended")), None
    )
    main = (
        main
        or next((c for c in certificates if c["result"] == "certified"), None)
        or (certificates[-1] if certificates else None)
    )
    return {
        "id": row["id"],
        "name_ko": row["name_ko"],
        "name_en": row["name_en"],
        "status": main["status"] if main else "none",
        "certificate_number": main["number"] if main else None,
        "items": main["items"] if main else [],
        "certificates": [
            {k: c[k] for k in ("number", "kind", "status", "status_since", "valid_from", "valid_until", "result")}
            for c in certificates
        ],
    }


async def _providers_with_certificates(rows: list[dict]) -> dict[int, list[CertificateState]]:
    certs = (
        await Certificate.select().where(Certificate.provider.is_in([r["id"] for r in rows])).order_by(Certificate.id)
        if rows
        else []
    )
    grouped: dict[int, list[CertificateState]] = {r["id"]: [] for r in rows}
    for state in await certificate_states(certs):
        grouped[state.row["provider"]].append(state)
    return grouped


async def list_providers(*, q: str | None, item: str | None, status: str | None, day: dt.date) -> list[dict]:
    """Verified providers, newest certificate standing first-class: search by Korean or English name,
    by certified item, by status on `day`."""
    query = Provider.select(Provider.id, Provider.name_ko, Provider.name_en).where(Provider.status == "verified")
    async with read_transaction():
        rows = await query.order_by(Provider.name_en)
        if q:
            # Matched here rather than in SQL: one rule for Korean and English on both engines (SQLite has
            # no ILIKE), and the registry holds tens of institutions, not millions.
            needle = q.casefold()
            rows = [r for r in rows if needle in r["name_ko"].casefold() or needle in r["name_en"].casefold()]
        grouped = await _providers_with_certificates(rows)
    catalogue = await published_catalogue()
    out = []
    for row in rows:
        summary = _provider_summary(row, grouped[row["id"]], day, catalogue)
        if status and summary["status"] != status:
            continue
        if item and item.upper() not in {i["code"] for i in summary["items"]}:
            continue
        out.append(summary)
    return out


async def provider_public(provider_id: int, day: dt.date, *, include_unverified: bool = False) -> dict:
    async with read_transaction():
        row = (
            await Provider.select(Provider.id, Provider.name_ko, Provider.name_en, Provider.status)
            .where(Provider.id == provider_id)
            .first()
        )
        if row is None or (row["status"] != "verified" and not include_unverified):
            raise not_found("provider", provider_id)
        grouped = await _providers_with_certificates([row])
    catalogue = await published_catalogue()
    body = _provider_summary(row, grouped[provider_id], day, catalogue)
    body["verification"] = row["status"]
    body["as_of"] = day.isoformat()
    return body


async def certified_codes(provider_id: int, day: dt.date) -> tuple[StandingOnDate | None, str | None, set[str]]:
    """The provider's live certification on `day`: its standing, number and item codes (for checks)."""
    rows = await Certificate.select().where(Certificate.provider == provider_id)
    best = None
    for state in await certificate_states(rows):
        standing = state.standing_on(day)
        if standing.standing is Standing.not_yet_valid:
            continue
        if (
            best is None
            or standing.certified
            or (not best[0].certified and state.row["valid_from"] >= best[1].row["valid_from"])
        ):
            best = (standing, state)
            if standing.certified:
                break
    if best is None:
        return None, None, set()
    return best[0], best[1].row["number"], best[1].codes_on(day) if best[0].certified else set()


# --- records from before the registry ------------------------------------------------------------------


async def import_history(document: dict, *, actor: Actor = SYSTEM, demo: bool = False) -> list[str]:
    """Record providers and certificates granted before the registry existed (e.g. the 2020-2022 pilot
    certifications), with their real dates, items and status events, so answers for past dates are
    right. Idempotent: a certificate number already recorded is skipped. One transaction."""
    from registry.certification.history import HistoryFile

    try:
        history = HistoryFile.model_validate(document)
    except ValidationError as exc:
        raise invalid_body(exc) from None
    recorded: list[str] = []
    catalogue = await published_catalogue()
    async with write_transaction():
        for provider in history.providers:
            existing = (
                await Provider.select(Provider.id).where(Provider.business_number == provider.business_number).first()
            )
            if existing is None:
                provider_id = await insert_one(
                    Provider(
                        **provider.model_dump(exclude={"certificates"}),
                        status="verified",
                        verified_at=utcnow(),
                        created_at=utcnow(),
                        is_demo=demo,
                    )
                )
                await record(
                    actor,
                    "provider.recorded",
                    "provider",
                    provider_id,
                    after=provider.model_dump(mode="json", exclude={"certificates"}),
                )
            else:
                provider_id = existing["id"]
            for cert in provider.certificates:
                if await Certificate.exists().where(Certificate.number == cert.number):
                    continue
                unknown = sorted({i.code for i in cert.items} - catalogue.known_codes())
                if unknown:
                    raise ProblemError(
                        422,
                        "INVALID_BODY",
                        f"{cert.number}: unknown item codes {', '.join(unknown)}",
                        f"{cert.number}: 알 수 없는 항목 {', '.join(unknown)}",
                    )
                await issue_certificate(
                    actor,
                    provider_id=provider_id,
                    kind=cert.kind,
                    valid_from=cert.valid_from,
                    valid_until=cert.valid_until,
                    items=[(i.code, i.certified_from or cert.valid_from) for i in cert.items],
                    number=cert.number,
                    source="import",
                )
                row = await Certificate.select().where(Certificate.number == cert.number).first()
                for event in sorted(cert.events, key=lambda e: e.effective_date):
                    if event.kind is EventKind.items_added:
                        await _add_items(row, event.items, event.effective_date, None)
                    await _event(
                        actor,
                        row,
                        event.kind,
                        event.effective_date,
                        items=event.items,
                        ground=event.ground,
                        reason=event.reason,
                        valid_until=event.valid_until,
                    )
                recorded.append(cert.number)
            await _recheck(provider_id, actor, "records imported")
    return recorded
