"""The public pages over HTTP, on both engines: search, a provider, certificate verification, the
catalogue (timeline, chart, an edition, a diff, an item's history) and the panel checker, in Korean and
in English."""

from __future__ import annotations

import datetime as dt
import html
import re

from registry.catalog.model import Category
from registry.kernel.clock import today_in_korea
from registry.web.i18n import Words
from tests.web.forms import csrf_of
from tests.workflow import certify, make_staff, register_lab, suspend_today, unique

EN = {"Accept-Language": "en"}
KO = Words("ko")
ENGLISH = Words("en")


def text_of(page) -> str:
    """The page's HTML with entities read back (names and sentences as a reader sees them)."""
    return html.unescape(page.text)


async def certified_lab(client, codes=("NUT-VITD", "HLT-BMI")):
    staff = await make_staff(client)
    lab = await register_lab(client, staff, name=unique("Public"))
    number = await certify(client, staff, lab, list(codes))
    return staff, lab, number


# --- search --------------------------------------------------------------------------------------------


async def test_search_finds_a_company_by_its_korean_and_english_name_with_its_certificate(client):
    _, lab, number = await certified_lab(client)
    korean_name = lab.name_en.removesuffix(" Genomics") + " 유전체"
    for query, headers in ((korean_name, {}), (lab.name_en.lower(), EN)):
        page = await client.get("/", params={"q": query}, headers=headers)
        assert page.status_code == 200
        body = text_of(page)
        assert f'href="/providers/{lab.provider_id}"' in body and f'href="/certificates/{number}"' in body
        words = ENGLISH if headers else KO
        assert f'<span class="badge s-active">{"active" if headers else "유효"}</span>' in body
        certificate = (await client.get(f"/api/v1/certificates/{number}")).json()
        validity = words("public.validity", start=certificate["valid_from"], end=certificate["valid_until"])
        assert validity in body


async def test_search_finds_an_item_by_name_and_who_is_certified_for_it(client):
    _, lab, _ = await certified_lab(client)
    for query, headers in (("비타민 D", {}), ("vitamin d", EN)):
        page = await client.get("/", params={"q": query}, headers=headers)
        body = text_of(page)
        assert 'href="/catalog/items/NUT-VITD"' in body
        row = body[body.index('href="/catalog/items/NUT-VITD"') :]
        row = row[: row.index("</tr>")]
        # beside the item, the first of its holders by English name (a registry-wide test database has many)
        assert 'href="/providers/' in row, "the item lists the providers certified for it"
        assert 'href="/catalog/items/NUT-VITD#holders"' in row
    holders = text_of(await client.get("/catalog/items/NUT-VITD", headers=EN))
    assert f'href="/providers/{lab.provider_id}"' in holders, "and every holder on the item's own page"


async def test_an_empty_search_lists_certified_providers_and_a_search_without_result_says_so(client):
    _, lab, _ = await certified_lab(client)
    start = await client.get("/")
    assert f'href="/providers/{lab.provider_id}"' in start.text
    assert 'href="/catalog"' in start.text and 'href="/check"' in start.text
    nothing = await client.get("/", params={"q": "zz-no-such-company-" + unique("q")}, headers=EN)
    assert nothing.status_code == 200
    assert "No provider or test item matches" in text_of(nothing)


# --- a provider ----------------------------------------------------------------------------------------


async def test_a_provider_shows_its_items_by_category_and_its_history_with_the_ground(client):
    staff, lab, number = await certified_lab(client)
    page = await client.get(f"/providers/{lab.provider_id}")
    assert page.status_code == 200
    body = text_of(page)
    assert f"<h1>{lab.name_en.removesuffix(' Genomics')} 유전체" in body, "the reader's language first"
    nutrients = body.index(f'<h3 id="cat-nutrients">{KO("catalog.category.nutrients")}')
    health = body.index(f'<h3 id="cat-health_management">{KO("catalog.category.health_management")}')
    first, second = sorted((nutrients, health))
    assert (
        first
        < body.index("NUT-VITD" if first == nutrients else "HLT-BMI")
        < second
        < body.index("HLT-BMI" if first == nutrients else "NUT-VITD")
    ), "each item under its category"
    assert (nutrients < health) == (
        list(Category).index(Category.nutrients) < list(Category).index(Category.health_management)
    )
    r = await suspend_today(client, staff, number)
    assert r.status_code == 200, r.text
    body = text_of(await client.get(f"/providers/{lab.provider_id}"))
    assert '<span class="badge s-suspended">업무정지</span>' in body
    assert "제49조의2제4항제2호" in body and "EQA failure" in body
    english = text_of(await client.get(f"/providers/{lab.provider_id}", headers=EN))
    assert f"<h1>{lab.name_en}" in english
    assert "Art. 49-2(4) item 2" in english and "Bioethics and Safety Act Art. 56(1)" in english


