"""The regulator console over HTTP: the queue, a review through its forms (five areas), the decision and
its guards (separation of evaluation and decision, a decision on a stale revision), organisations,
certificate measures, editions with their impact, and the audit trail; in both languages."""

from __future__ import annotations

import datetime as dt
import html
import re

from registry.accounts.model import Role
from registry.accounts.service import create_user
from registry.catalog import urls as catalog_urls
from registry.catalog.service import import_catalogue
from registry.certification import urls as certification_urls
from registry.kernel.clock import today_in_korea
from registry.providers import urls as providers_urls
from tests.conftest import rules_path
from tests.web.forms import CSRF, csrf_of, sign_in_through_page
from tests.workflow import (
    EVALUATION,
    PASSWORD,
    announcement,
    certify,
    create_application,
    evidence_item,
    make_staff,
    register_lab,
    through_review,
    unique,
)

ENGLISH = {"Accept-Language": "en"}
AREAS = (
    "accuracy_proficiency",
    "item_appropriateness_evidence",
    "advertising_result_delivery",
    "personal_information_protection",
    "facilities_personnel_management",
)


async def signed_in_as(client, role: Role) -> tuple[str, int]:
    """A new staff user, signed in through the page form (the session cookie); its e-mail and id."""
    email = f"{unique(role.value)}@staff.example"
    user_id = await create_user(email, role.value.title(), role, PASSWORD)
    await sign_in_through_page(client, email)
    return email, user_id


def text_of(page) -> str:
    return html.unescape(page.text)


async def submitted(client, lab, codes=("NUT-VITD",)) -> dict:
    app = await create_application(client, lab, [evidence_item(c) for c in codes])
    r = await client.post(certification_urls.submit(app["id"]), headers=lab.headers)
    assert r.status_code == 200, r.text
    return app


