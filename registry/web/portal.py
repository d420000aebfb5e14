"""The provider portal (`/portal`): sign up, sign in and out, and a provider's own work — its dashboard,
applications from draft to answer, registered panels, and batch checks of panel files.

Every page calls the same use case the JSON API calls, with the same input model; the forms only turn
fields into that model's shape and a refusal back into reasons beside the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template

from registry.accounts.model import Principal, Role
from registry.accounts.service import issue_token, revoke_token
from registry.catalog.model import Category, EntryFile
from registry.catalog.queries import published_catalogue
from registry.certification import applications
from registry.certification.model import ApplicationContent, ApplicationKind
from registry.certification.schemas import ApplicationOut, DryRunOut
from registry.http.client import client_address, trusted_networks
from registry.http.params import parse_date
from registry.http.problems import problem_catalogue, render
from registry.http.security import BATCH_BODY_MAX
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError, Expected, check_version
from registry.panels import batch
from registry.panels import service as panels
from registry.panels.model import PanelRegistration
from registry.providers.model import RegistrationInput
from registry.providers.service import provider_public, register_provider
from registry.web.i18n import Words
from registry.web.pages import FormProblem, domain_problem, local_path, page, parse_form, signed_in, words_for
from registry.web.session import end_session, session_token, start_session

Form = URLEncodedBody[dict[str, Any]]


def _home_of(role: str) -> str:
    return "/portal" if role == "provider" else "/console"


def _status_of(error: DomainError) -> int:
    return render(error)[0].status


def _values(data: dict[str, Any]) -> dict[str, str]:
    """A form's single-valued fields as text (a repeated field keeps its last value)."""
    return {k: str(v[-1] if isinstance(v, list) else v) for k, v in data.items() if k != "_csrf_token"}


def _many(data: dict[str, Any], name: str) -> list[str]:
    """A field a form may repeat (checkboxes), in order, each value once."""
    value = data.get(name)
    listed = value if isinstance(value, list) else [] if value is None else [value]
    return list(dict.fromkeys(str(v).strip() for v in listed if str(v).strip()))


def _split(text: str) -> list[str]:
    """Symbols typed into one box, separated by spaces, commas or semicolons."""
    return [part for part in re.split(r"[\s,;]+", text.strip()) if part]


# --- signing in and up ------------------------------------------------------------------------------------


@get("/portal/sign-in", sync_to_thread=False)
def sign_in_form(request: Request, next: FromQuery[str | None] = None) -> Template:
    return page(request, "portal/sign_in.html", form={"email": ""}, next=local_path(next, ""), problem=None)


@post("/portal/sign-in", status_code=303)
async def sign_in(request: Request, data: Form) -> Template | Redirect:
    """The API's own token, kept in an HttpOnly cookie; a refusal shows the form again, e-mail kept."""
    words = words_for(request)
    email, password = str(data.get("email", "")).strip(), str(data.get("password", ""))
    next_path = local_path(str(data.get("next", "")), "")
    missing = {
        name: words("field_error.missing") for name, value in (("email", email), ("password", password)) if not value
    }
    problem: FormProblem | None = FormProblem(words("form.invalid", count=len(missing)), missing) if missing else None
    if problem is None:
        settings = request.app.state.settings
        try:
            issued = await issue_token(
                email,
                password,
                secret_key=settings.secret_key,
                ttl_minutes=settings.token_ttl_minutes,
                client=client_address(request.scope, trusted_networks(settings.trusted_proxies)),
            )
        except DomainError as exc:
            problem = domain_problem(words, exc)
        else:
            target = next_path or _home_of(issued.principal.role.value)
            response = Redirect(target, status_code=303)
            return start_session(response, issued, secure=request.url.scheme == "https")  # type: ignore[return-value]
    return page(request, "portal/sign_in.html", status_code=422, form={"email": email}, next=next_path, problem=problem)


