"""The crawler behind the generic page tests: from a start point it follows the pages' own links, so every
page that is linked is checked without a list to keep; each page is seen in both languages (switched by
the header's toggle), its visible text read, its first load measured, axe-core run on it, and a full-page
screenshot kept."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from registry.web.i18n import messages

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Response

AXE = Path(__file__).parent / "assets" / "axe.min.js"
PAGES_PER_START = 60
# Of one kind of page (`/providers/1`, `/providers/2`; `?page=2`, `?q=...`) a few show the template; more
# only repeat it, and the suite must stay quick.
VARIANTS = 2
# Not pages: the API and its documents, the feed, files, the toggle itself.
NOT_PAGES = ("/api/", "/schema", "/feed.atom", "/static/", "/lang/")
DOWNLOADS = re.compile(r"\.(csv|json|xlsx?|pdf|zip|atom|xml|txt|png|jpe?g|svg)$", re.IGNORECASE)
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
KEY = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\b")
SEVERE = ("serious", "critical")

# Every piece of text a reader sees or hears, with the language it is marked in (the nearest `lang`) and
# where it is: text nodes that are rendered, the labels a screen reader reads, and the title.
VISIBLE_TEXT = """() => {
  const langOf = el => ((el.closest('[lang]') || document.documentElement).getAttribute('lang') || '')
    .toLowerCase().split('-')[0];
  const where = el => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
      parts.unshift(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.classList.length ? '.' + [...e.classList].join('.') : ''));
    }
    return parts.join(' > ');
  };
  const shown = el => (el.closest('select') || el).checkVisibility({visibilityProperty: true});
  const out = [{text: document.title, lang: langOf(document.documentElement), where: 'title'}];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement, text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (!text || !el || el.closest('script, style, template, noscript') || !shown(el)) continue;
    out.push({text, lang: langOf(el), where: where(el)});
  }
  for (const el of document.body.querySelectorAll('input[type=submit], input[type=button], input[type=reset]')) {
    if (el.value.trim() && shown(el)) out.push({text: el.value.trim(), lang: langOf(el), where: where(el)});
  }
  for (const attr of ['aria-label', 'alt', 'placeholder', 'title']) {
    for (const el of document.body.querySelectorAll('[' + attr + ']')) {
      const text = el.getAttribute(attr).trim();
      if (text) out.push({text, lang: langOf(el), where: where(el) + '[' + attr + ']'});
    }
  }
  return out;
}"""

LINKS = "els => els.filter(a => !a.hasAttribute('download')).map(a => a.href)"

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
}"""


@cache
def english_phrases() -> dict[str, str]:
    """English catalogue text long enough to be unmistakable (≥ 12 characters between placeholders), by key."""
    phrases = {}
    for key, text in messages().items():
        if text["en"] == text["ko"]:
            continue
        for piece in re.split(r"\{[^}]*\}", text["en"]):
            piece = " ".join(piece.split())
            if len(piece) >= 12:
                phrases[piece] = key
    return phrases


def kind_of(target: str) -> str:
    """The kind of page a link leads to: its path with record identifiers (a segment with a digit, or a code
    without lower case: `17`, `2021-03-03`, `NUT-VITC`) as `*`, and whether it has a query."""
    path, _, query = target.partition("?")
    segments = ["*" if re.search(r"\d", s) or (s.upper() == s != s.lower()) else s for s in path.split("/")]
    return "/".join(segments) + ("?" if query else "")


def untranslated(chunks: list[dict[str, str]], lang: str) -> list[str]:
    """What a reader of `lang` would see in the other language, or a message key shown instead of its text."""
    found = []
    for chunk in chunks:
        text, where = chunk["text"], chunk["where"]
        # Only a key of the catalogue: `t()` refuses an unknown one, so a key shown is one written as text.
        for match in KEY.finditer(text):
            if match.group() in messages():
                found.append(f"message key shown: {match.group()!r} in {where}")
        if lang == "en" and chunk["lang"] != "ko" and HANGUL.search(text):
            found.append(f'Korean text not marked lang="ko": {text[:80]!r} in {where}')
    if lang == "ko":
        korean = " ".join(c["text"] for c in chunks if c["lang"] != "en")
        for phrase, key in english_phrases().items():
            if phrase in korean:
                found.append(f"English message {key} on the Korean page: {phrase!r}")
    return found


def slug(path: str) -> str:
    """`/portal/sign-in` → `portal-sign-in`, `/` → `home`; a query string stays part of the name."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", unquote(path)).strip("-")
    return name or "home"


@dataclass
class Seen:
    """One page in one language."""

    path: str
    lang: str
    status: int
    via: str  # the page whose link led here
    untranslated: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # resources that failed, CSP refusals, script errors
    bytes: int = 0
    requests: int = 0
    axe: dict[str, int] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def severe(self) -> list[str]:
        return [
            f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['nodes'])}"
            for v in self.violations
            if v["impact"] in SEVERE
        ]


class Report:
    """report.json: per page and language, the first load's bytes and requests and axe's counts by impact."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.pages: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()  # the crawls run side by side

    def add(self, start: str, seen: Seen) -> None:
        with self.lock:
            entry = self.pages.setdefault(slug(seen.path), {"path": seen.path, "start": start})
            entry[seen.lang] = {k: v for k, v in asdict(seen).items() if k not in ("path", "lang", "via")}
            self._write()

    def write(self) -> None:
        with self.lock:
            self._write()

    def _write(self) -> None:
        text = json.dumps({"pages": dict(sorted(self.pages.items()))}, ensure_ascii=False, indent=2)
        (self.directory / "report.json").write_text(text + "\n", encoding="utf-8")


