"""The registry's journeys end to end, as the people in them take them in a real browser: a citizen checking a
certificate, a new provider certified from sign-up to the public register, and two regulators deciding the same
application at once. Each person has a browser context of their own; the words come from the catalogues.
Screenshots of the key steps land beside the crawl's, as journey-<step>.<lang>.png."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import httpx
import pytest

from registry.accounts import urls as accounts_urls
from registry.certification import urls as certification_urls
from registry.kernel.clock import today_in_korea
from registry.providers import urls as providers_urls
from registry.web.i18n import Words
from registry.web.pages import term
from tests.web.browser.conftest import REGULATOR, REVIEWER, sign_in
from tests.workflow import EVALUATION, PASSWORD, business_number, evidence_item, unique

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.web.browser.crawl import Report

pytestmark = pytest.mark.browser

KO, EN = Words("ko"), Words("en")
REGULATOR2 = ("regulator2@mohw.example", "demo-regulator2-2026")  # README, "Demo accounts"
HANBIT = "한빛유전체 (가상)"  # the demo provider as seeds/demo/history.toml names it
BEFORE_CERTIFICATION = "2022-06-01"  # Hanbit's certificate runs from 2022-12-30
ITEMS = ("NUT-VITD", "NUT-VITC")
AREAS = tuple(EVALUATION["scores"])


def labelled(words: Words, key: str) -> re.Pattern[str]:
    """A control's accessible name: its label from the catalogue, with the required mark when it has one."""
    return re.compile(rf"^{re.escape(words(key))}( \*)?$")


def shot(page: Page, report: Report, step: str) -> None:
    page.screenshot(path=report.directory / f"journey-{step}.{page.get_attribute('html', 'lang')}.png", full_page=True)


def click_and_wait(page: Page, target: Locator) -> int:
    """Click what sends a form or follows a link (no JavaScript needed), and wait for the page it brings."""
    with page.expect_navigation() as navigation:
        target.click()
    return navigation.value.status


def search(page: Page, words: Words, q: str) -> None:
    page.goto("/")
    page.get_by_role("search").get_by_label(words("home.search_label")).fill(q)
    click_and_wait(page, page.get_by_role("button", name=words("home.search")))


def verdict(page: Page) -> str:
    return page.locator("#verdict").inner_text()


# --- 1. a citizen verifies a certificate -----------------------------------------------------------------------


def test_a_citizen_finds_a_provider_and_checks_its_certificate_today_and_before(new_page, report):
    page = new_page("ko-KR")
    today = today_in_korea().isoformat()
    search(page, KO, "한빛")
    shot(page, report, "citizen-search")
    found = page.locator("section[aria-labelledby=found-providers]")
    click_and_wait(page, found.get_by_role("link", name=HANBIT))
    assert page.get_by_role("heading", level=1).inner_text().startswith(HANBIT)
    shot(page, report, "citizen-provider")

    click_and_wait(page, page.locator("dl.facts").get_by_role("link", name=re.compile(r"^DTC-")))
    number = page.url.split("/certificates/")[1].split("?")[0]
    assert page.get_by_role("heading", level=1).inner_text() == KO("certificate.title", number=number)
    assert KO("certificate.result.certified") in verdict(page)
    assert KO("certificate.verified_on", day=today) in page.locator(".cert-foot").inner_text()
    shot(page, report, "citizen-certificate-today")

    # An earlier day: before the certificate began, it did not certify anything.
    page.get_by_label(labelled(KO, "public.as_of_label")).fill(BEFORE_CERTIFICATION)
    assert click_and_wait(page, page.get_by_role("button", name=KO("public.as_of_show"))) == 200
    assert f"as_of={BEFORE_CERTIFICATION}" in page.url
    assert KO("certificate.result.not_certified") in verdict(page)
    assert KO("certificate.result.certified") not in verdict(page)
    assert KO("certificate.verified_on", day=BEFORE_CERTIFICATION) in page.locator(".cert-foot").inner_text()
    shot(page, report, "citizen-certificate-before")

    # The same answer in English, then today's again.
    click_and_wait(page, page.locator("header a.lang"))
    assert page.get_attribute("html", "lang") == "en" and f"as_of={BEFORE_CERTIFICATION}" in page.url
    assert EN("certificate.result.not_certified") in verdict(page)
    assert KO("certificate.result.not_certified") not in verdict(page)
    shot(page, report, "citizen-certificate-before")
    page.get_by_label(labelled(EN, "public.as_of_label")).fill(today)
    click_and_wait(page, page.get_by_role("button", name=EN("public.as_of_show")))
    assert EN("certificate.result.certified") in verdict(page)
    assert EN("certificate.verified_on", day=today) in page.locator(".cert-foot").inner_text()
    shot(page, report, "citizen-certificate-today")


