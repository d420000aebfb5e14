"""The regulator console (`/console`): the evaluating agency's review and the ministry's decisions, the
organisations it verifies, the measures on certificates, the editions of the permitted list, and the
audit trail. Every action calls the service the JSON API calls, with the API's own input model; a
refusal is the service's, shown in the reader's language beside the field it names."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel

from registry.accounts.model import STAFF, Principal, Role
from registry.audit import service as audit
from registry.audit.model import EventFilter
from registry.catalog import service as catalogue_service
from registry.catalog.drafts import DraftEdit, DraftInput, PublishInput
from registry.catalog.queries import published_catalogue
from registry.certification import applications, certificates, decisions
from registry.certification.model import (
    GROUNDS,
    Action,
    ApplicationState,
    DecisionInput,
    EvaluationArea,
    EvaluationInput,
    HearingInput,
    HearingOutcome,
    InfoRequestInput,
    ReinstatementInput,
    RevocationInput,
    SuspensionInput,
    ground_texts,
    parse_states,
)
from registry.http.problems import render
from registry.kernel.clock import korean_day, today_in_korea
from registry.kernel.errors import DomainError, Expected, not_found
from registry.kernel.ids import is_record_id
from registry.panels import impact as edition_impact
from registry.providers import service as providers
from registry.web.i18n import Words
from registry.web.pages import FormProblem, page, parse_form, said, signed_in, words_for

Form = URLEncodedBody[dict[str, Any]]
STAFF_ROLES = tuple(sorted(STAFF))
QUEUE_PAGE = 50
AUDIT_PAGE = 50


# --- refusals as a form shows them -----------------------------------------------------------------------


def refused(words: Words, error: DomainError, prefix: str = "") -> FormProblem:
    """A service's refusal: its sentence on top and, in full, beside each field it names (the field's
    name as the form writes it, `prefix` first), so the reason reads in the reader's language there too."""
    sentence = said(words, error)
    return FormProblem(sentence, {f"{prefix}{e.field}": sentence for e in error.errors if e.field}, error.code)


def refusal_status(error: DomainError) -> int:
    """A conflict with the record as it is now (409, 412) re-renders as 409; any other refusal as 422."""
    return 409 if render(error)[0].status in (409, 412) else 422


def prefixed(problem: FormProblem, prefix: str) -> FormProblem:
    return FormProblem(problem.summary, {f"{prefix}{k}": v for k, v in problem.fields.items()}, problem.code)


def revision_read(data: dict[str, Any]) -> Expected:
    """The version the form was rendered with (its hidden `revision`), as If-Match carries it: a form
    without one matches no version, so it can never overwrite a change made meanwhile."""
    value = str(data.get("revision", "")).strip()
    return Expected(frozenset({int(value)}) if value.isdigit() and len(value) < 12 else frozenset())


