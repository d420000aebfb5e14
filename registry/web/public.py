"""Public pages, no sign-in: the search at `/`, providers, certificate verification, the catalogue and
its history, and the panel checker.

Each page reads through the same service functions (and catalogue model functions) as the public JSON
endpoint it mirrors; what is here is only arranging their answers for a reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Template
from pydantic import BaseModel, ConfigDict

from registry.catalog.api import history_out, version_not_found
from registry.catalog.model import Category, Edition, diff_editions, find_items
from registry.catalog.queries import published_catalogue
from registry.certification import certificates
from registry.certification import urls as certification_urls
from registry.http.pagination import MAX_LIMIT
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError
from registry.panels import service as panels
from registry.panels.model import PanelRequest
from registry.providers import service as providers
from registry.providers.schemas import CertificateSummary, ProviderOut
from registry.web.i18n import Words
from registry.web.pages import FormProblem, domain_problem, page, parse_form, words_for

FormData = URLEncodedBody[dict[str, Any]]
T = TypeVar("T")


# --- the date a page reads as of ------------------------------------------------------------------------


class AsOfInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: dt.date


def as_of_day(words: Words, value: str | None) -> tuple[dt.date, FormProblem | None]:
    """The day a page reads as of: `?as_of=` when given and a date, else today in Korea (with the reason
    the date was refused, shown beside the date field)."""
    today = today_in_korea()
    if not value:
        return today, None
    parsed = parse_form(AsOfInput, {"as_of": value.strip()}, words)
    if isinstance(parsed, FormProblem):
        return today, parsed
    return parsed.as_of, None


def _status(problem: FormProblem | None, default: int = 200) -> int:
    return 422 if problem else default


def main_certificate(provider: ProviderOut) -> CertificateSummary | None:
    """The certificate that speaks for the provider on the day read (its number is the provider's)."""
    return next((c for c in provider.certificates if c.number == provider.certificate_number), None)


def by_category(pairs: Iterable[tuple[Category, T]]) -> list[tuple[Category, list[T]]]:
    """Rows grouped by their category, categories in the catalogue's order."""
    groups: dict[Category, list[T]] = {}
    for category, row in pairs:
        groups.setdefault(category, []).append(row)
    return [(c, groups[c]) for c in Category if c in groups]


# Providers a public page lists at most (the first by English name), and beside each item found by a
# search; the API pages through the rest.
LISTED = MAX_LIMIT
HOLDERS_BESIDE_ITEM = 20


# --- 1. search --------------------------------------------------------------------------------------------


@get("/")
async def home(request: Request, q: FromQuery[str | None] = None) -> Template:
    """One search box: a company or an item, in Korean or English."""
    query = (q or "").strip()[:200]
    day = today_in_korea()
    if not query:
        certified = await _certified_today()
        return page(request, "public/home.html", q="", day=day, certified=certified, main=main_certificate)
    found = await providers.list_providers(q=query, item=None, status=None, day=day, limit=LISTED)
    items = find_items(await published_catalogue(), query, day)
    holders = await providers.certified_for_items([f.entry.code for f in items], day, limit=HOLDERS_BESIDE_ITEM)
    return page(
        request,
        "public/home.html",
        q=query,
        day=day,
        providers=found.rows,
        items=items,
        holders=holders,
        main=main_certificate,
    )


# --- 2. a provider -----------------------------------------------------------------------------------------


@get("/providers/{provider_id:int}")
async def provider_page(request: Request, provider_id: FromPath[int], as_of: FromQuery[str | None] = None) -> Template:
    """A provider: its names, certificates on a date, certified items by category, and their history."""
    words = words_for(request)
    day, problem = as_of_day(words, as_of)
    provider = await providers.provider_public(provider_id, day)
    catalogue = await published_catalogue()
    histories = [await certificates.certificate_history(c.number) for c in provider.certificates]
    # An item's category as the catalogue gives it on the day read (else as it last read).
    readings = [(catalogue.last_reading(i.code, day), i) for i in provider.items]
    return page(
        request,
        "public/provider.html",
        status_code=_status(problem),
        provider=provider,
        day=day,
        as_of=as_of or "",
        problem=problem,
        groups=by_category((entry.category, item) for entry, item in readings if entry is not None),
        histories=histories,
    )


# --- 3. a certificate ----------------------------------------------------------------------------------


@get("/certificates/{number:str}")
async def certificate_page(request: Request, number: FromPath[str], as_of: FromQuery[str | None] = None) -> Template:
    """Verification of a certificate on a date, printable on one page."""
    words = words_for(request)
    day, problem = as_of_day(words, as_of)
    verified = await certificates.verify_certificate(number.strip().upper()[:40], day)
    unknown = verified.result == "unknown"
    return page(
        request,
        "public/certificate.html",
        status_code=404 if unknown else _status(problem),
        cert=verified,
        day=day,
        as_of=as_of or "",
        problem=problem,
        json_href=f"{certification_urls.certificate(verified.number)}?as_of={day.isoformat()}",
    )


# --- 4. the catalogue ------------------------------------------------------------------------------------

# Okabe-Ito colours (told apart with the common colour-vision deficiencies), one per category, in CSS.
CHART_WIDTH, CHART_HEIGHT = 720, 340
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 710, 16, 260


@dataclass(frozen=True)
class Segment:
    category: Category
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    version: str
    x: float
    width: float
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[int, float]]
    categories: list[Category]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    bottom: int = PLOT_BOTTOM


