"""Public pages, no sign-in: the search at `/`, providers, certificate verification, the catalogue and
its history, and the panel checker."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from registry.web.pages import page


@get("/", sync_to_thread=False)
def home(request: Request, q: FromQuery[str | None] = None) -> Template:
    """One search box: a company or an item, in Korean or English."""
    return page(request, "public/home.html", q=(q or "").strip())


ROUTES = [home]