# --- 2. from sign-up to the public register ----------------------------------------------------------------


def sign_up(page: Page, report: Report, organisation: dict[str, str], user: dict[str, str]) -> None:
    page.goto("/portal/sign-up")
    for key, value in organisation.items():
        page.get_by_label(labelled(KO, f"sign_up.{key}")).fill(value)
    for key, value in user.items():
        page.get_by_label(labelled(KO, f"sign_up.{key}")).fill(value)
    shot(page, report, "provider-sign-up")
    assert click_and_wait(page, page.get_by_role("button", name=KO("sign_up.submit"))) == 200
    assert page.locator("[role=alert]").count() == 0, page.locator("[role=alert]").inner_text()
    assert KO("sign_up.unverified", email=user["email"]) in page.inner_text("main")
    shot(page, report, "provider-signed-up")


def fill_item(page: Page, code: str) -> None:
    """An item's markers, evidence (a PMID and a DOI) and accuracy, as the form asks for them."""
    item = page.locator(f"fieldset#item-{code}")
    item.wait_for()  # brought by htmx as the item is ticked
    sample = evidence_item(code)
    marker = sample["markers"][0]
    item.get_by_label(labelled(KO, "application.markers")).fill(marker)
    item.get_by_label(labelled(KO, "application.evidence")).fill(
        f"{marker}: {', '.join(sample['evidence'][0]['references'])}"
    )
    accuracy = sample["accuracy"]
    item.get_by_label(labelled(KO, "application.method")).fill(accuracy["method"])
    item.get_by_label(labelled(KO, "application.samples")).fill(str(accuracy["samples"]))
    item.get_by_label(labelled(KO, "application.concordance")).fill(str(accuracy["concordance_percent"]))


def state_shown(page: Page) -> str:
    return page.locator("dl.facts .badge").first.inner_text()


