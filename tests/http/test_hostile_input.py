"""Hostile input gets a 4xx problem, never a 500, on both engines: ids beyond the id columns, limits and
cursors that are not what the API issues, JSON nested a thousand deep, bodies and headers too large."""

from __future__ import annotations

import base64
import json

import pytest

from registry.app import create_app
from registry.audit import urls as audit_urls
from registry.catalog import urls as catalog_urls
from registry.certification import urls as certification_urls
from registry.http.security import BATCH_BODY_MAX, HEADER_MAX, JSON_BODY_MAX
from registry.kernel.ids import MAX_ID
from registry.opendata import urls as opendata_urls
from registry.panels import urls as panels_urls
from registry.providers import urls as providers_urls
from registry.settings import Settings
from tests.workflow import PROBLEM, assert_problem, make_staff, register_lab

BAD_IDS = (2**31, 2**63, -1, 0, 10**30)


def _routes() -> list[tuple[str, str, object]]:
    """(method, path template, handler) for every route of the API. The pages (registry.web) answer in
    HTML, not problem JSON, and take forms, not JSON: tests/web covers them."""
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    return [
        (method, route.path_format if hasattr(route, "path_format") else route.path, handler)
        for route in app.routes
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items()
        if method not in ("HEAD", "OPTIONS") and not handler.fn.__module__.startswith("registry.web")
    ]


def _id_routes() -> list[tuple[str, str]]:
    found = []
    for method, _, handler in _routes():
        for path in handler.paths:
            # An application is named by its id or its number: its id routes take either.
            if ":int}" in path or "{application:str}" in path:
                found.append((method, path))
    return sorted(set(found))


def _query_routes(name: str) -> list[str]:
    return sorted(
        {
            path
            for method, _, handler in _routes()
            if method == "GET" and name in handler.parsed_fn_signature.parameters
            for path in handler.paths
        }
    )


def _fill(path: str, value: int) -> str:
    out = path
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        out = out[:start] + str(value) + out[end + 1 :]
    return out


def test_every_id_route_and_list_route_is_known():
    """The lists below are taken from the app itself: a new `{x:int}` route is covered at once."""
    paths = {path for _, path in _id_routes()}
    assert {certification_urls.APPLICATION, panels_urls.PANEL, providers_urls.PROVIDER} <= paths
    assert len(_id_routes()) >= 12
    assert {audit_urls.EVENTS, certification_urls.APPLICATIONS, providers_urls.BASE} <= set(_query_routes("limit"))
    # Every paged list takes a cursor; the change feed names its cursor `since`, and the Atom feed shows the
    # newest events only.
    assert set(_query_routes("cursor")) | set(_query_routes("since")) | {opendata_urls.FEED} == set(
        _query_routes("limit")
    )