class Crawl:
    """The pages reachable from `start` by links, each in Korean and in English. Signed-in crawls stay in
    their own area (`/portal`, `/console`): the public pages are the anonymous crawl's."""

    def __init__(self, browser: Browser, base: str, start: str, report: Report, *, area: str = "/"):
        self.browser, self.base, self.start, self.report, self.area = browser, base, start, report, area
        self.origin = urlsplit(base).netloc
        self.context = browser.new_context(base_url=base, locale="ko-KR")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.broken: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.broken.append(f"script error: {e}"))
        self.page.on("requestfailed", lambda r: self.broken.append(f"failed: {r.url} ({r.failure})"))
        self.page.on("response", self._resource)
        self.seen: list[Seen] = []
        # The audit's page bypasses the CSP only because axe-core is injected as an inline script, which the
        # pages' `script-src 'self'` rightly refuses; the crawl's own page keeps the CSP enforced.
        self.audit = browser.new_context(base_url=base, locale="ko-KR", bypass_csp=True).new_page()
        self.audit.context.set_default_timeout(15_000)
        self.devtools = self.audit.context.new_cdp_session(self.audit)  # kept: the setting lasts as long as it
        self.devtools.send("Network.enable")
        self.devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.finished: list[Any] = []
        self.audit.on("requestfinished", lambda request: self.finished.append(request))

    def run(self) -> list[Seen]:
        try:
            self._crawl()
        finally:
            self.context.close()
            self.audit.context.close()
        return self.seen

    def _crawl(self) -> None:
        from playwright.sync_api import Error as BrowserError

        queue, queued, kinds, done = deque([(self.start, "")]), {self.start}, Counter[str](), set[str]()
        while queue and len(done) < PAGES_PER_START:
            path, via = queue.popleft()
            try:
                here, links = self._visit(path, via, done)
            except BrowserError as error:  # one page the browser cannot show must not hide the others
                failure = f"the browser could not show it: {error.message.splitlines()[0]}"
                self.seen.append(Seen(path=path, lang="", status=0, via=via, broken=[failure]))
                continue
            for link in links:
                target = self._follow(link)
                if target and target not in queued and kinds[kind_of(target)] < VARIANTS:
                    kinds[kind_of(target)] += 1
                    queued.add(target)
                    queue.append((target, here))

    def _visit(self, path: str, via: str, done: set[str]) -> tuple[str, list[str]]:
        """The page in the reader's language, then in the other; where it is and the links it has."""
        self.broken.clear()
        response = self.page.goto(path)
        here = self._path()
        if here in done:
            return here, []  # a redirect to a page already seen (the sign-in page, say)
        done.add(here)
        links = self.page.eval_on_selector_all("a[href]", LINKS)
        self._check(here, via, response)
        toggle = self.page.locator("header a.lang")
        if toggle.count() != 1:
            self.seen[-1].broken.append("the header has no language toggle (a.lang)")
            return here, links
        # The header's toggle, as a reader switches: it must bring the same page back in the other language.
        with self.page.expect_navigation() as navigation:
            toggle.click()
        self._check(here, via, navigation.value, toggled_from=here)
        return here, links

    def _console(self, message: ConsoleMessage) -> None:
        # A CSP refusal shows only here. A failed load is the `response` listener's (it names the URL), or
        # the page's own status; the browser's /favicon.ico, which the site does not have, is neither.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.broken.append(f"console: {message.text}")

    def _resource(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.broken.append(f"{response.status}: {response.url}")

    def _path(self) -> str:
        url = urlsplit(self.page.url)
        return url.path + (f"?{url.query}" if url.query else "")

    def _follow(self, href: str) -> str | None:
        url = urlsplit(href)
        if url.scheme not in ("http", "https") or url.netloc != self.origin:
            return None
        if url.path.startswith(NOT_PAGES) or DOWNLOADS.search(url.path) or not url.path.startswith(self.area):
            return None
        return url.path + (f"?{url.query}" if url.query else "")

    def _check(self, path: str, via: str, response: Response | None, toggled_from: str | None = None) -> None:
        lang = self.page.evaluate("document.documentElement.lang")
        seen = Seen(path=path, lang=lang, status=response.status if response else 0, via=via)
        if toggled_from is not None and self._path() != toggled_from:
            seen.broken.append(f"the language toggle went to {self._path()}, not back to {toggled_from}")
        seen.untranslated = untranslated(self.page.evaluate(VISIBLE_TEXT), lang)
        self.page.screenshot(path=self.report.directory / f"{slug(path)}.{lang}.png", full_page=True)
        self._first_load(seen)
        seen.broken += self.broken
        self.broken.clear()
        self.seen.append(seen)
        self.report.add(self.start, seen)

    def _first_load(self, seen: Seen) -> None:
        """The page once more as a first visit (the crawl's cookies, no cache): what it transfers; then
        axe-core on it."""
        self.audit.context.clear_cookies()
        self.audit.context.add_cookies(self.context.cookies())
        self.finished.clear()
        self.audit.goto(seen.path, wait_until="load")
        sizes = [r.sizes() for r in self.finished]
        seen.requests = len(sizes)
        seen.bytes = sum(s["responseHeadersSize"] + s["responseBodySize"] for s in sizes)
        self.audit.add_script_tag(content=axe_source())
        seen.violations = self.audit.evaluate(AXE_RUN)
        seen.axe = dict(Counter(v["impact"] or "none" for v in seen.violations))


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")