def _scale_top(largest: int) -> tuple[int, int]:
    """A round top for the count axis and its step: about five ticks."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10**9) if largest / s <= 6)
    return max(step, -(-largest // step) * step), step


def category_chart(editions: list[Edition]) -> Chart:
    """Stacked bars, one per edition, of the items each edition lists per category (server-drawn SVG)."""
    counts = [e.counts_by_category() for e in editions]
    categories = [c for c in Category if any(n[c] for n in counts)]
    top, step = _scale_top(max((sum(n.values()) for n in counts), default=0) or 1)
    height = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(editions), 1)
    bars = []
    for i, (edition, n) in enumerate(zip(editions, counts, strict=True)):
        y = float(PLOT_BOTTOM)
        segments = []
        for category in categories:
            h = height * n[category] / top
            y -= h
            if n[category]:
                segments.append(Segment(category, n[category], round(y, 1), round(h, 1)))
        bars.append(
            Bar(
                edition.version,
                round(PLOT_LEFT + i * slot + slot * 0.2, 1),
                round(slot * 0.6, 1),
                sum(n.values()),
                segments,
            )
        )
    ticks = [(v, round(PLOT_BOTTOM - height * v / top, 1)) for v in range(0, top + 1, step)]
    return Chart(bars, ticks, categories)


def change_words(words: Words, name: str, value: object) -> str:
    """A compared field's value as a reader reads it: categories, statuses and policies in words."""
    value = getattr(value, "value", value)
    if value is None or value == () or value == []:
        return "—"
    if isinstance(value, bool):
        return words("public.yes" if value else "public.no")
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    if name in ("category", "status", "tier", "minors"):
        return words(f"catalog.{name}.{value}")
    return str(value)


@get("/catalog")
async def catalog_page(
    request: Request,
    edition: FromQuery[str | None] = None,
    from_version: Annotated[str | None, QueryParameter(name="from", required=False)] = None,
    to_version: Annotated[str | None, QueryParameter(name="to", required=False)] = None,
) -> Template:
    """The editions on a timeline, their counts by category, one edition's items, and a diff of two."""
    catalogue = await published_catalogue()
    editions = list(catalogue.editions)
    shown = None
    if edition:
        shown = catalogue.get(edition.strip())
        if shown is None:
            raise version_not_found(edition.strip(), "edition")
    diff = None
    if from_version and to_version:
        source, target = catalogue.get(from_version.strip()), catalogue.get(to_version.strip())
        if source is None:
            raise version_not_found(from_version.strip(), "from")
        if target is None:
            raise version_not_found(to_version.strip(), "to")
        diff = diff_editions(source, target)
    in_force = catalogue.in_force(today_in_korea())
    newest = editions[-1].version if editions else ""
    before_newest = editions[-2].version if len(editions) > 1 else newest
    return page(
        request,
        "public/catalog.html",
        editions=editions,
        in_force=in_force.version if in_force else None,
        chart=category_chart(editions),
        shown=shown,
        shown_groups=by_category((e.category, e) for e in shown.content.items) if shown else [],
        diff=diff,
        diff_from=(from_version or before_newest).strip(),
        diff_to=(to_version or newest).strip(),
        value_words=lambda name, value: change_words(words_for(request), name, value),
    )


@get("/catalog/items/{code:str}")
async def item_page(request: Request, code: FromPath[str]) -> Template:
    """One item across every edition, and who is certified for it today."""
    catalogue = await published_catalogue()
    history = history_out(catalogue, code.strip().upper()[:40])
    if history is None:
        raise DomainError("ITEM_NOT_FOUND", code=code)
    day = today_in_korea()
    holders = (await providers.list_providers(q=None, item=history.code, status=None, day=day, limit=LISTED)).rows
    return page(
        request,
        "public/item.html",
        item=history,
        day=day,
        holders=holders,
        main=main_certificate,
        value_words=lambda name, value: change_words(words_for(request), name, value),
    )


# --- 5. the panel checker ------------------------------------------------------------------------------

# One item a line: its code, then optionally `genes=` and `markers=` lists (Korean labels read the same).
_LABELS = {"genes": "genes", "유전자": "genes", "markers": "markers", "마커": "markers"}
_PART = re.compile(r"(genes|markers|유전자|마커)\s*[=:]\s*", re.IGNORECASE)