async def test_a_provider_on_another_date_and_an_unknown_provider(client):
    _, lab, _ = await certified_lab(client)
    yesterday = (today_in_korea() - dt.timedelta(days=1)).isoformat()
    before = await client.get(f"/providers/{lab.provider_id}", params={"as_of": yesterday})
    assert before.status_code == 200
    assert '<span class="badge s-none">인증 없음</span>' in before.text
    refused = await client.get(f"/providers/{lab.provider_id}", params={"as_of": "2024-02-31"})
    assert refused.status_code == 422 and 'id="e-as_of"' in refused.text and 'role="alert"' in refused.text
    missing = await client.get("/providers/2000000000")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    unverified = await register_lab(client)
    assert (await client.get(f"/providers/{unverified.provider_id}")).status_code == 404


# --- certificates ------------------------------------------------------------------------------------


async def test_verification_certified_then_suspended_on_a_date_then_unknown(client):
    staff, _, number = await certified_lab(client)
    today = today_in_korea()
    page = await client.get(f"/certificates/{number}")
    assert page.status_code == 200
    assert f'<span class="badge s-certified">{KO("certificate.result.certified")}</span>' in page.text
    assert 'class="certificate"' in page.text and KO("certificate.print_hint") in text_of(page)
    assert f"/api/v1/certificates/{number}?as_of={today.isoformat()}" in page.text
    assert (await suspend_today(client, staff, number)).status_code == 200
    during = (today + dt.timedelta(days=10)).isoformat()
    suspended = await client.get(f"/certificates/{number}", params={"as_of": during}, headers=EN)
    body = text_of(suspended)
    assert suspended.status_code == 200
    assert '<span class="badge s-not_certified">Not certified</span>' in body
    assert '<span class="badge s-suspended">suspended</span>' in body
    assert "EQA failure" in body and "Art. 49-2(4) item 2" in body
    assert "Items on the certificate (2, not in effect on" in body and "<code>NUT-VITD</code>" in body
    assert f"<dd>{during}</dd>" in body, "the verification's date"
    after = (today + dt.timedelta(days=100)).isoformat()
    again = await client.get(f"/certificates/{number}", params={"as_of": after}, headers=EN)
    assert '<span class="badge s-certified">Certified</span>' in again.text
    unknown = await client.get("/certificates/DTC-1999-9999")
    assert unknown.status_code == 404
    assert KO("certificate.unknown_title", number="DTC-1999-9999") in text_of(unknown)


# --- the catalogue -------------------------------------------------------------------------------------


async def test_catalogue_timeline_chart_with_its_table_and_an_editions_items(client):
    versions = (await client.get("/api/v1/catalog/versions", params={"limit": 100})).json()["data"]
    page = await client.get("/catalog")
    assert page.status_code == 200
    body = page.text
    timeline = body[body.index('class="timeline"') :]
    positions = [timeline.index(f'href="/catalog?edition={v["version"]}"') for v in reversed(versions)]
    assert positions == sorted(positions), "oldest first"
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in body
    assert '<title id="chart-title">' in body and '<desc id="chart-desc">' in body
    table = body[body.index('<table class="numbers">') :]
    newest = versions[0]
    row = table[table.index(f">{newest['version']}</a>") :]
    row = row[: row.index("</tr>")]
    assert f"<td>{newest['items_known']}</td>" in row, "the chart's numbers as a table"
    first = versions[-1]["version"]
    edition = await client.get("/catalog", params={"edition": first})
    detail = (await client.get(f"/api/v1/catalog/versions/{first}")).json()
    assert edition.status_code == 200
    for item in detail["items"]:
        assert f'href="/catalog/items/{item["code"]}"' in edition.text
    for category in {i["category"] for i in detail["items"]}:
        assert f"<h3>{KO(f'catalog.category.{category}')}" in edition.text
    assert (await client.get("/catalog", params={"edition": "1999-01-01"})).status_code == 404


async def test_a_diff_between_two_editions_lists_what_was_added(client):
    versions = [v["version"] for v in (await client.get("/api/v1/catalog/versions")).json()["data"]]
    for source, target in zip(versions[1:], versions, strict=False):
        diff = (await client.get("/api/v1/catalog/diff", params={"from": source, "to": target})).json()
        if diff["added"]:
            break
    page = await client.get("/catalog", params={"from": source, "to": target}, headers=EN)
    assert page.status_code == 200
    body = text_of(page)
    assert f"Added ({len(diff['added'])})" in body
    for item in diff["added"]:
        assert f'href="/catalog/items/{item["code"]}"' in body and item["name_en"] in body
    assert f"Changed ({len(diff['changed'])})" in body


