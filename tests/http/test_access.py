"""One access line per request and a request id on every response: echoed when the client sends a
well-formed one, made otherwise; in problem bodies too; never the query string, a body or a token."""

import contextlib
import logging

from registry.accounts import urls as accounts_urls
from registry.catalog import urls as catalog_urls
from registry.http.access import incoming_request_id
from tests.conftest import http_client
from tests.workflow import assert_problem

ACCESS = "registry.access"


class Kept(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def access_lines():
    """The access logger's records (on the logger itself: the app's logging set-up replaces the root's
    handlers, pytest's among them)."""
    logger, kept = logging.getLogger(ACCESS), Kept()
    level = logger.level
    logger.addHandler(kept)
    logger.setLevel(logging.DEBUG)
    try:
        yield kept.records
    finally:
        logger.removeHandler(kept)
        logger.setLevel(level)


async def test_every_response_carries_a_request_id_and_one_access_line(database):
    with access_lines() as records:
        async with http_client(database, address="203.0.113.7") as client:
            r = await client.get(
                catalog_urls.ITEMS, params={"q": "secret-search-words"}, headers={"X-Request-ID": "abc-123"}
            )
            assert r.status_code == 200 and r.headers["x-request-id"] == "abc-123"
            made = await client.get(catalog_urls.CURRENT)
            assert len(made.headers["x-request-id"]) == 32 and made.headers["x-request-id"] != "abc-123"
            for bad in ("has space", "x" * 129, "-leading", "a\u00e9"):
                r = await client.get("/healthz", headers={"X-Request-ID": bad.encode("utf-8")})
                assert r.headers["x-request-id"] != bad, bad
            # A problem names its request id; the sign-in's body (a password) is never logged.
            refused = await client.post(
                accounts_urls.TOKEN, json={"email": "a@b.example", "password": "hunter2-secret!"}
            )
            body = assert_problem(refused, 401, refused.json()["code"])
            assert body["request_id"] == refused.headers["x-request-id"]
            missing = await client.get("/api/v1/nothing-here", headers={"X-Request-ID": "trace.42"})
            assert assert_problem(missing, 404, "NOT_FOUND")["request_id"] == "trace.42"
    logged = [r.getMessage() for r in records]
    assert len(logged) == 8
    assert logged[0].startswith(f"GET {catalog_urls.ITEMS} 200 ") and "request_id=abc-123" in logged[0]
    assert logged[0].endswith("client=203.0.113.7") and "ms " in logged[0]
    assert f"POST {accounts_urls.TOKEN} 401" in logged[6] and "GET /api/v1/nothing-here 404" in logged[7]
    assert not any("secret" in line or "hunter2" in line or "Bearer" in line for line in logged)


async def test_the_access_log_level_is_a_setting(database):
    with access_lines() as records:
        async with http_client(database, access_log_level="OFF") as client:
            r = await client.get("/healthz")
        assert r.headers["x-request-id"] and records == []
        async with http_client(database, access_log_level="WARNING") as client:
            await client.get("/healthz")
        assert [r.levelname for r in records] == ["WARNING"]


def test_only_one_well_formed_incoming_id_is_echoed():
    assert incoming_request_id([(b"x-request-id", b"0f8c-AB.cd:1_2")]) == "0f8c-AB.cd:1_2"
    assert incoming_request_id([(b"X-Request-ID", b"a"), (b"x-request-id", b"b")]) is None
    assert incoming_request_id([(b"x-request-id", b"a\r\nforged line")]) is None
    assert incoming_request_id([]) is None
