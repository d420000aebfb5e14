"""The provider portal over HTTP: signing up, the dashboard, an application from draft to an answered
information request, panels, batch files — each through the same use cases the API calls."""

from __future__ import annotations

import html
import re

from registry.accounts.model import Role
from registry.accounts.service import create_user
from registry.certification import urls as certification_urls
from registry.panels import urls as panel_urls
from tests.web.forms import CSRF, csrf_of, sign_in_through_page
from tests.workflow import (
    PASSWORD,
    business_number,
    create_application,
    evidence_item,
    make_staff,
    proposal,
    register_lab,
    through_review,
    unique,
)

EN = {"Accept-Language": "en"}


def sign_up_form(token: str, **changes: str) -> dict[str, str]:
    name = unique("Portal")
    form = {
        "_csrf_token": token,
        "organisation.name_ko": f"{name} 유전체",
        "organisation.name_en": f"{name} Genomics",
        "organisation.business_number": business_number(),
        "organisation.contact_email": f"office-{name.lower()}@lab.example",
        "user.display_name": "Kim Mirae",
        "user.email": f"{name.lower()}@lab.example",
        "user.password": PASSWORD,
    }
    return {**form, **changes}


async def test_signing_up_registers_an_unverified_organisation(client):
    token = await csrf_of(client, "/portal/sign-up")
    assert 'href="/portal/sign-up"' in (await client.get("/portal/sign-in")).text
    r = await client.post("/portal/sign-up", data=sign_up_form(token))
    assert r.status_code == 200, r.text
    assert "규제기관이 기관을 확인한 뒤에 신청서를 제출할 수 있습니다" in r.text and "미확인" in r.text
    english = await client.post("/portal/sign-up", data=sign_up_form(token), headers=EN)
    assert english.status_code == 200
    assert "A regulator must verify the organisation before it can submit applications" in english.text


async def test_a_refused_sign_up_keeps_the_input_and_names_each_field(client):
    token = await csrf_of(client, "/portal/sign-up")
    bad = sign_up_form(
        token, **{"organisation.business_number": "123-45-67890", "user.password": "short", "organisation.name_ko": ""}
    )
    r = await client.post("/portal/sign-up", data=bad)
    assert "필수 입력 항목입니다." in r.text.split('id="e-organisation.name_ko"')[1].split("</p>")[0]
    for headers, summary in (({}, "곳을 확인해 주세요"), (EN, "Please check")):
        r = await client.post("/portal/sign-up", data=bad, headers=headers)
        assert r.status_code == 422 and 'role="alert"' in r.text and summary in r.text
        assert 'id="e-organisation.business_number"' in r.text and 'id="e-user.password"' in r.text
        assert 'aria-describedby="e-organisation.business_number' in r.text
        assert f'value="{bad["organisation.name_en"]}"' in r.text  # kept
        assert PASSWORD not in r.text and 'value="short"' not in r.text  # a password is never echoed
    # The same business number twice: the service's own refusal, beside both fields it names.
    first = sign_up_form(token)
    assert (await client.post("/portal/sign-up", data=first)).status_code == 200
    again = sign_up_form(token, **{"organisation.business_number": first["organisation.business_number"]})
    r = await client.post("/portal/sign-up", data=again, headers=EN)
    assert r.status_code == 422 and 'id="e-organisation.business_number"' in r.text


async def signed_in_lab(client, staff=None):
    """A verified lab (through the API), and one of its users signed in to the pages through the form."""
    staff = staff or await make_staff(client)
    lab = await register_lab(client, staff)
    email = f"{unique('portal')}@lab.example"
    await create_user(email, "Portal user", Role.provider, PASSWORD, provider_id=lab.provider_id)
    r = await sign_in_through_page(client, email)
    assert r.headers["location"] == "/portal"
    return staff, lab


def item_fields(code: str, *, refs: int = 2, marker: str = "rs2282679") -> dict[str, str]:
    references = ", ".join([f"PMID:{2000000 + i}" for i in range(refs - 1)] + [f"10.1000/{marker}.{refs}"])
    return {
        f"{code}.genes": "GC",
        f"{code}.markers": marker,
        f"{code}.evidence": f"GC: PMID:3000001, PMID:3000002\n{marker}: {references}",
        f"{code}.method": "external quality assessment (KEQAS)",
        f"{code}.samples": "96",
        f"{code}.concordance": "99.5",
    }


