"""The public read path on read replicas. No real replica here: the replica URL is the same database with
another application_name, so each statement shows which pool it came through."""

import httpx
import pytest
from litestar import get, post

from registry.app import create_app
from registry.db.engine import ReplicatedPostgresEngine, current_engine, read_transaction, write_transaction
from registry.http.reads import is_anonymous_read
from registry.providers import urls as provider_urls
from registry.settings import Settings
from registry.web.session import SESSION_COOKIE
from tests.conftest import GENEROUS_LIMITS, running
from tests.workflow import make_staff

ON_POSTGRES = pytest.mark.parametrize("database", ["postgres"], indirect=True)

WHO = "SELECT current_setting('application_name') AS who"


async def where_do_queries_go() -> dict[str, str]:
    engine = current_engine()
    bare = (await engine.run_ddl(WHO))[0]["who"]
    async with read_transaction():
        read = (await engine.run_ddl(WHO))[0]["who"]
    async with write_transaction():
        write = (await engine.run_ddl(WHO))[0]["who"]
        read_in_write = None
        async with read_transaction():
            read_in_write = (await engine.run_ddl(WHO))[0]["who"]
    return {"bare": bare, "read": read, "write": write, "read_in_write": read_in_write}


@get("/api/test/where", include_in_schema=False)
async def where_on_get() -> dict[str, str]:
    return await where_do_queries_go()


@post("/api/test/where", include_in_schema=False, status_code=200)
async def where_on_post() -> dict[str, str]:
    return await where_do_queries_go()


PRIMARY = {"bare": "primary", "read": "primary", "write": "primary", "read_in_write": "primary"}


@ON_POSTGRES
async def test_anonymous_reads_go_to_the_replica_everything_else_to_the_primary(database):
    settings = Settings(
        database_url=f"{database.url}?application_name=primary",
        read_database_urls=(f"{database.url}?application_name=replica",),
        **GENEROUS_LIMITS,
    )
    app = create_app(settings)
    app.register(where_on_get)
    app.register(where_on_post)
    async with running(app):
        assert isinstance(current_engine(), ReplicatedPostgresEngine)
        transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            anonymous = (await http.get("/api/test/where")).json()
            # the public read path on the replica; a write, and what is read inside it, on the primary
            assert anonymous == {"bare": "replica", "read": "replica", "write": "primary", "read_in_write": "primary"}
            assert (await http.post("/api/test/where")).json() == PRIMARY
            staff = await make_staff(http)
            assert (await http.get("/api/test/where", headers=staff.reviewer)).json() == PRIMARY  # read-your-writes
            cookie = {"cookie": f"{SESSION_COOKIE}=anything"}
            assert (await http.get("/api/test/where", headers=cookie)).json() == PRIMARY
            # a real public read answers through the replica's pool, and the server saw that connection
            assert (await http.get(f"{provider_urls.BASE}?q=Hanbit")).status_code == 200
            rows = await current_engine().run_ddl(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'replica'"
            )
            assert rows[0]["n"] >= 1


def test_what_counts_as_an_anonymous_read():
    cookie = f"{SESSION_COOKIE}=".encode()

    def scope(method="GET", headers=()):
        return {"type": "http", "method": method, "headers": list(headers)}

    assert is_anonymous_read(scope(), cookie)
    assert is_anonymous_read(scope("HEAD", [(b"cookie", b"registry_csrf=x")]), cookie)
    assert not is_anonymous_read(scope("POST"), cookie)
    assert not is_anonymous_read(scope(headers=[(b"authorization", b"Bearer x")]), cookie)
    assert not is_anonymous_read(scope(headers=[(b"cookie", b"a=1; " + cookie + b"t")]), cookie)


@get("/api/test/where-kept", operation_id="testWhereKept", include_in_schema=False)
async def where_kept() -> dict[str, str]:
    async with read_transaction():
        return {"read": (await current_engine().run_ddl(WHO))[0]["who"]}


@ON_POSTGRES
async def test_an_answer_kept_for_the_public_is_read_on_the_primary(database, monkeypatch):
    """A replica behind the primary would otherwise have its older answer kept as current until the next
    write; the answers nobody keeps still read on the replica."""
    from registry.http import cache

    monkeypatch.setitem(cache.PUBLIC_ANSWERS, "testWhereKept", cache.REVALIDATE)
    settings = Settings(
        database_url=f"{database.url}?application_name=primary",
        read_database_urls=(f"{database.url}?application_name=replica",),
        **GENEROUS_LIMITS,
    )
    app = create_app(settings)
    app.register(where_kept)
    app.register(where_on_get)
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("10.9.8.8", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            first = await http.get("/api/test/where-kept")
            assert (first.headers["x-cache"], first.json()) == ("miss", {"read": "primary"})
            again = await http.get("/api/test/where-kept")
            assert (again.headers["x-cache"], again.json()) == ("hit", {"read": "primary"})
            assert (await http.get("/api/test/where")).json()["read"] == "replica"