async def test_the_queue_lists_a_submitted_application_with_its_provider_and_filters_by_state(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await submitted(client, lab)
    await signed_in_as(client, Role.reviewer)
    queue = await client.get("/console", params={"state": "submitted"}, headers=ENGLISH)
    assert queue.status_code == 200
    row = re.search(
        rf"<tr>\s*<th scope=\"row\"><a href=\"/console/applications/{app['number']}\">.*?</tr>", queue.text, re.S
    )
    assert row and lab.name_en in row.group(0) and "submitted" in row.group(0) and "0 days" in row.group(0)
    drafts_only = await client.get("/console", params={"state": "decided"}, headers=ENGLISH)
    assert app["number"] not in drafts_only.text
    korean = await client.get("/console", params={"state": "submitted"})
    assert "제출됨" in korean.text and f"{lab.name_en.removesuffix(' Genomics')} 유전체" in korean.text
    unknown = await client.get("/console", params={"state": "lost"}, headers=ENGLISH)
    assert unknown.status_code == 422 and "unknown state" in unknown.text


async def test_a_reviewer_evaluates_through_the_form_and_may_not_decide(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await submitted(client, lab)
    _, reviewer_id = await signed_in_as(client, Role.reviewer)
    path = f"/console/applications/{app['number']}"
    token = await csrf_of(client, path)
    r = await client.post(f"{path}/start-review", data={"_csrf_token": token})
    assert r.status_code == 303
    # A score out of range is refused beside its field; everything typed is kept.
    form = {"_csrf_token": token, "recommendation": "approve", "remarks": "site visit done"}
    for area in AREAS:
        form[f"scores.{area}.score"] = "85"
        form[f"scores.{area}.remarks"] = f"{area} meets the criteria"
    refused = await client.post(f"{path}/evaluation", data={**form, "scores.accuracy_proficiency.score": "140"})
    assert refused.status_code == 422
    assert 'id="e-scores.accuracy_proficiency.score"' in refused.text and "100 이하여야 합니다." in refused.text
    assert "facilities_personnel_management meets the criteria" in refused.text
    r = await client.post(f"{path}/evaluation", data=form)
    assert r.status_code == 303, r.text
    view = await client.get(certification_urls.application(app["id"]), headers=staff.regulator)
    evaluation = view.json()["evaluation"]
    assert evaluation["reviewer_id"] == reviewer_id and set(evaluation["scores"]) == set(AREAS)
    # The decision section is disabled with the reason: the separation of evaluation and decision.
    for headers, sentence in (
        (ENGLISH, "You evaluated this application; the decision must be taken by someone else"),
        ({}, "결정"),
    ):
        page = await client.get(path, headers=headers)
        barrier = re.search(r'<p class="barrier" id="decision-barrier">(.*?)</p>', page.text, re.S)
        assert barrier and sentence in html.unescape(barrier.group(1))
        assert '<fieldset disabled aria-describedby="decision-barrier">' in page.text
    # The service refuses it too: a reviewer cannot post a decision.
    refused = await client.post(f"{path}/decision", data={"_csrf_token": token, "revision": "3"})
    assert refused.status_code == 403


async def test_a_regulator_decides_through_the_form_and_the_certificate_is_issued(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await submitted(client, lab, ("NUT-VITD", "NUT-VITC"))
    view = await through_review(client, staff, app["id"])
    await signed_in_as(client, Role.regulator)
    path = f"/console/applications/{app['number']}"
    page = await client.get(path)
    assert 'id="decision-barrier"' not in page.text and f'name="revision" value="{view["version"]}"' in page.text
    token = CSRF.search(page.text).group(1)
    decision = {
        "_csrf_token": token,
        "revision": str(view["version"]),
        "items.0.code": "NUT-VITD",
        "items.0.outcome": "approved",
        "items.1.code": "NUT-VITC",
        "items.1.outcome": "rejected",
        "items.1.reason": "",
    }
    refused = await client.post(f"{path}/decision", data=decision, headers=ENGLISH)
    assert refused.status_code == 422 and "a rejection needs a reason" in refused.text
    assert 'value="rejected" checked' in refused.text
    r = await client.post(f"{path}/decision", data={**decision, "items.1.reason": "evidence too thin"})
    assert r.status_code == 303, r.text
    decided = (await client.get(certification_urls.application(app["id"]), headers=staff.regulator)).json()
    assert decided["state"] == "decided" and decided["outcome"] == "partially_approved"
    number = decided["decided_certificate"]["number"]
    provider = (await client.get(providers_urls.provider(lab.provider_id))).json()
    assert provider["certificate_number"] == number and [i["code"] for i in provider["items"]] == ["NUT-VITD"]
    after = await client.get(path, headers=ENGLISH)
    assert number in after.text and "Application " + app["number"] in after.text


async def test_a_decision_on_a_stale_revision_is_refused_keeping_what_was_typed(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await submitted(client, lab)
    read = await through_review(client, staff, app["id"])
    await signed_in_as(client, Role.regulator)
    path = f"/console/applications/{app['number']}"
    token = await csrf_of(client, path)
    # Meanwhile the reviewer records another evaluation: the application moves to a new revision.
    again = await client.post(certification_urls.evaluation(app["id"]), json=EVALUATION, headers=staff.reviewer)
    assert again.status_code == 200
    decision = {
        "_csrf_token": token,
        "revision": str(read["version"]),
        "items.0.code": "NUT-VITD",
        "items.0.outcome": "rejected",
        "items.0.reason": "my typed reason",
    }
    for headers, said in (
        (ENGLISH, "Someone else changed this application after you opened this page"),
        ({}, "다른 사용자가 신청서를 변경했습니다"),
    ):
        stale = await client.post(f"{path}/decision", data=decision, headers=headers)
        assert stale.status_code == 409
        assert said in stale.text
        assert "my typed reason" in stale.text and 'value="rejected" checked' in stale.text
        current = again.json()["version"]
        assert f'name="revision" value="{current}"' in stale.text  # confirmable on what it says now
        assert "application.evaluated" in stale.text and "Reviewer" in stale.text
    state = (await client.get(certification_urls.application(app["id"]), headers=staff.regulator)).json()
    assert state["state"] == "under_review"  # nothing decided


async def test_a_regulator_verifies_an_organisation(client):
    lab = await register_lab(client)
    await signed_in_as(client, Role.regulator)
    page = await client.get("/console/organisations", headers=ENGLISH)
    assert page.status_code == 200
    rows = re.findall(r'<tr id="p-(\d+)">.*?</tr>', page.text, re.S)
    statuses = re.findall(r'<span class="badge s-(\w+)">', page.text)
    assert str(lab.provider_id) in rows and statuses == sorted(statuses, key=lambda s: s == "verified")
    token = CSRF.search(page.text).group(1)
    r = await client.post(f"/console/organisations/{lab.provider_id}/verify", data={"_csrf_token": token})
    assert r.status_code == 303
    assert (await client.get(providers_urls.provider(lab.provider_id))).status_code == 200  # public now
    twice = await client.post(
        f"/console/organisations/{lab.provider_id}/verify", data={"_csrf_token": token}, headers=ENGLISH
    )
    assert twice.status_code == 409 and "The organisation is already verified." in twice.text


async def test_a_regulator_suspends_a_certificate_and_a_too_long_suspension_is_refused_beside_its_field(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    await signed_in_as(client, Role.regulator)
    path = f"/console/certificates/{number}"
    page = await client.get(path)
    assert "제49조의2제4항제2호" in page.text  # the grounds in the statute's words
    token = CSRF.search(page.text).group(1)
    revision = re.search(r'name="revision" value="(\d+)"', page.text).group(1)
    today = today_in_korea()
    suspension = {
        "_csrf_token": token,
        "revision": revision,
        "suspend.reason": "EQA failure",
        "suspend.ground": "2",
        "suspend.effective_date": today.isoformat(),
        "suspend.until": (today + dt.timedelta(days=400)).isoformat(),
    }
    for headers, said in ((ENGLISH, "a business suspension lasts at most one year"), ({}, "1년 이내여야 합니다")):
        refused = await client.post(f"{path}/suspend", data=suspension, headers=headers)
        assert refused.status_code == 422
        beside = re.search(r'<p class="error" id="e-suspend.until">(.*?)</p>', refused.text, re.S)
        assert beside and said in html.unescape(beside.group(1))
        assert 'aria-describedby="e-suspend.until' in refused.text and "EQA failure" in refused.text
    # Revocation without a hearing: the service's sentence, in the reader's language.
    revoke = {"_csrf_token": token, "revision": revision, "revoke.reason": "fraud", "revoke.ground": "1"}
    revoke["revoke.effective_date"] = today.isoformat()
    no_hearing = await client.post(f"{path}/revoke", data=revoke, headers=ENGLISH)
    assert no_hearing.status_code == 409 and "no hearing (Art. 57) is recorded" in no_hearing.text
    ok = await client.post(
        f"{path}/suspend", data={**suspension, "suspend.until": (today + dt.timedelta(days=90)).isoformat()}
    )
    assert ok.status_code == 303, ok.text
    verified = (await client.get(certification_urls.certificate(number))).json()
    assert verified["status"] == "suspended"
    shown = await client.get(path, headers=ENGLISH)
    assert '<span class="badge s-suspended">suspended</span>' in shown.text
    # A hearing, then the revocation it allows, each on the revision the page shows.
    revision = re.search(r'name="revision" value="(\d+)"', shown.text).group(1)
    hearing = {"_csrf_token": token, "revision": revision, "hearing.held_on": today.isoformat()}
    r = await client.post(f"{path}/hearing", data={**hearing, "hearing.outcome": "held", "hearing.note": "heard"})
    assert r.status_code == 303, r.text
    revision = re.search(r'name="revision" value="(\d+)"', (await client.get(path)).text).group(1)
    r = await client.post(f"{path}/revoke", data={**revoke, "revision": revision})
    assert r.status_code == 303, r.text
    history = (await client.get(certification_urls.history(number))).json()["events"]
    assert [e["kind"] for e in history][-3:] == ["suspended", "hearing", "revoked"]
    looked_up = await client.get("/console/certificates", params={"number": number.lower()})
    assert looked_up.status_code == 303 and looked_up.headers["location"] == path


async def test_a_regulator_drafts_sees_the_impact_and_publishes_an_edition(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    tomorrow = (today_in_korea() + dt.timedelta(days=1)).isoformat()
    async with client_for(fresh_database) as client:
        await signed_in_as(client, Role.regulator)
        token = await csrf_of(client, "/console/editions")
        r = await client.post("/console/editions", data={"_csrf_token": token, "version": tomorrow, "notes": "x"})
        assert r.status_code == 303 and r.headers["location"] == f"/console/editions/{tomorrow}"
        draft = await client.get(f"/console/editions/{tomorrow}")
        revision = re.search(r'name="revision" value="(\d+)"', draft.text).group(1)
        texts = {k: str(v) for k, v in announcement(190).items()}
        edit = {"_csrf_token": token, "revision": revision, **texts}
        assert (await client.post(f"/console/editions/{tomorrow}", data=edit)).status_code == 303
        # The same form sent again names the revision it was read at: refused, current values shown.
        stale = await client.post(
            f"/console/editions/{tomorrow}", data={**edit, "title_en": "My title"}, headers=ENGLISH
        )
        assert stale.status_code == 409 and "Someone else changed this draft" in stale.text
        assert "My title" in stale.text and texts["title_en"] in text_of(stale)
        impact = await client.get(f"/console/editions/{tomorrow}/impact", headers=ENGLISH)
        assert impact.status_code == 200 and "registered panels checked" in impact.text
        assert f'action="/console/editions/{tomorrow}/publish"' in impact.text
        r = await client.post(f"/console/editions/{tomorrow}/publish", data={"_csrf_token": token})
        assert r.status_code == 303, r.text
        versions = (await client.get(catalog_urls.VERSIONS)).json()
        assert versions["data"][0]["version"] == tomorrow
        listed = await client.get("/console/editions", params={"published": tomorrow})
        assert f"{tomorrow} 판을 공표했습니다." in listed.text


async def test_the_audit_page_lists_an_application_s_events_newest_first(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    app = await submitted(client, lab)
    await through_review(client, staff, app["id"])
    await signed_in_as(client, Role.regulator)
    page = await client.get("/console/audit", params={"entity_type": "application", "entity_id": app["number"]})
    assert page.status_code == 200
    actions = re.findall(r'<code class="hint">(application\.\w+)</code></th>', page.text)
    assert actions == ["application.evaluated", "application.review_started", "application.submitted",
                       "application.created"]  # fmt: skip
    assert "모두 4건" in page.text and "평가 기록" in page.text  # the event in words, its code beside it
    app_page = await client.get(f"/console/applications/{app['number']}")
    assert f"/console/audit?entity_type=application&amp;entity_id={app['number']}" in app_page.text
    bad = await client.get("/console/audit", params={"since": "yesterday"}, headers=ENGLISH)
    assert bad.status_code == 422 and "Enter a date as YYYY-MM-DD." in bad.text


async def test_a_reviewer_sees_organisations_but_verifies_none_and_records_no_measure(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    waiting = await register_lab(client)
    await signed_in_as(client, Role.reviewer)
    page = await client.get("/console/organisations")
    assert page.status_code == 200 and f'id="p-{waiting.provider_id}"' in page.text
    assert "/verify" not in page.text
    certificate = await client.get(f"/console/certificates/{number}", headers=ENGLISH)
    assert "This needs the role regulator" in certificate.text and "/suspend" not in certificate.text
    assert (await client.get("/console/editions")).status_code == 403
    assert (await client.get("/console/audit")).status_code == 403