@post("/sign-out", status_code=303)
async def sign_out(request: Request) -> Redirect:
    token = session_token(request)
    if token:
        await revoke_token(token, request.app.state.settings.secret_key)
    return end_session(Redirect("/", status_code=303))  # type: ignore[return-value]


# The registration form's fields, named by their place in RegistrationInput (so a refusal finds its field).
ORGANISATION_FIELDS = (
    "name_ko",
    "name_en",
    "business_number",
    "institution_report_number",
    "representative",
    "contact_email",
    "contact_phone",
    "address",
)
USER_FIELDS = ("email", "display_name")


@get("/portal/sign-up", sync_to_thread=False)
def sign_up_form(request: Request) -> Template:
    return page(request, "portal/sign_up.html", form={}, problem=None)


@post("/portal/sign-up", status_code=200)
async def sign_up(request: Request, data: Form) -> Template:
    """A new organisation and its first user, as POST /api/v1/providers/register takes them."""
    words = words_for(request)
    values = _values(data)
    # A blank box is left out: the model then says it is required (or takes its default).
    body = {
        "organisation": {n: v for n in ORGANISATION_FIELDS if (v := values.get(f"organisation.{n}", "")).strip()},
        "user": {n: v for n in (*USER_FIELDS, "password") if (v := values.get(f"user.{n}", "")).strip()},
    }
    kept = {k: v for k, v in values.items() if k != "user.password"}
    parsed = parse_form(RegistrationInput, body, words)
    if isinstance(parsed, FormProblem):
        return page(request, "portal/sign_up.html", status_code=422, form=kept, problem=parsed)
    try:
        registered = await register_provider(parsed)
    except DomainError as exc:
        return page(request, "portal/sign_up.html", status_code=422, form=kept, problem=domain_problem(words, exc))
    message = words.pick(registered.message_ko, registered.message_en)
    return page(request, "portal/signed_up.html", message=message, email=parsed.user.email)


# --- the dashboard ------------------------------------------------------------------------------------------


@get("/portal")
async def portal_home(request: Request) -> Template:
    principal = signed_in(request, Role.provider)
    provider = await provider_public(principal.provider_id, today_in_korea(), include_unverified=True)  # type: ignore[arg-type]
    listed = await applications.list_applications(principal, states=[], after_id=0, limit=APPLICATIONS_SHOWN)
    return page(
        request,
        "portal/home.html",
        principal=principal,
        provider=provider,
        applications=listed,
        panels=await panels.list_panels(principal),
    )


APPLICATIONS_SHOWN = 200  # an organisation files a few a year; the dashboard lists them all


# --- applications -------------------------------------------------------------------------------------------

# The accuracy boxes of an item, by the Accuracy field each fills.
ACCURACY_FIELDS = {
    "method": "method",
    "samples": "samples",
    "concordance": "concordance_percent",
    "sensitivity": "sensitivity_percent",
    "specificity": "specificity_percent",
}
ITEM_FIELDS = ("genes", "markers", "evidence", *ACCURACY_FIELDS, "validation_ref")


