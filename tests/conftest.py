"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, each in a database of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from registry.app import create_app
from registry.catalog.service import import_catalogue
from registry.db.engine import engine_from_url, prepare_engine, release_engine
from registry.db.schema import upgrade
from registry.settings import PROJECT_ROOT, Settings
from registry.wiring import bind as use_engine

RULES = PROJECT_ROOT / "rules"
# The server tests may reach; CI sets REGISTRY_REQUIRE_POSTGRES=1 so that an unreachable server fails.
PG_ADMIN_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("REGISTRY_REQUIRE_POSTGRES") == "1"


@dataclass
class Database:
    kind: str
    url: str


async def _pg_admin():
    import asyncpg

    return await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1), timeout=5)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    """A freshly migrated and seeded database, one per engine for the whole run."""
    name = f"dtc_test_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        db = Database("sqlite", f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry.sqlite3'}")
    else:
        try:
            admin = await _pg_admin()
        except (OSError, Exception) as exc:
            message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}: {exc}"
            if REQUIRE_PG:
                pytest.fail(message + " (REGISTRY_REQUIRE_POSTGRES=1)")
            pytest.skip(message)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        db = Database("postgres", f"{base}/{name}")
    engine = engine_from_url(db.url)
    use_engine(engine)
    await prepare_engine(engine, pool_max=4)
    await upgrade()
    await import_catalogue(RULES / "catalog")
    await release_engine(engine)
    yield db
    if db.kind == "postgres":
        admin = await _pg_admin()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def engine(database: Database):
    """The test's engine, bound to the registry's tables for the duration of the test."""
    eng = engine_from_url(database.url)
    use_engine(eng)
    await prepare_engine(eng, pool_max=4)
    yield eng
    await release_engine(eng)


@contextlib.asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Hold the app's lifespan open in one task of its own: pytest-asyncio sets a fixture up and tears
    it down in different tasks, and the lifespan's cancel scope must be left in the task that entered it."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        error = task.exception()
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]  # the lifespan's task group wraps start-up errors
        if error is not None:
            raise error
    try:
        yield
    finally:
        stop.set()
        await task


# The suite makes hundreds of requests from one address, many at once: limits it never reaches, but counted.
GENEROUS_LIMITS = {
    "max_concurrent_requests": 1000,
    "rate_limit_reads": 1_000_000,
    "rate_limit_sign_ins": 1_000_000,
    "rate_limit_writes": 1_000_000,
}


@contextlib.asynccontextmanager
async def http_client(db: Database, *, address: str = "127.0.0.1", **settings) -> AsyncIterator[httpx.AsyncClient]:
    """`address`: the client's network address as the app sees it (sign-in throttles count per address)."""
    app = create_app(Settings(database_url=db.url, **{**GENEROUS_LIMITS, **settings}))
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            yield http


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """Real HTTP semantics through the ASGI app on the test's own event loop (see STACK-NOTES)."""
    async with http_client(database) as http:
        yield http


@pytest.fixture
def client_for():
    """A client on another database (for tests with a database of their own)."""
    return http_client


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"PostgreSQL for tests: {PG_ADMIN_URL} (required: {REQUIRE_PG})"]


def rules_path(*parts: str) -> Path:
    return RULES.joinpath(*parts)


@pytest.fixture
async def fresh_database(database: Database, tmp_path: Path) -> AsyncIterator[Database]:
    """A database of its own for a test that damages it (same engine as `database`), migrated, empty."""
    if database.kind == "sqlite":
        fresh = Database("sqlite", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
        name = None
    else:
        name = f"dtc_test_{uuid.uuid4().hex[:12]}"
        admin = await _pg_admin()
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        fresh = Database("postgres", f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    engine = engine_from_url(fresh.url)
    use_engine(engine)
    await prepare_engine(engine, pool_max=4)
    await upgrade()
    yield fresh
    await release_engine(engine)
    if name:
        admin = await _pg_admin()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
