"""The application factory: wires settings, storage, error handling and every feature's routes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Contact
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from registry import __version__, wiring
from registry.accounts import urls as accounts_urls
from registry.accounts.api import AccountsController, UsersController
from registry.accounts.service import demo_accounts_present, token_holder
from registry.audit.api import AuditController
from registry.catalog.api import CatalogueController
from registry.certification.api import ApplicationsController, CertificatesController, ValidationsController
from registry.db import changes
from registry.db.engine import engine_from_url, prepare_engine, release_engine
from registry.http.access import RequestLog
from registry.http.auth import PrincipalCache, TokenAuthentication
from registry.http.cache import PublicAnswers
from registry.http.limits import ConcurrencyLimit, RateLimit
from registry.http.openapi import document_the_contract
from registry.http.params import check_parameters
from registry.http.problems import EXCEPTION_HANDLERS, http_response
from registry.http.reads import PublicReadsOnReplicas
from registry.http.requests import RegistryRequest
from registry.http.security import DOCS_ASSETS_DIR, JSON_BODY_MAX, DocsPage, HeaderLimits, SecurityHeaders
from registry.opendata.api import OpenDataController
from registry.panels import urls as panels_urls
from registry.panels.api import ImpactController, PanelsController
from registry.panels.genes import gene_names
from registry.providers.api import ProvidersController
from registry.pseudonymisation import service as pseudonymisation
from registry.pseudonymisation import urls as pseudonymisation_urls
from registry.pseudonymisation.api import PseudonymisationController
from registry.settings import Settings
from registry.web.pages import register_filters
from registry.web.routes import TEMPLATES_DIR, not_found_page, pages_router
from registry.web.session import SESSION_COOKIE

DOCS_ASSETS = "/schema/assets"


class Health(msgspec.Struct):
    status: str
    version: str
    database: str


class Index(msgspec.Struct):
    name: str
    version: str
    docs: str
    openapi: str
    health: str
    links: dict[str, str]


INDEX = Index(
    name="DTC genetic-testing registry",
    version=__version__,
    docs="/schema",
    openapi="/schema/openapi.json",
    health="/healthz",
    links={
        "catalogue_in_force": "/api/v1/catalog/current",
        "catalogue_editions": "/api/v1/catalog/versions",
        "providers": "/api/v1/providers",
        "validations": "/api/v1/validations",
        "pseudonymisation_in_force": "/api/v1/pseudonymisation/current",
        "sign_in": accounts_urls.TOKEN,
    },
)


@get("/api/v1", operation_id="index", tags=["operations"], summary="Where to start: the docs and the main entry points")
async def index() -> Index:
    """The API documentation, the OpenAPI document and the public entry points, as links."""
    return INDEX


# The JSON API and the machine-read documents: bearer tokens, no cookies, so no CSRF token either.
NOT_PAGES = ["^/api/", "^/schema", "^/healthz", "^/feed.atom"]


def _not_found(request: Request, exc: HTTPException) -> Response:
    """A path no route has: a page for a browser outside the API, problem JSON for everyone else."""
    path = request.url.path
    wants_page = "text/html" in request.headers.get("accept", "") and not path.startswith(("/api/", "/schema"))
    if wants_page and (isinstance(exc, NotFoundException) or exc.status_code == 404):
        return not_found_page(request)
    return http_response(request, exc)


class UnsafeProductionSettings(RuntimeError):
    pass


async def refuse_unsafe_production(settings: Settings) -> None:
    """Production never runs with the development secret or with demo accounts in the database."""
    problems = settings.production_problems()
    if await demo_accounts_present():
        problems.append("the database holds demo accounts (loaded by the demo seed); remove them first")
    if problems:
        raise UnsafeProductionSettings("REGISTRY_ENV=production refuses to start: " + "; ".join(problems))


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app; nothing touches the database until the app starts."""
    settings = settings or Settings.from_env()
    engine = engine_from_url(settings.database_url, settings.read_database_urls)

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        gene_names()  # reviewed data every panel check needs: a broken rules/genes.toml stops the start
        pseudonymisation.rules(settings.rules_dir)  # reviewed files: a broken one stops the start, named
        wiring.bind(engine)
        await prepare_engine(engine, pool_max=settings.db_pool_max)
        await changes.listen(engine)  # until it listens, every cache is bypassed; release_engine stops it
        relay = wiring.relay()
        try:
            if settings.is_production:
                await refuse_unsafe_production(settings)
            if settings.dispatch_events:
                await relay.start()  # first takes up what a crash left between commit and handling
            rate_limit.start()
            yield
        finally:
            await rate_limit.stop()
            await relay.stop()
            await release_engine(engine)

    @get("/healthz", operation_id="health", tags=["operations"], summary="Liveness and database reachability")
    async def healthz() -> Health:
        """Answers when the app runs and its database answers a query; not rate limited."""
        await engine.run_ddl("SELECT 1")
        return Health(status="ok", version=__version__, database=engine.engine_type)

    docs = DocsPage(
        js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{DOCS_ASSETS}/favicon-32x32.png'>",
        path="/",
    )
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = Litestar(
        route_handlers=[
            index,
            healthz,
            pages_router(settings.secret_key),
            CatalogueController,
            AccountsController,
            UsersController,
            ApplicationsController,
            CertificatesController,
            ValidationsController,
            ProvidersController,
            AuditController,
            PanelsController,
            ImpactController,
            PseudonymisationController,
            OpenDataController,
            create_static_files_router(path=DOCS_ASSETS, directories=[DOCS_ASSETS_DIR], include_in_schema=False),
        ],
        lifespan=[lifespan],
        exception_handlers={**EXCEPTION_HANDLERS, HTTPException: _not_found},  # type: ignore[arg-type]
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=register_filters
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="registry_csrf",
            cookie_httponly=True,
            cookie_samesite="strict",
            cookie_secure=settings.is_production,
            exclude=NOT_PAGES,
        ),
        before_request=check_parameters,
        before_send=[SecurityHeaders()],
        middleware=[
            HeaderLimits(),
            PublicAnswers(),  # anonymous requests only: before the bearer token is even looked at
            TokenAuthentication(secret_key=settings.secret_key, resolve=PrincipalCache(token_holder)),
        ],
        request_class=RegistryRequest,
        request_max_body_size=JSON_BODY_MAX,  # the batch upload sets its own, larger limit
        state=State({"settings": settings}),
        openapi_config=OpenAPIConfig(
            title="DTC genetic-testing registry",
            version=__version__,
            description=(
                "Public register of the Korean direct-to-consumer genetic-testing regime: the permitted-item "
                "list and its history. Errors are RFC 9457 problem details with a stable `code`."
            ),
            contact=Contact(name="DTC registry"),
            path="/schema",
            use_handler_docstrings=True,
            render_plugins=[docs],
        ),
        debug=False,
    )
    # Load shedding before routing: first the bound on requests in flight, then the per-client limits;
    # around both, the access line and the request id (so the fast refusals carry it too).
    handler = app.asgi_handler
    if settings.read_database_urls:  # inside the limits: their counters are written on the primary
        handler = PublicReadsOnReplicas(handler, SESSION_COOKIE)
    checks = frozenset({panels_urls.CHECK, pseudonymisation_urls.CHECK})
    rate_limit = RateLimit(handler, settings, frozenset({accounts_urls.TOKEN}), check_paths=checks)
    app.asgi_handler = RequestLog(ConcurrencyLimit(rate_limit, settings.max_concurrent_requests), settings)
    document_the_contract(app)
    return app