def test_a_new_provider_is_certified_from_sign_up_to_the_public_register(new_page, report):
    token = unique("여정")
    name_ko, name_en = f"{token} 유전체", f"{token} Genomics"
    email = f"{unique('lab')}@journey.example"
    question = "비타민 D 항목의 검증 시료 구성을 알려 주십시오."
    answer = "검증 시료 96건은 외부 정도관리(KEQAS) 시료입니다."

    # The provider signs up; the regulator verifies the organisation.
    provider = new_page("ko-KR")
    organisation = {"name_ko": name_ko, "name_en": name_en, "business_number": business_number()}
    organisation["contact_email"] = f"office-{email}"
    sign_up(provider, report, organisation, {"display_name": "여정 담당자", "email": email, "password": PASSWORD})

    regulator = new_page("ko-KR")
    sign_in(regulator, *REGULATOR)
    regulator.goto("/console/organisations")
    verify = regulator.get_by_role("button", name=KO("organisations.verify_named", name=name_ko))
    click_and_wait(regulator, verify)
    row = regulator.get_by_role("row").filter(has=regulator.get_by_role("rowheader", name=name_ko))
    assert KO("organisations.status_verified") in row.inner_text()
    shot(regulator, report, "regulator-verified")

    # The provider files an application: picks two items of the scope in force, checks, then submits.
    sign_in(provider, email, PASSWORD)
    provider.goto("/portal/applications/new")
    for code in ITEMS:
        provider.get_by_label(re.compile(re.escape(code))).check()
        fill_item(provider, code)
    assert click_and_wait(provider, provider.get_by_role("button", name=KO("application.check"))) == 200
    assert KO("application.check_clean") in provider.locator("#check-summary").inner_text()
    assert provider.url.endswith("/portal/applications/new")  # a check keeps nothing
    shot(provider, report, "provider-checked")
    click_and_wait(provider, provider.get_by_role("button", name=KO("application.submit"), exact=True))
    number = provider.url.rsplit("/", 1)[1]
    assert provider.get_by_role("heading", level=1).inner_text() == KO("application.title", number=number)
    assert state_shown(provider) == term(KO, "state_submitted")
    shot(provider, report, "provider-submitted")

    # The reviewer opens it from the queue, starts the review and asks a question.
    reviewer = new_page("ko-KR")
    sign_in(reviewer, *REVIEWER)
    reviewer.goto("/console")
    click_and_wait(reviewer, reviewer.get_by_role("link", name=number, exact=True))
    click_and_wait(reviewer, reviewer.get_by_role("button", name=term(KO, "action_start_review")))
    reviewer.get_by_label(labelled(KO, "review.info_message")).fill(question)
    click_and_wait(reviewer, reviewer.get_by_role("button", name=term(KO, "action_request_info")))
    assert question in reviewer.inner_text("main")
    shot(reviewer, report, "reviewer-asked")

    # The provider reads the question on its application page, answers and sends it back.
    provider.reload()
    assert state_shown(provider) == term(KO, "state_info_requested")
    assert provider.locator("section.question").get_by_text(question).is_visible()
    provider.get_by_label(labelled(KO, "application.response")).fill(answer)
    shot(provider, report, "provider-answering")
    click_and_wait(provider, provider.get_by_role("button", name=KO("application.answer"), exact=True))
    assert provider.locator("[role=alert]").count() == 0
    assert answer in provider.locator("section.question").inner_text()
    assert state_shown(provider) == term(KO, "state_submitted")

    # The reviewer reviews it again and evaluates the five areas.
    reviewer.reload()
    assert answer in reviewer.inner_text("main")
    start = reviewer.get_by_role("button", name=term(KO, "action_start_review"))
    if start.count():
        click_and_wait(reviewer, start)
    for area in AREAS:
        fieldset = reviewer.locator("fieldset.area").filter(has_text=KO(f"evaluation.area_{area}"))
        fieldset.get_by_label(labelled(KO, "evaluation.score")).fill("85")
        fieldset.get_by_label(labelled(KO, "evaluation.area_remarks")).fill("기준을 충족합니다.")
    reviewer.get_by_label(labelled(KO, "evaluation.recommendation")).select_option("approve")
    click_and_wait(reviewer, reviewer.get_by_role("button", name=term(KO, "action_evaluate")))
    assert reviewer.locator("[role=alert]").count() == 0
    assert KO("evaluation.total", total=85) in reviewer.inner_text("main")
    assert KO("evaluation.recommendation_approve") in reviewer.inner_text("main")
    shot(reviewer, report, "reviewer-evaluated")

    # The regulator approves both items.
    regulator.goto(f"/console/applications/{number}")
    for item in regulator.locator("fieldset.decision-item").all():
        item.get_by_label(KO("decision.approved"), exact=True).check()
    shot(regulator, report, "regulator-deciding")
    click_and_wait(regulator, regulator.get_by_role("button", name=term(KO, "action_decide")))
    assert regulator.locator("[role=alert]").count() == 0
    assert KO("decision.outcome_approved") in regulator.locator("#h-summary + dl").inner_text()
    shot(regulator, report, "regulator-decided")

    # A citizen finds the new provider, its items and its certificate.
    citizen = new_page("ko-KR")
    search(citizen, KO, token)
    click_and_wait(
        citizen, citizen.locator("section[aria-labelledby=found-providers]").get_by_role("link", name=name_ko)
    )
    certified = citizen.locator("section[aria-labelledby=items]")
    for code in ITEMS:
        assert certified.get_by_role("link", name=code).is_visible()
    shot(citizen, report, "citizen-new-provider")
    click_and_wait(citizen, citizen.locator("dl.facts").get_by_role("link", name=re.compile(r"^DTC-")))
    assert KO("certificate.result.certified") in verdict(citizen)
    listed = citizen.locator("ul.cert-items").inner_text()
    assert all(code in listed for code in ITEMS)
    shot(citizen, report, "citizen-new-certificate")


# --- 3. two regulators decide at once ----------------------------------------------------------------------


