"""Load is shed, not queued: beyond the bound on requests in flight a 503 at once, and beyond a client's
rate a 429, both with Retry-After and problem details; the counts live in the database every worker shares."""

import asyncio
import contextlib
import random

import httpx
import pytest

from registry.accounts import urls as accounts_urls
from registry.app import create_app
from registry.catalog import urls as catalog_urls
from registry.db.engine import current_engine
from registry.http import limits
from registry.http.limits import ConcurrencyLimit, HeaderTimeoutProtocol, flush_share, request_class
from registry.panels import urls as panels_urls
from registry.providers import urls as provider_urls
from registry.settings import Settings, SettingsError
from tests.conftest import GENEROUS_LIMITS, running
from tests.workflow import assert_problem

SEARCH = f"{provider_urls.BASE}?q=Hanbit"


def an_address() -> str:
    """A client address of the test's own: the counters of other tests share the database and window."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@contextlib.asynccontextmanager
async def app_client(db, client: str, **settings):
    app = create_app(Settings(database_url=db.url, **{**GENEROUS_LIMITS, **settings}))
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=(client, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            yield app, http


async def test_beyond_the_bound_on_requests_in_flight_a_503_at_once(database):
    async with app_client(database, an_address(), max_concurrent_requests=2) as (app, http):
        release = asyncio.Event()
        entered = asyncio.Semaphore(0)
        limiter = app.asgi_handler.app  # inside the access log (RequestLog), the bound on requests in flight
        inner = limiter.app

        async def slow(scope, receive, send):
            if scope["path"] == provider_urls.BASE:
                entered.release()
                await release.wait()
            await inner(scope, receive, send)

        limiter.app = slow
        held = [asyncio.create_task(http.get(SEARCH)) for _ in range(2)]
        for _ in held:
            await asyncio.wait_for(entered.acquire(), 5)
        busy = await asyncio.wait_for(http.get(SEARCH), 5)  # answered at once, not queued
        body = assert_problem(busy, 503, "SERVICE_BUSY")
        assert busy.headers["retry-after"] == "1"
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert body["title_ko"] and body["detail_ko"]
        assert busy.headers["x-request-id"] == body["request_id"]  # the fast refusal carries its request id
        assert (await http.get("/healthz")).status_code == 200  # health is never shed
        release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
        assert (await http.get(SEARCH)).status_code == 200  # room again
        assert limiter.in_flight == 0


async def test_a_request_counts_until_its_answer_is_sent():
    finish = asyncio.Event()

    async def answers_then_tidies_up(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        await finish.wait()  # work after the answer: the client may already send its next request

    limiter = ConcurrencyLimit(answers_then_tidies_up, limit=1)
    sent: list[dict] = []
    answers = asyncio.Semaphore(0)

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body":
            answers.release()

    scope = {"type": "http", "path": "/api/v1", "method": "GET", "headers": []}
    first = asyncio.create_task(limiter(scope, None, send))
    await asyncio.wait_for(answers.acquire(), 5)
    assert limiter.in_flight == 0
    second = asyncio.create_task(limiter(scope, None, send))
    await asyncio.wait_for(answers.acquire(), 5)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [200, 200]  # not refused
    finish.set()
    await asyncio.gather(first, second)
    assert limiter.in_flight == 0


async def test_each_class_has_its_own_limit_per_client(database):
    limits = {"rate_limit_reads": 3, "rate_limit_sign_ins": 2, "rate_limit_writes": 2}
    async with app_client(database, an_address(), **limits) as (_, http):
        assert [(await http.get(SEARCH)).status_code for _ in range(3)] == [200, 200, 200]
        refused = await http.get(SEARCH)
        body = assert_problem(refused, 429, "RATE_LIMITED")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "3 read requests in 60 seconds" in body["detail"]

        sign_in = {"email": "nobody@example.org", "password": "wrong-password"}
        assert [(await http.post(accounts_urls.TOKEN, json=sign_in)).status_code for _ in range(2)] == [401, 401]
        refused = await http.post(accounts_urls.TOKEN, json=sign_in)
        assert_problem(refused, 429, "RATE_LIMITED")
        assert "Retry-After" in refused.headers

        writes = [(await http.post(provider_urls.REGISTER, json={})).status_code for _ in range(2)]
        assert 429 not in writes
        assert_problem(await http.post(provider_urls.REGISTER, json={}), 429, "RATE_LIMITED")
        assert (await http.get("/healthz")).status_code == 200  # never limited

    async with app_client(database, an_address(), **limits) as (_, other):
        assert (await other.get(SEARCH)).status_code == 200  # another address counts on its own


def limiter_of(app):
    return app.asgi_handler.app.app  # inside the access log and the bound on requests in flight


async def settled(*limiters) -> None:
    """Until every flush a limiter asked for is done: hits shared as soon as they reach their share."""
    async with asyncio.timeout(5):
        # the flush is the limiters' own task, with nothing to wait on from outside
        while any(lim.flush_now.is_set() or any(c.sending for c in lim.reads.values()) for lim in limiters):  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_every_worker_counts_the_same_hits_within_the_slack(database):
    client, limit = an_address(), 40
    slack = 2 * flush_share(limit)  # README "Load shedding": a share of the limit per worker
    async with (
        app_client(database, client, rate_limit_reads=limit) as (one, first),
        app_client(database, client, rate_limit_reads=limit) as (two, second),
    ):
        workers = limiter_of(one), limiter_of(two)
        statuses = []
        for i in range(3 * limit):
            statuses.append((await (first, second)[i % 2].get(SEARCH)).status_code)
            await settled(*workers)
        admitted = statuses.count(200)
        assert limit <= admitted <= limit + slack
        assert set(statuses) == {200, 429}
        for worker in workers:
            await worker.flush()
        rows = await current_engine().run_ddl(
            f"SELECT SUM(hits) AS hits FROM rate_limit_window WHERE bucket = 'read:{client}'"
        )
        assert rows[0]["hits"] == len(statuses)  # every hit reached the shared count, none twice
        for http in (first, second):
            refused = await http.get(SEARCH)
            assert_problem(refused, 429, "RATE_LIMITED")
            assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_a_read_costs_no_statement_and_sign_ins_are_counted_at_once(database, monkeypatch):
    client = an_address()
    async with app_client(database, client, rate_limit_reads=1000, rate_limit_sign_ins=2) as (app, http):
        counted = []
        real = limits.count_hit
        monkeypatch.setattr(limits, "count_hit", lambda *a: counted.append(a) or real(*a))
        assert [(await http.get(SEARCH)).status_code for _ in range(10)] == [200] * 10
        assert counted == []  # reads: counted in the worker
        sign_in = {"email": "nobody@example.org", "password": "wrong-password"}
        assert [(await http.post(accounts_urls.TOKEN, json=sign_in)).status_code for _ in range(3)] == [401, 401, 429]
        assert len(counted) == 3  # sign-ins: one statement each, exact across workers
        await limiter_of(app).flush()
        rows = await current_engine().run_ddl(f"SELECT hits FROM rate_limit_window WHERE bucket = 'read:{client}'")
        assert [row["hits"] for row in rows] == [10]


async def test_a_failed_flush_is_logged_and_its_hits_wait_for_the_next(database, monkeypatch):
    client = an_address()
    async with app_client(database, client, rate_limit_reads=1000) as (app, http):
        limiter = limiter_of(app)
        real = limits.add_hits

        async def unreachable(*args):
            raise OSError("database unreachable")

        monkeypatch.setattr(limits, "add_hits", unreachable)
        warnings = []
        monkeypatch.setattr(limits.log, "warning", lambda message, *args, **_: warnings.append(message % args))
        assert [(await http.get(SEARCH)).status_code for _ in range(5)] == [200] * 5
        assert await limiter.flush() is False
        assert warnings == ["could not add 1 clients' reads to the shared rate limits"]
        assert [(await http.get(SEARCH)).status_code for _ in range(2)] == [200] * 2
        monkeypatch.setattr(limits, "add_hits", real)
        assert await limiter.flush() is True
        rows = await current_engine().run_ddl(f"SELECT hits FROM rate_limit_window WHERE bucket = 'read:{client}'")
        assert [row["hits"] for row in rows] == [7]


async def test_concurrent_hits_are_all_counted(database):
    async with app_client(database, an_address(), rate_limit_reads=20) as (_, http):
        responses = await asyncio.gather(*(http.get(catalog_urls.VERSIONS) for _ in range(30)))
        assert sorted(r.status_code for r in responses) == [200] * 20 + [429] * 10


def test_request_classes():
    sign_in = frozenset({accounts_urls.TOKEN})
    assert request_class("GET", SEARCH, sign_in) == "read"
    assert request_class("POST", accounts_urls.TOKEN, sign_in) == "sign_in"
    assert request_class("POST", provider_urls.REGISTER, sign_in) == "write"
    assert request_class("GET", "/healthz", sign_in) is None
    checks = frozenset({panels_urls.CHECK})
    assert request_class("POST", panels_urls.CHECK, sign_in, checks) == "read"
    assert request_class("POST", panels_urls.BATCH, sign_in, checks) == "write"


def test_limits_are_settings():
    settings = Settings.from_env(
        {
            "REGISTRY_MAX_CONCURRENT_REQUESTS": "4",
            "REGISTRY_RATE_LIMIT_READS": "0",
            "REGISTRY_RATE_LIMIT_SIGN_INS": "5",
            "REGISTRY_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        }
    )
    assert settings.max_concurrent_requests == 4 and settings.rate_limit_reads == 0
    assert settings.rate_limit_sign_ins == 5 and settings.rate_limit_writes == Settings.rate_limit_writes
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    with pytest.raises(SettingsError, match="REGISTRY_TRUSTED_PROXIES"):
        Settings.from_env({"REGISTRY_TRUSTED_PROXIES": "the proxy"})
    with pytest.raises(SettingsError, match="REGISTRY_MAX_CONCURRENT_REQUESTS"):
        Settings.from_env({"REGISTRY_MAX_CONCURRENT_REQUESTS": "0"})


class QuickHeaderTimeout(HeaderTimeoutProtocol):
    header_timeout = 0.5


async def test_a_client_that_trickles_its_headers_is_cut_off():
    import socket

    import uvicorn

    async def hello(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(hello, port=port, http=QuickHeaderTimeout, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: slow\r\n")  # and never the blank line
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
        writer.close()
        # a client that sends its request in time is answered, and may take its time before the next
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: quick\r\n\r\n")
        assert (await asyncio.wait_for(reader.readuntil(b"ok"), 5)).startswith(b"HTTP/1.1 200")
        writer.close()
    finally:
        server.should_exit = True
        await serving