async def test_an_items_history_and_who_is_certified_for_it(client):
    _, lab, _ = await certified_lab(client)
    history = (await client.get("/api/v1/catalog/items/NUT-VITD")).json()
    page = await client.get("/catalog/items/nut-vitd")
    assert page.status_code == 200
    for row in history["history"]:
        assert f'href="/catalog?edition={row["version"]}"' in page.text
    holders = page.text[page.text.index('id="holders"') :]
    assert f'href="/providers/{lab.provider_id}"' in holders
    assert (await client.get("/catalog/items/XYZ-NOPE")).status_code == 404


# --- the panel checker -----------------------------------------------------------------------------------


async def test_the_checker_passes_a_certified_panel_and_explains_a_failing_item_in_both_languages(client):
    _, lab, number = await certified_lab(client)
    provider_page = await client.get(f"/providers/{lab.provider_id}")
    assert f'href="/check?provider_id={lab.provider_id}"' in provider_page.text
    chosen = await client.get("/check", params={"provider_id": lab.provider_id})
    assert f'<option value="{lab.provider_id}" selected>' in chosen.text
    token = await csrf_of(client, "/check")
    form = {"_csrf_token": token, "provider_id": str(lab.provider_id), "target": "adult", "claims": ""}
    passed = await client.post("/check", data={**form, "items": "NUT-VITD\nHLT-BMI"})
    assert passed.status_code == 200, passed.text
    assert f'<span class="badge s-pass">{KO("check.verdict.permitted")}</span>' in passed.text
    assert f'href="/certificates/{number}' in passed.text
    failing = {**form, "provider_id": "", "certificate": number, "items": "NUT-VITD\nNUT-VITA markers=rs123"}
    for headers, words, basis in (({}, KO, "생명윤리법"), (EN, ENGLISH, "Bioethics and Safety Act")):
        page = await client.post("/check", data=failing, headers=headers)
        assert page.status_code == 200, page.text
        body = text_of(page)
        assert f'<span class="badge s-fail">{words("check.verdict.not_permitted")}</span>' in body
        row = body[body.index("<code>NUT-VITA</code>") :]
        row = row[: row.index("</tr>")]
        assert "ITEM_NOT_CERTIFIED" in row and words("check.severity.error") in row
        assert basis in row, "the finding's legal basis in the reader's language"
        assert "rs123" in row


async def test_the_checker_refuses_a_form_it_cannot_read_and_keeps_the_input(client):
    token = await csrf_of(client, "/check")
    page = await client.post(
        "/check",
        data={"_csrf_token": token, "provider_id": "", "as_of": "2024-13-01", "items": "NUT-VITD colour", "claims": ""},
        headers=EN,
    )
    assert page.status_code == 422
    body = text_of(page)
    assert 'role="alert"' in body
    for name in ("provider_id", "as_of", "items"):
        assert f'id="e-{name}"' in body and f'aria-describedby="e-{name}' in body
    assert "NUT-VITD colour" in body, "what was typed is kept"
    assert (await client.post("/check", data={"items": "NUT-VITD"})).status_code == 403, "no CSRF token"


# --- every page, both languages -------------------------------------------------------------------------


async def test_every_public_page_answers_in_both_languages(client):
    _, lab, number = await certified_lab(client)
    pages = [
        "/",
        "/?q=vitamin",
        f"/providers/{lab.provider_id}",
        f"/certificates/{number}",
        "/catalog",
        "/catalog?edition=2016-06-30&from=2016-06-30&to=2020-02-17",
        "/catalog/items/NUT-VITD",
        "/check",
    ]
    for path in pages:
        for lang, headers in (("ko", {}), ("en", EN)):
            page = await client.get(path, headers=headers)
            assert page.status_code == 200, (path, lang, page.text[:500])
            assert f'<html lang="{lang}">' in page.text and page.text.count("<h1") == 1, path
            title = re.search(r"<title>(.*?)</title>", page.text, re.DOTALL).group(1)
            assert title.strip(" ·"), path
            # A message key never shows as text: an unknown key fails the page, and none is printed raw.
            assert not re.search(r">\s*(home|public|provider|certificate|catalog|item|check)\.[a-z_.]+\s*<", page.text)