def filled(data: dict[str, Any], names: tuple[str, ...], prefix: str = "") -> dict[str, str]:
    """The fields a user filled in (a blank optional field is left out, as an API client omits it)."""
    values = {name: str(data.get(prefix + name) or "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


def typed(data: dict[str, Any]) -> dict[str, str]:
    """What the user typed, to show it again (never the CSRF token)."""
    return {k: str(v) for k, v in data.items() if k != "_csrf_token"}


def cursor(value: int | None) -> int | None:
    """A paging cursor (a record's id or sequence number); one no record can have is no cursor."""
    return value if value is not None and is_record_id(value) else None


def version_of(etag: str | None) -> int | None:
    value = (etag or "").strip('"')
    return int(value) if value.isdigit() else None


def summary_of(value: Any, limit: int = 240) -> str:
    """An audit event's before/after in one line: `key: value; ...`, cut at `limit` characters."""
    if value in (None, {}, []):
        return ""
    if isinstance(value, dict):
        text = "; ".join(
            f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}" for k, v in value.items()
        )
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the review queue ---------------------------------------------------------------------------------------


@get("/console")
async def console_home(
    request: Request,
    states: Annotated[list[str] | None, QueryParameter(name="state", required=False)] = None,
    after: FromQuery[int | None] = None,
) -> Template:
    """The queue: every application (oldest first) with its provider, kind, items, state and waiting days."""
    principal = signed_in(request, *STAFF_ROLES)
    words = words_for(request)
    chosen = [s for s in (states or []) if s]
    problem = None
    try:
        wanted = parse_states(chosen)
    except DomainError as exc:
        problem, wanted, chosen = refused(words, exc), [], []
    listing = await applications.list_applications(
        principal, states=wanted, after_id=cursor(after) or 0, limit=QUEUE_PAGE
    )
    return page(
        request,
        "console/home.html",
        status_code=422 if problem else 200,
        rows=listing.rows,
        total=listing.total,
        next_after=listing.rows[-1].id if listing.more else None,
        chosen=chosen,
        states=[s.value for s in ApplicationState],
        problem=problem,
    )


# --- one application: review, evaluation, decision ------------------------------------------------------------


def role_refusal(words: Words, principal: Principal, role: Role) -> str:
    """The API's sentence for a user whose role may not do this (as its role guard says it)."""
    return said(words, DomainError("ROLE_NOT_ALLOWED", allowed=role.value, role=principal.role.value))


def decision_barrier(words: Words, principal: Principal, application) -> str | None:
    """Why this user cannot decide this application now, in the service's own sentence; None when they can.
    Whoever evaluated it may never decide it (separation of evaluation and decision)."""
    evaluation = application.evaluation
    if evaluation is not None and evaluation.reviewer_id == principal.user_id:
        return said(words, DomainError("DECIDER_IS_EVALUATOR"))
    if principal.role is not Role.regulator:
        return role_refusal(words, principal, Role.regulator)
    try:
        applications.transition({"state": application.state, "number": application.number}, Action.decide)
    except DomainError as exc:
        return said(words, exc)
    if evaluation is None:
        return said(words, DomainError("EVALUATION_REQUIRED"))
    return None


async def application_page(
    request: Request,
    principal: Principal,
    application_id: int,
    *,
    status_code: int = 200,
    problems: dict[str, FormProblem] | None = None,
    forms: dict[str, dict[str, str]] | None = None,
    stale: bool = False,
) -> Template:
    words = words_for(request)
    application = await applications.application_view(principal, application_id)
    history, _ = await audit.events(EventFilter(entity_type="application", entity_id=application.number), limit=100)
    return page(
        request,
        "console/application.html",
        status_code=status_code,
        app=application,
        history=history,
        areas=[a.value for a in EvaluationArea],
        barrier=decision_barrier(words, principal, application),
        problems=problems or {},
        forms=forms or {},
        stale=history[0] if stale and history else None,
        stale_shown=stale,
        is_regulator=principal.role is Role.regulator,
    )


async def _application(request: Request, number: str) -> tuple[Principal, int]:
    principal = signed_in(request, *STAFF_ROLES)
    return principal, await applications.resolve_application(principal, number)


@get("/console/applications/{number:str}")
async def application_detail(request: Request, number: FromPath[str]) -> Template:
    principal, application_id = await _application(request, number)
    return await application_page(request, principal, application_id)


def _back_to(number: str) -> Redirect:
    return Redirect(f"/console/applications/{number}", status_code=303)


@post("/console/applications/{number:str}/start-review", status_code=303)
async def application_start_review(request: Request, number: FromPath[str]) -> Template | Redirect:
    principal, application_id = await _application(request, number)
    try:
        done = await applications.start_review(principal, application_id)
    except DomainError as exc:
        problems = {"review": refused(words_for(request), exc)}
        return await application_page(
            request, principal, application_id, status_code=refusal_status(exc), problems=problems
        )
    return _back_to(done.number)


@post("/console/applications/{number:str}/request-info", status_code=303)
async def application_request_info(request: Request, number: FromPath[str], data: Form) -> Template | Redirect:
    principal, application_id = await _application(request, number)
    words = words_for(request)
    parsed = parse_form(InfoRequestInput, {"message": data.get("message", "")}, words)
    if not isinstance(parsed, FormProblem):
        try:
            return _back_to((await applications.request_info(principal, application_id, parsed.message)).number)
        except DomainError as exc:
            parsed = refused(words, exc)
    return await application_page(
        request, principal, application_id, status_code=422, problems={"info": parsed}, forms={"info": typed(data)}
    )


def evaluation_of(data: dict[str, Any]) -> dict[str, Any]:
    """The evaluation form as EvaluationInput reads it: a score and remarks for each of the five areas."""
    scores = {
        area.value: {
            "score": str(data.get(f"scores.{area.value}.score", "")).strip(),
            "remarks": data.get(f"scores.{area.value}.remarks", ""),
        }
        for area in EvaluationArea
    }
    return {"scores": scores, "recommendation": data.get("recommendation", ""), "remarks": data.get("remarks", "")}


@post("/console/applications/{number:str}/evaluation", status_code=303)
async def application_evaluation(request: Request, number: FromPath[str], data: Form) -> Template | Redirect:
    principal, application_id = await _application(request, number)
    words = words_for(request)
    parsed = parse_form(EvaluationInput, evaluation_of(data), words)
    if not isinstance(parsed, FormProblem):
        try:
            return _back_to((await applications.evaluate(principal, application_id, parsed)).number)
        except DomainError as exc:
            parsed = refused(words, exc)
    forms = {"evaluation": typed(data)}
    return await application_page(
        request, principal, application_id, status_code=422, problems={"evaluation": parsed}, forms=forms
    )


def decision_of(data: dict[str, Any]) -> dict[str, Any]:
    """The decision form as DecisionInput reads it: each requested item approved or rejected, with reasons."""
    items = []
    for index in range(600):
        code = data.get(f"items.{index}.code")
        if code is None:
            break
        items.append(
            {
                "code": code,
                "outcome": data.get(f"items.{index}.outcome", ""),
                "reason": data.get(f"items.{index}.reason", ""),
            }
        )
    return {"items": items}


@post("/console/applications/{number:str}/decision", status_code=303)
async def application_decision(request: Request, number: FromPath[str], data: Form) -> Template | Redirect:
    """The decision, on the version of the application the regulator read (the form's revision, as the
    API's If-Match): when someone changed it meanwhile, the page says so and what changed, the typed
    decision kept, to be confirmed on what the application says now."""
    principal = signed_in(request, Role.regulator)
    application_id = await applications.resolve_application(principal, number)
    words = words_for(request)
    parsed = parse_form(DecisionInput, decision_of(data), words)
    status, stale = 422, False
    if not isinstance(parsed, FormProblem):
        try:
            done = await decisions.decide(principal, application_id, parsed, revision_read(data))
            return _back_to(done.number)
        except DomainError as exc:
            parsed, status, stale = refused(words, exc), refusal_status(exc), exc.code == "PRECONDITION_FAILED"
    forms = {"decision": {k: v for k, v in typed(data).items() if k != "revision"}}
    return await application_page(
        request, principal, application_id, status_code=status, problems={"decision": parsed}, forms=forms, stale=stale
    )


# --- organisations -------------------------------------------------------------------------------------------


async def organisations_page(request: Request, *, status_code: int = 200, problem: FormProblem | None = None):
    principal = signed_in(request, *STAFF_ROLES)
    return page(
        request,
        "console/organisations.html",
        status_code=status_code,
        rows=[
            {
                **r,
                "registered_on": korean_day(r["created_at"]),
                "verified_on": r["verified_at"] and korean_day(r["verified_at"]),
            }
            for r in await providers.registered_providers()
        ],
        is_regulator=principal.role is Role.regulator,
        problem=problem,
    )


@get("/console/organisations")
async def organisations(request: Request) -> Template:
    return await organisations_page(request)


@post("/console/organisations/{provider_id:int}/verify", status_code=303)
async def organisation_verify(request: Request, provider_id: FromPath[int]) -> Template | Redirect:
    principal = signed_in(request, Role.regulator)
    try:
        await providers.verify_provider(principal, provider_id)
    except DomainError as exc:
        return await organisations_page(
            request, status_code=refusal_status(exc), problem=refused(words_for(request), exc)
        )
    return Redirect(f"/console/organisations#p-{provider_id}", status_code=303)


# --- certificates and the measures of the Act -----------------------------------------------------------------

# Each measure: its input model (the API's), the service that records it, and the form's fields.
MEASURES: dict[str, tuple[type[BaseModel], Any, tuple[str, ...]]] = {
    "suspend": (
        SuspensionInput,
        certificates.suspend_certificate,
        ("reason", "ground", "effective_date", "until", "surcharge_instead"),
    ),
    "hearing": (HearingInput, certificates.record_hearing, ("held_on", "outcome", "note")),
    "revoke": (RevocationInput, certificates.revoke_certificate, ("reason", "ground", "effective_date")),
    "reinstate": (ReinstatementInput, certificates.reinstate_certificate, ("reason", "effective_date")),
}


async def certificate_page(
    request: Request,
    number: str,
    *,
    status_code: int = 200,
    problems: dict[str, FormProblem] | None = None,
    forms: dict[str, dict[str, str]] | None = None,
) -> Template:
    principal = signed_in(request, *STAFF_ROLES)
    words = words_for(request)
    today = today_in_korea()
    certificate = await certificates.verify_certificate(number, today)
    if certificate.result == "unknown":
        raise not_found("certificate", number)
    history = await certificates.certificate_history(number)
    return page(
        request,
        "console/certificate.html",
        status_code=status_code,
        cert=certificate,
        history=history.events,
        revision=version_of(certificate.etag),
        grounds=[(n, words.pick(ground_texts(n)["ground_ko"], ground_texts(n)["ground_en"])) for n in sorted(GROUNDS)],
        outcomes=[o.value for o in HearingOutcome],
        today=today.isoformat(),
        is_regulator=principal.role is Role.regulator,
        measures_barrier=role_refusal(words, principal, Role.regulator),
        problems=problems or {},
        forms=forms or {},
    )


@get("/console/certificates")
async def certificate_lookup(request: Request, number: FromQuery[str | None] = None) -> Redirect:
    """The console's certificate lookup (a GET form): to the certificate's page."""
    signed_in(request, *STAFF_ROLES)
    wanted = (number or "").strip().upper()
    return Redirect(f"/console/certificates/{quote(wanted)}" if wanted else "/console", status_code=303)


@get("/console/certificates/{number:str}")
async def certificate_detail(request: Request, number: FromPath[str]) -> Template:
    return await certificate_page(request, number.strip().upper())


@post("/console/certificates/{number:str}/{measure:str}", status_code=303)
async def certificate_measure(
    request: Request, number: FromPath[str], measure: FromPath[str], data: Form
) -> Template | Redirect:
    """Suspend (or a surcharge instead), record a hearing, revoke, reinstate: on the certificate's version
    the form was rendered with."""
    principal = signed_in(request, Role.regulator)
    number = number.strip().upper()
    if measure not in MEASURES:
        raise not_found("certificate", f"{number}/{measure}")
    model, record, names = MEASURES[measure]
    words = words_for(request)
    prefix = f"{measure}."
    parsed = parse_form(model, filled(data, names, prefix), words)
    if isinstance(parsed, FormProblem):
        problem, status = prefixed(parsed, prefix), 422
    else:
        try:
            await record(principal, number, parsed, revision_read(data))
            return Redirect(f"/console/certificates/{number}", status_code=303)
        except DomainError as exc:
            problem, status = refused(words, exc, prefix), refusal_status(exc)
    forms = {measure: {k.removeprefix(prefix): v for k, v in typed(data).items()}}
    return await certificate_page(request, number, status_code=status, problems={measure: problem}, forms=forms)


# --- editions of the permitted list ---------------------------------------------------------------------------

# The texts a new draft states (DraftInput) and those of a draft that can be edited here (DraftEdit).
TEXT_FIELDS = ("title_ko", "title_en", "legal_basis_ko", "legal_basis_en", "announced_total")
DRAFT_FIELDS = ("version", "base", *TEXT_FIELDS, "notes")
EDIT_FIELDS = (
    *TEXT_FIELDS,
    "announced_total_qualifier",
    "announced_on",
    "effective_from",
    "notes",
)
NO_ITEM_CHANGES: dict[str, list] = {"add": [], "withdraw": [], "replace": []}


async def editions_page(
    request: Request,
    *,
    status_code: int = 200,
    problem: FormProblem | None = None,
    form: dict | None = None,
    published: str | None = None,
) -> Template:
    catalogue = await published_catalogue()
    in_force = catalogue.in_force(today_in_korea())
    return page(
        request,
        "console/editions.html",
        status_code=status_code,
        editions=catalogue.newest_first(),
        in_force=in_force.version if in_force else None,
        drafts=await catalogue_service.list_drafts(),
        problem=problem,
        form=form or {},
        published=published,
    )


@get("/console/editions")
async def editions(request: Request, published: FromQuery[str | None] = None) -> Template:
    signed_in(request, Role.regulator)
    return await editions_page(request, published=published)


@post("/console/editions", status_code=303)
async def edition_draft_create(request: Request, data: Form) -> Template | Redirect:
    """A new draft edition, as POST /api/v1/catalog/versions makes it (texts only; items are edited later)."""
    principal = signed_in(request, Role.regulator)
    words = words_for(request)
    parsed = parse_form(DraftInput, filled(data, DRAFT_FIELDS), words)
    if not isinstance(parsed, FormProblem):
        texts = parsed.model_dump(include={*TEXT_FIELDS, "notes"}, exclude_none=True)
        try:
            draft = await catalogue_service.create_draft(
                principal.actor,
                version=parsed.version.isoformat(),
                base_version=parsed.base,
                changes=NO_ITEM_CHANGES,
                texts=texts,
            )
            return Redirect(f"/console/editions/{draft.version}", status_code=303)
        except DomainError as exc:
            parsed = refused(words, exc)
    return await editions_page(request, status_code=422, problem=parsed, form=typed(data))


async def draft_page(
    request: Request,
    version: str,
    *,
    status_code: int = 200,
    problem: FormProblem | None = None,
    form: dict | None = None,
    stale: bool = False,
) -> Template:
    draft = await catalogue_service.get_draft(version)
    if draft is None or draft.state != "open":
        raise DomainError("VERSION_NOT_FOUND.draft", version=version)
    current = {name: draft.content.get(name) for name in EDIT_FIELDS}
    return page(
        request,
        "console/draft.html",
        status_code=status_code,
        draft=draft,
        current={k: "" if v is None else str(v) for k, v in current.items()},
        fields=EDIT_FIELDS,
        form=form,
        problem=problem,
        stale=stale,
    )


@get("/console/editions/{version:str}")
async def edition_draft(request: Request, version: FromPath[str]) -> Template:
    signed_in(request, Role.regulator)
    return await draft_page(request, version)


@post("/console/editions/{version:str}", status_code=303)
async def edition_draft_edit(request: Request, version: FromPath[str], data: Form) -> Template | Redirect:
    """Edit an open draft on the revision the form was rendered with (as PATCH with If-Match): a draft
    changed meanwhile is refused and the page shows its current values beside what the user typed."""
    principal = signed_in(request, Role.regulator)
    words = words_for(request)
    parsed = parse_form(DraftEdit, filled(data, EDIT_FIELDS), words)
    status, stale = 422, False
    if not isinstance(parsed, FormProblem):
        texts = parsed.model_dump(
            mode="json", exclude_none=True, exclude={"add", "withdraw", "replace"}, include=parsed.model_fields_set
        )
        try:
            await catalogue_service.edit_draft(
                principal.actor,
                version,
                texts=texts,
                changes=NO_ITEM_CHANGES,
                expected=revision_read(data),
                today=today_in_korea(),
            )
            return Redirect(f"/console/editions/{version}", status_code=303)
        except DomainError as exc:
            parsed, status, stale = refused(words, exc), refusal_status(exc), exc.code == "PRECONDITION_FAILED"
    return await draft_page(request, version, status_code=status, problem=parsed, form=typed(data), stale=stale)


async def impact_page(
    request: Request, version: str, *, status_code: int = 200, problem: FormProblem | None = None, form=None
) -> Template:
    draft = await catalogue_service.get_draft(version)
    if draft is None or draft.state != "open":
        raise DomainError("VERSION_NOT_FOUND.draft", version=version)
    names = {r["id"]: (r["name_ko"], r["name_en"]) for r in await providers.registered_providers()}
    return page(
        request,
        "console/impact.html",
        status_code=status_code,
        draft=draft,
        impact=await edition_impact.impact(version),
        providers=names,
        problem=problem,
        form=form or {},
    )


@get("/console/editions/{version:str}/impact")
async def edition_impact_page(request: Request, version: FromPath[str]) -> Template:
    """What publishing the draft would change (the impact endpoint's analysis): the confirmation step."""
    signed_in(request, Role.regulator)
    return await impact_page(request, version)


@post("/console/editions/{version:str}/publish", status_code=303)
async def edition_publish(request: Request, version: FromPath[str], data: Form) -> Template | Redirect:
    principal = signed_in(request, Role.regulator)
    words = words_for(request)
    parsed = parse_form(PublishInput, filled(data, ("effective_from",)), words)
    if not isinstance(parsed, FormProblem):
        try:
            report = await catalogue_service.publish_draft(
                principal.actor, version, effective_from=parsed.effective_from, today=today_in_korea()
            )
            return Redirect(f"/console/editions?published={report.imported[0]}", status_code=303)
        except DomainError as exc:
            parsed = refused(words, exc)
    return await impact_page(request, version, status_code=422, problem=parsed, form=typed(data))


# --- the audit trail ---------------------------------------------------------------------------------------------

AUDIT_FILTERS = ("entity_type", "entity_id", "action", "actor_id", "since", "until")


@get("/console/audit")
async def audit_trail(
    request: Request,
    entity_type: FromQuery[str | None] = None,
    entity_id: FromQuery[str | None] = None,
    action: FromQuery[str | None] = None,
    actor_id: FromQuery[str | None] = None,
    since: FromQuery[str | None] = None,
    until: FromQuery[str | None] = None,
    before: FromQuery[int | None] = None,
) -> Template:
    """Audit events newest first, filtered as GET /api/v1/audit filters them (the same names)."""
    signed_in(request, Role.regulator)
    words = words_for(request)
    asked = {"entity_type": entity_type, "entity_id": entity_id, "action": action, "actor_id": actor_id}
    form = filled({**asked, "since": since, "until": until}, AUDIT_FILTERS)
    fields: dict[str, str] = {}

    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(form[name]) if name in form else None
        except ValueError:
            fields[name] = words("field_error.date_parsing")
            return None

    actor = form.get("actor_id", "")
    if actor and not (actor.isdigit() and len(actor) < 11 and is_record_id(int(actor))):
        fields["actor_id"] = words("field_error.int_parsing")
    filters = EventFilter(
        entity_type=form.get("entity_type"),
        entity_id=form.get("entity_id"),
        action=form.get("action"),
        actor_id=int(actor) if actor and "actor_id" not in fields else None,
        since=day("since"),
        until=day("until"),
    )
    problem = FormProblem(words("form.invalid", count=len(fields)), fields) if fields else None
    rows, total = ([], 0) if problem else await audit.events(filters, before_seq=cursor(before), limit=AUDIT_PAGE + 1)
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    events = [{**r, "before_text": summary_of(r["before"]), "after_text": summary_of(r["after"])} for r in rows]
    return page(
        request,
        "console/audit.html",
        status_code=422 if problem else 200,
        events=events,
        total=total,
        form=form,
        problem=problem,
        next_before=rows[-1]["seq"] if more else None,
    )


ROUTES = [
    console_home,
    application_detail,
    application_start_review,
    application_request_info,
    application_evaluation,
    application_decision,
    organisations,
    organisation_verify,
    certificate_lookup,
    certificate_detail,
    certificate_measure,
    editions,
    edition_draft_create,
    edition_draft,
    edition_draft_edit,
    edition_impact_page,
    edition_publish,
    audit_trail,
]