def read_item_lines(text: str) -> tuple[list[dict], dict[int, str]]:
    """The items of the form's text: one item a line, as the engine's input model takes them; and the
    lines that could not be read (1-based line number -> the part not understood)."""
    items: list[dict] = []
    unread: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        code, _, rest = line.partition(" ")
        item: dict[str, Any] = {"code": code.strip(",;"), "genes": [], "markers": []}
        pieces = _PART.split(rest.strip())
        if pieces[0].strip(" ,;"):
            unread[number] = pieces[0].strip()
        for label, values in zip(pieces[1::2], pieces[2::2], strict=True):
            item[_LABELS[label.lower()]] += [v for v in re.split(r"[\s,;]+", values) if v]
        items.append(item)
    return items, unread


def _check_context(request: Request, **context: Any) -> dict[str, Any]:
    return {"form": {"as_of": today_in_korea().isoformat(), "target": "adult"}, "problem": None, **context}


async def _certified_today() -> list[ProviderOut]:
    listed = await providers.list_providers(q=None, item=None, status="active", day=today_in_korea(), limit=LISTED)
    return listed.rows


@get("/check")
async def check_page(request: Request, provider_id: FromQuery[str | None] = None) -> Template:
    """The panel checker's form: a provider (chosen already when a provider's page links here), a date,
    the target group, the items and the claims."""
    context = _check_context(request)
    context["form"]["provider_id"] = (provider_id or "").strip()
    return page(request, "public/check.html", **context, choices=await _certified_today())


def _items_problem(words: Words, problem: FormProblem, lines: list[int]) -> FormProblem:
    """Reasons of `items.N.field` shown beside the items' text, naming the line they come from."""
    fields: dict[str, str] = {}
    for name, reason in problem.fields.items():
        parts = name.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(lines):
            fields["items"] = (
                fields.get("items", "") + words("check.line_reason", line=lines[int(parts[1])], reason=reason) + " "
            )
        else:
            fields.setdefault(name, reason)
    return FormProblem(problem.summary, {k: v.strip() for k, v in fields.items()}, problem.code)


@post("/check")
async def check_submit(request: Request, data: FormData) -> Template:
    """Check the panel as POST /api/v1/panels/check does, for the provider named."""
    words = words_for(request)
    form = {k: (v if isinstance(v, str) else "") for k, v in data.items() if k != "_csrf_token"}
    choices = await _certified_today()
    problem = None
    item_text = form.get("items", "")
    items, unread = read_item_lines(item_text)
    lines = [n for n, line in enumerate(item_text.splitlines(), start=1) if line.strip()]
    fields: dict[str, str] = {}
    if unread:
        fields["items"] = " ".join(words("check.unread", line=n, text=text) for n, text in unread.items())
    provider_id: Any = (form.get("provider_id") or "").strip() or None
    number = (form.get("certificate") or "").strip().upper()
    as_of_text = (form.get("as_of") or "").strip()
    names = {p.id: (p.name_ko, p.name_en) for p in choices}
    if number:
        day, _ = as_of_day(words, as_of_text)  # a refused date is reported by the check's own input model
        verified = await certificates.verify_certificate(number[:40], day)
        if verified.result == "unknown":
            fields["certificate"] = words("check.no_certificate", number=number[:40])
        elif provider_id and str(verified.provider_id) != provider_id:
            fields["certificate"] = words("check.other_provider")
        else:
            provider_id = verified.provider_id
            names[verified.provider_id] = (verified.provider_name_ko, verified.provider_name_en)  # type: ignore[index]
    if provider_id is None and "certificate" not in fields:
        fields["provider_id"] = words("check.provider_missing")
    body = {
        "provider_id": provider_id,
        "as_of": as_of_text or None,
        "target": form.get("target") or "adult",
        "items": items,
        "claims": form.get("claims", ""),
    }
    parsed = parse_form(PanelRequest, body, words)
    if isinstance(parsed, FormProblem):
        problem = _items_problem(words, parsed, lines)
    if fields:
        merged = {**(problem.fields if problem else {}), **fields}
        problem = FormProblem(words("form.invalid", count=len(merged)), merged)
    if problem is None:
        assert isinstance(parsed, PanelRequest)
        try:
            result = await panels.check_panel_public(parsed)
        except DomainError as error:
            problem = domain_problem(words, error)
        else:
            return page(
                request,
                "public/check.html",
                **_check_context(request, form=form),
                choices=choices,
                result=result,
                checked=parsed,
                holder=names.get(result.provider_id),  # type: ignore[arg-type]
            )
    return page(
        request,
        "public/check.html",
        status_code=422,
        **_check_context(request, form=form, problem=problem),
        choices=choices,
    )


ROUTES = [home, provider_page, certificate_page, catalog_page, item_page, check_page, check_submit]