def ready_for_decision(base: str) -> tuple[str, int]:
    """A verified provider's application, submitted and evaluated, through the JSON API of the same server:
    its number and id."""
    with httpx.Client(base_url=base, timeout=15) as api:

        def token(email: str, password: str) -> dict[str, str]:
            r = api.post(accounts_urls.TOKEN, json={"email": email, "password": password})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        name, email = unique("경합"), f"{unique('lab')}@journey.example"
        organisation = {
            "name_ko": f"{name} 유전체",
            "name_en": f"{name} Genomics",
            "business_number": business_number(),
            "contact_email": f"office-{email}",
        }
        user = {"email": email, "display_name": f"{name} 담당자", "password": PASSWORD}
        r = api.post(providers_urls.REGISTER, json={"organisation": organisation, "user": user})
        assert r.status_code == 201, r.text
        r = api.post(providers_urls.verify(r.json()["provider_id"]), headers=token(*REGULATOR))
        assert r.status_code == 200, r.text
        lab = token(email, PASSWORD)
        r = api.post(
            certification_urls.APPLICATIONS, json={"kind": "initial", "items": [evidence_item(ITEMS[0])]}, headers=lab
        )
        assert r.status_code == 201, r.text
        application = r.json()
        assert api.post(certification_urls.submit(application["id"]), headers=lab).status_code == 200
        reviewer = token(*REVIEWER)
        assert api.post(certification_urls.start_review(application["id"]), headers=reviewer).status_code == 200
        r = api.post(certification_urls.evaluation(application["id"]), json=EVALUATION, headers=reviewer)
        assert r.status_code == 200, r.text
        return application["number"], application["id"]


def test_a_decision_on_an_application_someone_else_just_decided_is_refused_and_kept(new_page, report, live_server):
    number, application_id = ready_for_decision(live_server)
    first, second = new_page("ko-KR"), new_page("ko-KR")
    sign_in(first, *REGULATOR)
    sign_in(second, *REGULATOR2)
    for page in (first, second):
        page.goto(f"/console/applications/{number}")
        assert page.get_by_role("button", name=term(KO, "action_decide")).is_enabled()

    # The first approves; the second, still on the page it opened before, rejects with a reason.
    first.locator("fieldset.decision-item").first.get_by_label(KO("decision.approved"), exact=True).check()
    click_and_wait(first, first.get_by_role("button", name=term(KO, "action_decide")))
    assert first.locator("[role=alert]").count() == 0
    reason = "정확도 근거가 부족합니다."
    item = second.locator("fieldset.decision-item").first
    item.get_by_label(KO("decision.rejected"), exact=True).check()
    item.get_by_label(labelled(KO, "decision.reason")).fill(reason)
    assert click_and_wait(second, second.get_by_role("button", name=term(KO, "action_decide"))) == 409

    stale = second.get_by_role("alert").filter(has_text=KO("decision.stale"))
    assert stale.is_visible()
    said = stale.inner_text()
    assert KO("decision.stale_next") in said
    assert term(KO, "state_decided") in said  # what the application is now
    for label in ("decision.stale_change", "decision.stale_who", "decision.stale_when"):
        assert KO(label) in said  # and what changed it, who and when
    assert "application.decided" in said and REGULATOR[0] in said
    item = second.locator("fieldset.decision-item").first
    assert item.get_by_label(KO("decision.rejected"), exact=True).is_checked()  # the typed decision kept
    assert item.get_by_label(labelled(KO, "decision.reason")).input_value() == reason
    shot(second, report, "regulator-stale-decision")
    history = second.locator("section[aria-labelledby=h-history] tbody tr")
    assert history.filter(has_text="application.decided").count() == 1

    # Decided once, as the first regulator decided it.
    with httpx.Client(base_url=live_server, timeout=15) as api:
        r = api.post(accounts_urls.TOKEN, json={"email": REGULATOR[0], "password": REGULATOR[1]})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        view = api.get(certification_urls.application(application_id), headers=headers).json()
    assert view["state"] == "decided" and view["outcome"] == "approved"
    assert [(i["code"], i["outcome"]) for i in view["items"]] == [(ITEMS[0], "approved")]
    assert dt.date.fromisoformat(view["decided_on"][:10]) == today_in_korea()
