"""Every page reachable by links from the three start points — the public search, the provider portal, the
regulator console — in Korean and in English: it answers 200, it speaks one language, axe-core finds no
serious or critical violation, it loads without a refused resource; a screenshot and the first load's
figures land in artifacts/screenshots/. New pages are covered as soon as a page links to them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tests.web.browser.conftest import CHROMIUM, PROVIDER, REGULATOR, sign_in
from tests.web.browser.crawl import Crawl, Report, Seen

pytestmark = pytest.mark.browser

# name: (start, account signed in through the form, the area the crawl stays in)
STARTS = {
    "public": ("/", None, "/"),
    "portal": ("/portal", PROVIDER, "/portal"),
    "console": ("/console", REGULATOR, "/console"),
}


def _crawl(base: str, report: Report, start: str, account: tuple[str, str] | None, area: str) -> list[Seen]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        crawler = Crawl(browser, base, start, report, area=area)
        if account:
            sign_in(crawler.page, *account)
        seen = crawler.run()
        browser.close()
        return seen


@pytest.fixture(scope="package")
def crawled(live_server, report) -> Iterator[dict[str, Future[list[Seen]]]]:
    """The start points crawled at once, each in a thread with a Playwright and a browser of its own (the
    sync API is per thread): the rendering shares the machine's cores, and the suite stays quick. A test
    takes its start point's result, so a crawl that fails fails only its own tests."""
    with ThreadPoolExecutor(len(STARTS)) as pool:
        yield {name: pool.submit(_crawl, live_server, report, *STARTS[name]) for name in STARTS}


def _problems(seen: list[Seen], what: Callable[[Seen], list[str]]) -> str:
    return "\n".join(f"{s.path} [{s.lang}]: {problem}" for s in seen for problem in what(s))


@pytest.mark.parametrize("start", STARTS)
def test_every_page_answers_in_both_languages(crawled, start):
    seen = crawled[start].result()
    assert seen, f"the crawl from {STARTS[start][0]} found no page"
    languages: dict[str, set[str]] = {}
    for s in seen:
        languages.setdefault(s.path, set()).add(s.lang)
    assert {path: langs for path, langs in languages.items() if langs != {"ko", "en"}} == {}
    problems = _problems(seen, lambda s: [] if s.status == 200 else [f"answered {s.status} (linked from {s.via})"])
    assert not problems, "pages that did not answer 200:\n" + problems


@pytest.mark.parametrize("start", STARTS)
def test_every_page_speaks_the_readers_language_only(crawled, start):
    """In English no Korean outside elements marked lang="ko" (names only the data holds in Korean must be
    marked so); in Korean no English message of the catalogue; in neither a message key instead of text."""
    problems = _problems(crawled[start].result(), lambda s: s.untranslated)
    assert not problems, "untranslated text:\n" + problems


@pytest.mark.parametrize("start", STARTS)
def test_no_page_has_a_serious_accessibility_violation(crawled, start):
    problems = _problems(crawled[start].result(), lambda s: s.severe)
    assert not problems, "axe-core, serious or critical:\n" + problems


@pytest.mark.parametrize("start", STARTS)
def test_every_page_loads_without_a_refused_resource_or_script_error(crawled, start):
    """Stylesheet and scripts load, the CSP refuses nothing, no script fails, the toggle returns to the page."""
    problems = _problems(crawled[start].result(), lambda s: s.broken)
    assert not problems, problems


def test_the_accessibility_check_finds_what_it_looks_for(browser):
    """axe-core as the crawl runs it, on a page made to fail: a field without a label, an image without text."""
    from tests.web.browser.crawl import AXE_RUN, axe_source

    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><input><img src="x.png"></main></html>')
    page.add_script_tag(content=axe_source())
    found = {v["id"]: v["impact"] for v in page.evaluate(AXE_RUN)}
    context.close()
    assert found["label"] == "critical" and found["image-alt"] == "critical"


def test_the_language_check_reads_what_a_reader_sees(browser):
    """Text in the browser: marked Korean is fine, hidden text is not read, a label read aloud is."""
    from tests.web.browser.crawl import VISIBLE_TEXT, untranslated

    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><title>Registry</title><body><p>Lab <span lang="ko">한빛</span></p>'
        '<p hidden>숨김</p><button aria-label="닫기">x</button><div class="who">김한빛</div></body></html>'
    )
    found = untranslated(page.evaluate(VISIBLE_TEXT), "en")
    context.close()
    assert found == [
        "Korean text not marked lang=\"ko\": '김한빛' in div.who",
        "Korean text not marked lang=\"ko\": '닫기' in button[aria-label]",
    ]