def _evidence(text: str) -> list[dict]:
    """One line per marker: `marker: reference, reference` (PMID:12345 or a DOI)."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        marker, _, refs = line.partition(":")
        out.append({"marker": marker.strip(), "references": [r.strip() for r in re.split(r"[,;]", refs) if r.strip()]})
    return out


def content_body(values: dict[str, str], picked: list[str], proposals: list[dict]) -> dict:
    """The ApplicationContent the form's fields spell: each picked item with its markers, evidence and
    accuracy; proposals the page does not edit are carried over as they are."""
    items = []
    for code in picked:

        def box(name: str, code: str = code) -> str:
            return values.get(f"{code}.{name}", "").strip()

        item: dict[str, Any] = {
            "code": code,
            "genes": _split(box("genes")),
            "markers": _split(box("markers")),
            "evidence": _evidence(box("evidence")),
            "accuracy": {key: box(name) for name, key in ACCURACY_FIELDS.items() if box(name)},
        }
        if box("validation_ref"):
            item["validation_ref"] = box("validation_ref")
        items.append(item)
    body: dict[str, Any] = {
        "kind": values.get("kind") or ApplicationKind.initial.value,
        "items": items,
        "proposals": proposals,
        "note": values.get("note", ""),
    }
    if values.get("certificate_number", "").strip():
        body["certificate_number"] = values["certificate_number"].strip()
    return body


def _item_box(rest: list[str]) -> str:
    """The box of an item a refused part of the model belongs to."""
    if rest and rest[0] == "accuracy":
        fields = {key: name for name, key in ACCURACY_FIELDS.items()}
        return fields.get(rest[1], "method") if len(rest) > 1 else "method"
    if rest and rest[0] in ITEM_FIELDS:
        return rest[0]
    return "markers"  # the item's own check: a marker that is neither a gene symbol nor an rsID


def on_the_form(problem: FormProblem, picked: list[str]) -> FormProblem:
    """A refusal of ApplicationContent with its reasons moved to the boxes they are about."""
    fields: dict[str, str] = {}
    for name, reason in problem.fields.items():
        parts = name.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(picked):
            name = f"{picked[int(parts[1])]}.{_item_box(parts[2:])}"
        elif parts[0] in ("items", "proposals"):
            name = "_form"
        fields.setdefault(name, reason)
    return FormProblem(problem.summary, fields, problem.code)


def _proposals_of(view: ApplicationOut | None) -> list[dict]:
    """New items an application proposes (filed through the API), kept as they are when the page saves."""
    if view is None:
        return []
    return [
        {
            "code": i.code,
            "genes": i.genes,
            "markers": i.markers,
            "evidence": i.evidence,
            "accuracy": i.accuracy,
            "validation_ref": i.validation_ref,
            **(i.proposal or {}),  # its names, category, tier and rationale
        }
        for i in view.items
        if i.proposal
    ]


def values_of(view: ApplicationOut) -> tuple[dict[str, str], list[str]]:
    """An application's content as the form's boxes show it."""
    values = {"kind": view.kind, "certificate_number": view.certificate_number or "", "note": view.note}
    picked = []
    for item in view.items:
        if item.proposal:
            continue
        picked.append(item.code)
        values[f"{item.code}.genes"] = " ".join(item.genes)
        values[f"{item.code}.markers"] = " ".join(item.markers)
        values[f"{item.code}.evidence"] = "\n".join(
            f"{e['marker']}: {', '.join(e['references'])}" for e in item.evidence
        )
        for name, key in ACCURACY_FIELDS.items():
            value = item.accuracy.get(key)
            values[f"{item.code}.{name}"] = "" if value is None else str(value)
        values[f"{item.code}.validation_ref"] = item.validation_ref or ""
    return values, picked


@dataclass
class Editor:
    """What the application form shows: the scope to pick from, what was typed, and what a check found."""

    values: dict[str, str]
    picked: list[str]
    scope: list[tuple[str, list[EntryFile]]]
    names: dict[str, EntryFile]
    certificates: list[str]
    problem: FormProblem | None = None
    checked: bool = False
    valid: bool = False
    refusal: str | None = None  # what stops the application, when no finding says it
    findings: dict[str, list[dict]] = field(default_factory=dict)  # by item code ("" for the whole application)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


async def _editor(principal: Principal, values: dict[str, str], picked: list[str]) -> Editor:
    """The items of the edition in force today, by category; an item already picked that the edition
    no longer lists stays at the end, so nothing typed is silently dropped."""
    day = today_in_korea()
    edition = (await published_catalogue()).in_force(day)
    entries = edition.listed() if edition else []
    names = {e.code: e for e in entries}
    scope = [(c.value, [e for e in entries if e.category is c]) for c in Category]
    scope = [(category, listed) for category, listed in scope if listed]
    provider = await provider_public(principal.provider_id, day, include_unverified=True)  # type: ignore[arg-type]
    return Editor(values, picked, scope, names, [c.number for c in provider.certificates])


def _found(editor: Editor, findings: list[dict]) -> None:
    for finding in findings:
        code = finding.get("item") or ""
        editor.findings.setdefault(code if code in editor.picked else "", []).append(finding)


def _dry_run_result(editor: Editor, words: Words, dry: DryRunOut) -> None:
    editor.checked, editor.valid = True, dry.valid
    _found(editor, dry.findings)
    if not dry.valid and not dry.findings and dry.problem:
        entry = problem_catalogue().codes.get(dry.problem)
        editor.refusal = words.pick(entry.title_ko, entry.title_en) if entry else dry.problem


def _form_of(data: dict[str, Any]) -> tuple[dict[str, str], list[str], str]:
    values = _values(data)
    return values, _many(data, "item"), values.pop("action", "check")


@get("/portal/applications/new")
async def new_application(request: Request) -> Template:
    principal = signed_in(request, Role.provider)
    editor = await _editor(principal, {"kind": ApplicationKind.initial.value}, [])
    return page(request, "portal/application_new.html", editor=editor)


@post("/portal/applications/new", status_code=200)
async def file_application(request: Request, data: Form) -> Template | Redirect:
    """Pick items, check (the API's dry run: nothing kept), save a draft, or save and submit it."""
    principal = signed_in(request, Role.provider)
    words = words_for(request)
    values, picked, action = _form_of(data)
    editor = await _editor(principal, values, picked)
    if action == "pick":
        return page(request, "portal/application_new.html", editor=editor)
    parsed = parse_form(ApplicationContent, content_body(values, picked, []), words)
    if isinstance(parsed, FormProblem):
        editor.problem = on_the_form(parsed, picked)
        return page(request, "portal/application_new.html", status_code=422, editor=editor)
    try:
        if action == "check":
            dry = await applications.create_application(principal, parsed, dry_run=True)
            _dry_run_result(editor, words, dry)  # type: ignore[arg-type]
            return page(request, "portal/application_new.html", editor=editor)
        created = await applications.create_application(principal, parsed)
    except DomainError as exc:
        editor.problem = domain_problem(words, exc)
        return page(request, "portal/application_new.html", status_code=422, editor=editor)
    assert isinstance(created, ApplicationOut)
    if action == "submit":
        try:
            await applications.submit_application(principal, created.id, response="")
        except DomainError as exc:
            # Saved as a draft, not submitted: its own page, with everything typed and what stops it.
            editor.problem = domain_problem(words, exc)
            _found(editor, exc.extra.get("findings", []))
            editor.values["revision"] = str(created.version)
            return page(request, "portal/application.html", status_code=422, application=created, editor=editor)
    return Redirect(f"/portal/applications/{created.number}", status_code=303)


@post("/portal/applications/check", status_code=200)
async def check_application(request: Request, data: Form) -> Template:
    """The check as the user types (htmx): the dry run's findings beside each item, nothing kept."""
    principal = signed_in(request, Role.provider)
    words = words_for(request)
    values, picked, _ = _form_of(data)
    editor = await _editor(principal, values, picked)
    parsed = parse_form(ApplicationContent, content_body(values, picked, []), words)
    if isinstance(parsed, FormProblem):
        editor.problem = on_the_form(parsed, picked)
    else:
        try:
            dry = await applications.create_application(principal, parsed, dry_run=True)
            _dry_run_result(editor, words, dry)  # type: ignore[arg-type]
        except DomainError as exc:
            editor.problem = domain_problem(words, exc)
    return page(request, "portal/check_fragment.html", editor=editor)


async def _application(principal: Principal, number: str) -> ApplicationOut:
    return await applications.application_view(principal, await applications.resolve_application(principal, number))


@get("/portal/applications/{number:str}")
async def application_page(request: Request, number: FromPath[str]) -> Template:
    principal = signed_in(request, Role.provider)
    view = await _application(principal, number)
    values, picked = values_of(view)
    editor = await _editor(principal, {**values, "revision": str(view.version)}, picked)
    return page(request, "portal/application.html", application=view, editor=editor)


@post("/portal/applications/{number:str}", status_code=200)
async def act_on_application(request: Request, number: FromPath[str], data: Form) -> Template | Redirect:
    """Edit (save, check), submit or answer an information request, or withdraw — each against the
    revision the form was read at: a change made meanwhile is refused, not overwritten."""
    principal = signed_in(request, Role.provider)
    words = words_for(request)
    view = await _application(principal, number)
    values, picked, action = _form_of(data)
    revision = values.get("revision", "")
    expected = Expected(frozenset({int(revision)}) if revision.isdigit() else frozenset())
    editor = await _editor(principal, values, picked)

    def again(status_code: int = 200) -> Template:
        return page(request, "portal/application.html", status_code=status_code, application=view, editor=editor)

    try:
        if action == "withdraw":
            check_version(expected, view.version, "application")
            await applications.withdraw_application(principal, view.id, values.get("reason", "").strip())
            return Redirect(f"/portal/applications/{view.number}", status_code=303)
        if action == "pick":
            return again()
        parsed = parse_form(ApplicationContent, content_body(values, picked, _proposals_of(view)), words)
        if isinstance(parsed, FormProblem):
            editor.problem = on_the_form(parsed, picked)
            return again(422)
        if action == "check":
            _dry_run_result(editor, words, await applications.create_application(principal, parsed, dry_run=True))  # type: ignore[arg-type]
            return again()
        await applications.replace_application(principal, view.id, parsed, expected)
        if action == "submit":
            await applications.submit_application(principal, view.id, response=values.get("response", "").strip())
    except DomainError as exc:
        view = await _application(principal, number)  # what it is now
        if action == "withdraw":  # its form holds no content: the editor shows the application's
            values, picked = values_of(view)
            editor = await _editor(principal, values, picked)
        editor.problem = domain_problem(words, exc)
        _found(editor, exc.extra.get("findings", []))
        editor.values["revision"] = str(view.version)
        editor.values.pop("reason", None)
        return again(_status_of(exc) if exc.code == "PRECONDITION_FAILED" else 422)
    return Redirect(f"/portal/applications/{view.number}", status_code=303)


# --- panels ---------------------------------------------------------------------------------------------------

PANEL_ROWS = 3  # empty item rows the form offers; "more rows" adds some


def _panel_rows(values: dict[str, str]) -> int:
    used = [int(m.group(1)) for k in values if (m := re.fullmatch(r"items\.(\d+)\.code", k))]
    return max(PANEL_ROWS, (max(used) + 1) if used else 0)


def panel_body(values: dict[str, str], rows: int) -> dict:
    """PanelRegistration from the form: the rows with an item code, genes and markers split."""
    items = []
    for n in range(rows):
        code = values.get(f"items.{n}.code", "").strip()
        if code:
            items.append(
                {
                    "code": code,
                    "genes": _split(values.get(f"items.{n}.genes", "")),
                    "markers": _split(values.get(f"items.{n}.markers", "")),
                }
            )
    body = {"target": values.get("target") or "adult", "claims": values.get("claims", ""), "items": items}
    if values.get("name", "").strip():
        body["name"] = values["name"]
    return body


async def _panels_page(
    request: Request, principal: Principal, values: dict[str, str], rows: int, problem=None, status_code: int = 200
) -> Template:
    listed = await panels.list_panels(principal)
    return page(
        request,
        "portal/panels.html",
        status_code=status_code,
        panels=listed,
        form=values,
        rows=rows,
        problem=problem,
    )


@get("/portal/panels")
async def panels_page(request: Request) -> Template:
    principal = signed_in(request, Role.provider)
    return await _panels_page(request, principal, {"target": "adult"}, PANEL_ROWS)


@post("/portal/panels", status_code=303)
async def register_panel(request: Request, data: Form) -> Template | Redirect:
    principal = signed_in(request, Role.provider)
    words = words_for(request)
    values = _values(data)
    rows = _panel_rows(values)
    if values.pop("action", "") == "more":
        return await _panels_page(request, principal, values, rows + PANEL_ROWS)
    # A refused item row is named by its place among the rows sent: keep the rows as typed.
    filled = [n for n in range(rows) if values.get(f"items.{n}.code", "").strip()]
    parsed = parse_form(PanelRegistration, panel_body(values, rows), words)
    if isinstance(parsed, FormProblem):
        moved = {}
        for name, reason in parsed.fields.items():
            parts = name.split(".")
            if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(filled):
                name = f"items.{filled[int(parts[1])]}.{parts[2] if len(parts) > 2 else 'code'}"
            elif parts[0] == "items":
                name = "items.0.code"
            moved.setdefault(name, reason)
        problem = FormProblem(parsed.summary, moved, parsed.code)
        return await _panels_page(request, principal, values, rows, problem, 422)
    try:
        registered = await panels.register_panel(principal, parsed)
    except DomainError as exc:
        return await _panels_page(request, principal, values, rows, domain_problem(words, exc), 422)
    return Redirect(f"/portal/panels#panel-{registered.id}", status_code=303)


@post("/portal/panels/{panel_id:int}/check", status_code=303)
async def recheck_panel(request: Request, panel_id: FromPath[int]) -> Redirect:
    principal = signed_in(request, Role.provider)
    await panels.recheck_on_request(principal, panel_id)
    return Redirect(f"/portal/panels#panel-{panel_id}", status_code=303)


# --- batch checks -----------------------------------------------------------------------------------------------


@get("/portal/batch")
async def batch_page(request: Request) -> Template:
    signed_in(request, Role.provider)
    return page(request, "portal/batch.html", form={}, problem=None, summary=None)


@post("/portal/batch", status_code=200, request_max_body_size=BATCH_BODY_MAX)
async def check_batch(request: Request, data: MultipartBody[dict[str, Any]]) -> Template | Response:
    """A CSV file of panel items, checked as POST /api/v1/panels/check-batch checks it: a summary on the
    page, or the results file itself."""
    principal = signed_in(request, Role.provider)
    words = words_for(request)
    upload = data.get("file")
    as_of = str(data.get("as_of") or "").strip()
    form = {"as_of": as_of}
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        problem = FormProblem(words("form.invalid", count=1), {"file": words("field_error.missing")})
        return page(request, "portal/batch.html", status_code=422, form=form, problem=problem, summary=None)
    try:
        day = parse_date("as_of", as_of) if as_of else None
        out, summary = await batch.check_batch(principal, content, "csv", as_of=day)
    except DomainError as exc:
        return page(
            request, "portal/batch.html", status_code=422, form=form, problem=domain_problem(words, exc), summary=None
        )
    if data.get("action") == "download":
        return Response(
            batch.write_batch(out, "csv"),
            media_type=batch.BATCH_FORMATS["csv"],
            headers={
                "Content-Disposition": 'attachment; filename="panel-check-results.csv"',
                "X-Panels": str(summary.panels),
                "X-Panels-Permitted": str(summary.permitted),
                "X-Rows": str(summary.rows),
                "X-Findings": str(summary.findings),
                "Cache-Control": "no-store",
            },
        )
    return page(request, "portal/batch.html", form=form, problem=None, summary=summary)


ROUTES = [
    sign_in_form,
    sign_in,
    sign_out,
    sign_up_form,
    sign_up,
    portal_home,
    new_application,
    file_application,
    check_application,
    application_page,
    act_on_application,
    panels_page,
    register_panel,
    recheck_panel,
    batch_page,
    check_batch,
]