def revision_of(text: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', text).group(1)


async def test_a_verified_lab_signs_in_and_sees_its_dashboard(client):
    _, lab = await signed_in_lab(client)
    r = await client.get("/portal", headers=EN)
    assert r.status_code == 200
    assert lab.name_en in r.text and "Verified" in r.text and "No applications yet." in r.text
    assert 'href="/portal/applications/new"' in r.text and 'href="/portal/batch"' in r.text


async def test_an_application_is_checked_saved_and_submitted_through_the_form(client):
    _, lab = await signed_in_lab(client)
    token = await csrf_of(client, "/portal/applications/new")
    new = await client.get("/portal/applications/new")
    assert 'name="item" value="NUT-VITD"' in new.text  # the scope in force, to pick from
    # Picking shows the boxes of each picked item, nothing checked yet.
    picked = await client.post(
        "/portal/applications/new", data={"_csrf_token": token, "item": "HLT-BMI", "action": "pick"}
    )
    assert picked.status_code == 200 and 'id="f-HLT-BMI.evidence"' in picked.text and 'role="alert"' not in picked.text
    form = {"_csrf_token": token, "kind": "initial", "item": ["NUT-VITD"], **item_fields("NUT-VITD", refs=1)}
    # Check: the dry run's finding beside the item, nothing saved.
    r = await client.post("/portal/applications/new", data={**form, "action": "check"}, headers=EN)
    assert r.status_code == 200, r.text
    beside = r.text.split('id="findings-NUT-VITD"')[1].split("</div>")[0]
    assert "at least two papers are required" in beside and "KoNIBP notice" in beside
    assert 'value="external quality assessment (KEQAS)"' in r.text  # what was typed stays
    assert (await client.get(certification_urls.APPLICATIONS, headers=lab.headers)).json()["total"] == 0
    # The same check as the user types (htmx): a fragment swapped beside the items.
    live = await client.post("/portal/applications/check", data=form, headers={**EN, "HX-Request": "true"})
    assert live.status_code == 200 and 'hx-swap-oob="true"' in live.text and "<html" not in live.text
    assert "at least two papers are required" in live.text
    typing = await client.post("/portal/applications/check", data={**form, "NUT-VITD.samples": "x"}, headers=EN)
    assert typing.status_code == 200 and "Enter a number." in typing.text and "Please check 1" in typing.text
    # A box the model refuses: 422, its reason beside it, in Korean too.
    broken = {**form, "NUT-VITD.samples": "many", "action": "save"}
    r = await client.post("/portal/applications/new", data=broken)
    assert r.status_code == 422 and 'id="e-NUT-VITD.samples"' in r.text and "숫자를 입력해 주세요" in r.text
    # Submitting what the check refuses saves the draft and shows why, everything kept.
    r = await client.post("/portal/applications/new", data={**form, "action": "submit"}, headers=EN)
    assert r.status_code == 422 and "cannot be submitted" in r.text
    assert "at least two papers are required" in r.text and 'value="99.5"' in r.text
    number = re.search(r"APP-\d{4}-\d{5}", r.text).group(0)
    # Fixed on the draft's page and submitted: state submitted, as the API says.
    fixed = {**form, **item_fields("NUT-VITD"), "revision": revision_of(r.text), "action": "submit"}
    r = await client.post(f"/portal/applications/{number}", data=fixed)
    assert r.status_code == 303 and r.headers["location"] == f"/portal/applications/{number}"
    app = (await client.get(certification_urls.application(number), headers=lab.headers)).json()
    assert app["state"] == "submitted" and app["items"][0]["markers"] == ["rs2282679"]
    page = await client.get(f"/portal/applications/{number}")
    assert "제출됨" in page.text or "submitted" in page.text.lower()
    dashboard = await client.get("/portal")
    assert number in dashboard.text


async def test_the_reviewers_question_is_answered_through_the_page(client):
    staff, lab = await signed_in_lab(client)
    token = await csrf_of(client, "/portal/applications/new")
    form = {"_csrf_token": token, "kind": "initial", "item": "NUT-VITD", **item_fields("NUT-VITD")}
    r = await client.post("/portal/applications/new", data={**form, "action": "submit"})
    assert r.status_code == 303
    number = r.headers["location"].rsplit("/", 1)[1]
    assert (await client.post(certification_urls.start_review(number), headers=staff.reviewer)).status_code == 200
    question = "Please add the KEQAS round number for vitamin D."
    asked = await client.post(
        certification_urls.request_info(number), json={"message": question}, headers=staff.reviewer
    )
    assert asked.status_code == 200, asked.text
    page = await client.get(f"/portal/applications/{number}", headers=EN)
    assert question in page.text and 'name="response"' in page.text and "Answer and resubmit" in page.text
    revision = revision_of(page.text)
    answer = {**form, "NUT-VITD.method": "KEQAS round 2026-1", "response": "Round 2026-1, 96 samples."}
    # Meanwhile someone else saved it: the stale form is refused with the current state, not overwritten.
    current = (await client.get(certification_urls.application(number), headers=lab.headers)).json()
    body = {"kind": "initial", "items": current["items"][:1]}
    body["items"][0] = {k: body["items"][0][k] for k in ("code", "genes", "markers", "evidence", "accuracy")}
    put = await client.put(
        certification_urls.application(number), json=body, headers={**lab.headers, "If-Match": current["etag"]}
    )
    assert put.status_code == 200, put.text
    stale = await client.post(
        f"/portal/applications/{number}", data={**answer, "revision": revision, "action": "submit"}, headers=EN
    )
    assert stale.status_code == 412 and "changed since you read it" in html.unescape(stale.text)
    assert "KEQAS round 2026-1" in stale.text  # what was typed is kept
    assert (await client.get(certification_urls.application(number), headers=lab.headers)).json()[
        "state"
    ] == "info_requested"
    # Answered on the current revision: resubmitted with the answer and the new content.
    r = await client.post(
        f"/portal/applications/{number}",
        data={**answer, "revision": revision_of(stale.text), "action": "submit"},
    )
    assert r.status_code == 303
    app = (await client.get(certification_urls.application(number), headers=lab.headers)).json()
    assert app["state"] == "submitted" and app["provider_response"] == "Round 2026-1, 96 samples."
    assert app["items"][0]["accuracy"]["method"] == "KEQAS round 2026-1"
    view = await through_review(client, staff, app["id"])
    assert view["state"] == "under_review"


async def test_a_draft_is_withdrawn_with_a_reason(client):
    _, lab = await signed_in_lab(client)
    token = await csrf_of(client, "/portal/applications/new")
    form = {"_csrf_token": token, "kind": "initial", "item": "NUT-VITD", **item_fields("NUT-VITD")}
    r = await client.post("/portal/applications/new", data={**form, "action": "save"})
    number = r.headers["location"].rsplit("/", 1)[1]
    page = await client.get(f"/portal/applications/{number}")
    withdraw = {"_csrf_token": token, "revision": revision_of(page.text), "reason": "filed twice", "action": "withdraw"}
    # Saved again meanwhile (another tab): the withdrawal read an older revision and is refused.
    saved = {**form, "revision": revision_of(page.text), "action": "save"}
    assert (await client.post(f"/portal/applications/{number}", data=saved)).status_code == 303
    stale = await client.post(f"/portal/applications/{number}", data=withdraw)
    assert stale.status_code == 412 and 'role="alert"' in stale.text and 'value="GC"' in stale.text
    assert (await client.get(certification_urls.application(number), headers=lab.headers)).json()["state"] == "draft"
    withdraw["revision"] = revision_of(stale.text)
    assert (await client.post(f"/portal/applications/{number}", data=withdraw)).status_code == 303
    app = (await client.get(certification_urls.application(number), headers=lab.headers)).json()
    assert app["state"] == "withdrawn"


async def test_a_registered_panel_shows_its_verdict_and_findings(client):
    _, lab = await signed_in_lab(client)
    token = await csrf_of(client, "/portal/panels")
    refused = await client.post("/portal/panels", data={"_csrf_token": token, "name": "", "items.0.code": "NUT-VITD"})
    assert refused.status_code == 422 and 'id="e-name"' in refused.text and 'value="NUT-VITD"' in refused.text
    form = {"_csrf_token": token, "name": "Vitamin D panel", "target": "adult", "items.0.code": "NUT-VITD"}
    r = await client.post("/portal/panels", data={**form, "items.0.genes": "GC"}, headers=EN)
    assert r.status_code == 303
    panel_id = int(r.headers["location"].rsplit("-", 1)[1])
    stored = (await client.get(panel_urls.panel(panel_id), headers=lab.headers)).json()
    page = await client.get("/portal/panels", headers=EN)
    section = page.text.split(f'id="panel-{panel_id}"')[1].split("</section>")[0]
    assert "Vitamin D panel" in section
    verdict = "Permitted" if stored["latest_check"]["verdict"] == "permitted" else "Not permitted"
    assert verdict in section
    for finding in stored["latest_check"]["findings"]:
        assert html.escape(finding["message_en"]) in section and html.escape(finding["basis_en"]) in section
    korean = await client.get("/portal/panels")
    for finding in stored["latest_check"]["findings"]:
        assert html.escape(finding["message_ko"]) in korean.text
    again = await client.post(f"/portal/panels/{panel_id}/check", data={"_csrf_token": token})
    assert again.status_code == 303 and again.headers["location"] == f"/portal/panels#panel-{panel_id}"
    missing = await client.post("/portal/panels/999999999/check", data={"_csrf_token": token})
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


async def test_a_batch_file_is_checked_and_its_results_downloaded(client):
    await signed_in_lab(client)
    token = await csrf_of(client, "/portal/batch")
    csv = b"panel_id,code,genes\nA,NUT-VITD,GC\nB,NOPE-1,\n"
    files = {"file": ("panels.csv", csv, "text/csv")}
    r = await client.post("/portal/batch", data={"_csrf_token": token, "action": "check"}, files=files, headers=EN)
    assert r.status_code == 200, r.text
    summary = r.text.split('id="batch-result"')[1]
    assert re.search(r"Rows read</dt><dd>2<", summary) and re.search(r"Panels</dt><dd>2<", summary)
    assert "Not permitted</dt><dd>" in summary
    r = await client.post("/portal/batch", data={"_csrf_token": token, "action": "download"}, files=files)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and r.headers["x-panels"] == "2"
    lines = r.text.splitlines()
    assert lines[0].startswith("panel_id,verdict") and any(line.startswith("B,not_permitted") for line in lines)
    empty = await client.post("/portal/batch", data={"_csrf_token": token, "action": "check"}, headers=EN)
    assert empty.status_code == 422 and 'id="e-file"' in empty.text


async def test_the_portal_is_for_providers_and_its_forms_need_the_csrf_token(client):
    email = f"{unique('reviewer')}@staff.example"
    await create_user(email, "Reviewer", Role.reviewer, PASSWORD)
    assert (await client.get("/portal")).status_code == 303  # no one signed in: sign in first
    token = await csrf_of(client, "/portal/sign-in")
    await client.post("/portal/sign-in", data={"_csrf_token": token, "email": email, "password": PASSWORD})
    for path in ("/portal", "/portal/applications/new", "/portal/panels", "/portal/batch"):
        r = await client.get(path, headers=EN)
        assert r.status_code == 403 and "provider staff" in r.text, path
    await signed_in_lab(client)
    r = await client.post("/portal/applications/new", data={"kind": "initial", "action": "check"})
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    assert CSRF.search((await client.get("/portal/panels")).text)


async def test_saving_from_the_page_keeps_the_items_it_proposes(client):
    _, lab = await signed_in_lab(client)
    app = await create_application(client, lab, [evidence_item("NUT-VITD")], proposals=[proposal("TRT-PORTAL")])
    page = await client.get(f"/portal/applications/{app['number']}")
    assert page.status_code == 200 and "TRT-PORTAL" in page.text
    token = CSRF.search(page.text).group(1)
    form = {"_csrf_token": token, "kind": "initial", "item": "NUT-VITD", **item_fields("NUT-VITD")}
    r = await client.post(
        f"/portal/applications/{app['number']}", data={**form, "revision": revision_of(page.text), "action": "save"}
    )
    assert r.status_code == 303
    saved = (await client.get(certification_urls.application(app["id"]), headers=lab.headers)).json()
    assert [i["code"] for i in saved["items"]] == ["NUT-VITD", "TRT-PORTAL"]
    assert saved["items"][1]["proposal"]["name_en"] == "Proposed test item"
