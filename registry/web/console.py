"""The regulator console (`/console`): the ministry's and the evaluating agency's work."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from registry.accounts.model import STAFF
from registry.web.pages import page, signed_in


@get("/console", sync_to_thread=False)
def console_home(request: Request) -> Template:
    principal = signed_in(request, *sorted(STAFF))
    return page(request, "console/home.html", principal=principal)


ROUTES = [console_home]