async def test_ids_beyond_the_id_columns_are_not_found(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    for method, path in _id_routes():
        for value in BAD_IDS:
            statuses = {}
            for role, headers in (("provider", lab.headers), ("regulator", staff.regulator)):
                r = await client.request(method, _fill(path, value), headers=headers, json={})
                assert r.status_code < 500, (method, path, value, role, r.text)
                assert r.headers["content-type"].startswith(PROBLEM)
                statuses[role] = r.status_code
            assert 404 in statuses.values(), (method, path, value, statuses)
            assert set(statuses.values()) <= {403, 404}, (method, path, value, statuses)
    r = await client.get(providers_urls.provider(2**63))
    body = assert_problem(r, 404, "NOT_FOUND")
    assert body["errors"] == [{"field": "provider_id", "in": "path", "reason": "no such record"}]
    # the largest id is a record id like any other: simply absent
    assert_problem(await client.get(providers_urls.provider(MAX_ID)), 404, "NOT_FOUND")


@pytest.mark.parametrize("value", [2**31, 2**63, -1, 0, 10**30])
async def test_integer_body_fields_out_of_range_are_422_naming_the_field(client, value):
    staff = await make_staff(client)
    body = {"provider_id": value, "items": [{"code": "NUT-VITD"}]}
    r = await client.post(panels_urls.CHECK, json=body, headers=staff.regulator)
    problem = assert_problem(r, 422, "INVALID_BODY")
    assert [e["field"] for e in problem["errors"]] == ["provider_id"]
    draft = {"version": "2031-01-01", "announced_total": value if value > 0 else -1}
    r = await client.post(catalog_urls.VERSIONS, json=draft, headers=staff.regulator)
    problem = assert_problem(r, 422, "INVALID_BODY")
    assert [e["field"] for e in problem["errors"]] == ["announced_total"]


async def test_limits_out_of_range_are_400_naming_the_limit(client):
    staff = await make_staff(client)
    for path in _query_routes("limit"):
        for value in (*BAD_IDS, "9" * 5000, "abc"):
            r = await client.get(path, params={"limit": str(value)}, headers=staff.regulator)
            problem = assert_problem(r, 400, "INVALID_PARAMETER")
            assert [e["field"] for e in problem["errors"]] == ["limit"], (path, value, problem)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [
    _b64(json.dumps({"after": "abc"}).encode()),
    _b64(json.dumps({"after": 5}).encode()),
    _b64(json.dumps({"after": str(2**63)}).encode()),
    _b64(json.dumps({"after": "-1"}).encode()),
    _b64(json.dumps({"after": "١٢٣"}).encode()),  # digits, but not ASCII ones
    _b64(json.dumps({"after": None}).encode()),
    _b64(json.dumps(["after"]).encode()),
    _b64(json.dumps("after").encode()),
    _b64(b"[" * 5000 + b"]" * 5000),
    _b64(b"\xff\xfe\x00garbage"),
    "!!!not base64!!!",
    "é",
    "A" * 10_000,
]


async def test_every_cursor_decoder_refuses_what_it_did_not_issue(client):
    staff = await make_staff(client)
    routes = [(path, "cursor") for path in _query_routes("cursor")] + [(p, "since") for p in _query_routes("since")]
    for path, name in routes:
        for cursor in BAD_CURSORS:
            r = await client.get(path, params={name: cursor}, headers=staff.regulator)
            # a well-formed cursor naming a row a keyed list does not hold: 404, the row is gone (or never was)
            gone = r.status_code == 404 and cursor in BAD_CURSORS[:5]
            problem = assert_problem(r, 404, "NOT_FOUND") if gone else assert_problem(r, 400, "INVALID_PARAMETER")
            assert [e["field"] for e in problem["errors"]] == [name], (path, cursor[:40], problem)


def _json_routes() -> list[tuple[str, str]]:
    """POST/PUT routes with a JSON body, with concrete paths."""
    found = []
    for method, _, handler in _routes():
        if method in ("POST", "PUT") and "data" in handler.parsed_fn_signature.parameters:
            found += [(method, _fill(path, 1) if ":int}" in path else path) for path in handler.paths]
    return sorted(set(found))


async def test_malformed_and_deep_json_is_a_400_problem(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    bodies = {
        "too_deep": [b"[" * 1000 + b"]" * 1000, b'{"items":' + b"[" * 100_000 + b"]" * 100_000 + b"}"],
        "json": [b"{not json", b"\xff\xfe", b'{"a":1', b"[1,2,,]", b'{"a": 1e99999999}'],
    }
    routes = _json_routes()
    assert len(routes) >= 10
    for method, path in routes:
        for variant, samples in bodies.items():
            for body in samples:
                statuses = []
                for headers in (lab.headers, staff.regulator):
                    r = await client.request(
                        method, path, content=body, headers={**headers, "Content-Type": "application/json"}
                    )
                    assert r.status_code < 500, (method, path, body[:20], r.text)
                    statuses.append(r.status_code)
                    if r.status_code == 400:
                        problem = assert_problem(r, 400, "MALFORMED_BODY")
                        assert problem["errors"][0]["in"] == "body"
                        assert ("too deeply" in problem["detail"]) == (variant == "too_deep"), problem
                assert 400 in statuses or path.endswith(("/submit", "/withdraw")), (method, path, statuses)
    # nested just within what the decoder follows: read, then refused by the model, never a 500
    within = b'{"items":' + b"[" * 900 + b"]" * 900 + b"}"
    for method, path in routes:
        for headers in (lab.headers, staff.regulator):
            r = await client.request(
                method, path, content=within, headers={**headers, "Content-Type": "application/json"}
            )
            assert r.status_code < 500, (method, path, r.text)
    r = await client.post(
        panels_urls.CHECK,
        content=b"[" * 1000 + b"]" * 1000,
        headers={**staff.regulator, "Content-Type": "application/json"},
    )
    assert assert_problem(r, 400, "MALFORMED_BODY")["detail_ko"]


async def test_bodies_above_the_limits_are_413(client):
    staff = await make_staff(client)
    big = b'{"items": [' + b'{"code": "NUT-VITD"},' * (JSON_BODY_MAX // 20) + b'{"code": "NUT-VITD"}]}'
    r = await client.post(
        panels_urls.CHECK, content=big, headers={**staff.regulator, "Content-Type": "application/json"}
    )
    problem = assert_problem(r, 413, "PAYLOAD_TOO_LARGE")
    assert str(JSON_BODY_MAX) in problem["detail"]
    # the batch upload takes more than a JSON body may, up to its own limit
    rows = b"panel_id,code\n" + b"P1,NUT-VITD\n" * (2 * JSON_BODY_MAX // 12)
    r = await client.post(panels_urls.BATCH, content=rows, headers={**staff.regulator, "Content-Type": "text/csv"})
    assert r.status_code != 413 and r.status_code < 500, r.text[:300]
    # a Parquet (or JSON lines) batch is read whole: up to the smaller limit; a CSV one is read as it comes
    r = await client.post(
        f"{panels_urls.BATCH}?format=parquet", content=b"x" * (BATCH_BODY_MAX + 1), headers=staff.regulator
    )
    assert str(BATCH_BODY_MAX) in assert_problem(r, 413, "PAYLOAD_TOO_LARGE")["detail"]
    r = await client.post(
        panels_urls.BATCH, content=b"x" * (1 << 20), headers={**staff.regulator, "Content-Type": "text/csv"}
    )
    assert "no header row" in assert_problem(r, 422, "INVALID_BODY")["detail"]  # refused before the rest is read


async def test_headers_above_the_limits_are_431_before_any_work(client):
    for headers in (
        {"Authorization": "Bearer " + "a" * (4 << 20)},  # 4 MiB: refused before the token is looked up
        {"Authorization": "Bearer " + "a" * HEADER_MAX},
        {"X-Anything": "b" * (HEADER_MAX + 1)},
    ):
        r = await client.get(providers_urls.BASE, headers=headers)
        assert_problem(r, 431, "HEADERS_TOO_LARGE")
    many = {f"X-Filler-{i}": "c" * 1000 for i in range(20)}
    assert_problem(await client.get(providers_urls.BASE, headers=many), 431, "HEADERS_TOO_LARGE")
    assert (await client.get(providers_urls.BASE, headers={"X-Small": "d" * 1000})).status_code == 200
