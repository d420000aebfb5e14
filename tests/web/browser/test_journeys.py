"""What a person does in the browser: signs in (and gets it wrong first), signs out, switches the language,
moves by keyboard."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import REGULATOR, REVIEWER, sign_in

pytestmark = pytest.mark.browser


def test_a_wrong_password_shows_the_refusal_and_keeps_the_email(new_page):
    page = new_page()
    page.goto("/portal/sign-in")
    page.fill("#f-email", REVIEWER[0])
    page.fill("#f-password", "not-the-password")
    with page.expect_navigation() as navigation:
        page.click("form.form button[type=submit]")
    assert navigation.value.status == 422
    alert = page.locator("[role=alert]")
    assert alert.is_visible() and alert.inner_text().strip()
    assert page.input_value("#f-email") == REVIEWER[0]
    assert page.input_value("#f-password") == ""  # a password is never sent back
    assert page.url.endswith("/portal/sign-in")


def test_the_regulator_signs_in_to_the_console_and_out_again(new_page):
    page = new_page()
    sign_in(page, *REGULATOR)
    assert page.url.endswith("/console")
    assert page.locator("header .who").is_visible()
    assert page.locator("header nav a[href='/console']").is_visible()
    with page.expect_navigation():
        page.click("header form[action='/sign-out'] button")
    assert page.url.endswith("/") and page.locator("header .who").count() == 0
    # Signed out means out: the console sends the reader to the sign-in page again.
    page.goto("/console")
    assert "/portal/sign-in" in page.url


def test_an_empty_form_names_each_missing_field_beside_it(new_page):
    page = new_page("en-US")
    page.goto("/portal/sign-in")
    with page.expect_navigation() as navigation:
        page.click("form.form button[type=submit]")
    assert navigation.value.status == 422
    for name in ("email", "password"):
        field = page.locator(f"#f-{name}")
        assert field.get_attribute("aria-invalid") == "true"
        reason = page.locator(f"#{field.get_attribute('aria-describedby').split()[0]}")
        assert reason.is_visible() and reason.inner_text().strip()


def test_the_language_chosen_stays_from_page_to_page(new_page):
    page = new_page("ko-KR")
    page.goto("/")
    assert page.get_attribute("html", "lang") == "ko"
    with page.expect_navigation():
        page.click("header a.lang")
    assert page.get_attribute("html", "lang") == "en" and page.url.endswith("/")
    assert {c["name"]: c["value"] for c in page.context.cookies()}["lang"] == "en"
    with page.expect_navigation():
        page.click("header nav a[href='/portal']")
    assert "/portal/sign-in" in page.url
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("header a.lang").get_attribute("lang") == "ko"  # the way back, in its own language


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("ko-KR", "ko")])
def test_the_browsers_language_is_the_first_choice(new_page, locale, lang):
    page = new_page(locale)
    page.goto("/")
    assert page.get_attribute("html", "lang") == lang


def test_the_first_tab_reaches_the_skip_link_and_focus_is_visible(new_page):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => { const el = document.activeElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
          return {cls: el.className, href: el.getAttribute('href'), outline: style.outlineStyle,
                  width: style.outlineWidth, left: box.left}; }"""
    )
    assert focused["cls"] == "skip" and focused["href"] == "#main"
    assert focused["outline"] != "none" and focused["width"] != "0px"
    assert focused["left"] >= 0  # on screen once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
