"""The public catalogue API over HTTP, on SQLite and PostgreSQL."""

import re

from registry.catalog import urls
from tests.workflow import assert_problem


async def test_versions_newest_first_with_counts(client):
    r = await client.get(urls.VERSIONS)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 10 and body["next_cursor"] is None
    assert [v["version"] for v in body["data"]][:2] == ["2024-07-09", "2024-04-04"]
    assert [(v["announced_total"], v["items_known"]) for v in body["data"]] == [
        (190, 118),
        (181, 118),
        (165, 113),
        (129, 97),
        (101, 85),
        (81, 81),
        (70, 70),
        (70, 70),
        (56, 56),
        (12, 12),
    ]
    assert body["edition_in_force"] == "2024-07-09"
    assert body["last_updated"]
    oldest = body["data"][-1]
    assert oldest["effective_until"] == "2020-02-16" and oldest["announced_on"] is None


async def test_versions_paginate_with_a_cursor(client):
    seen = []
    url = f"{urls.VERSIONS}?limit=3"
    while url:
        body = (await client.get(url)).json()
        assert body["total"] == 10
        seen += [v["version"] for v in body["data"]]
        url = f"{urls.VERSIONS}?limit=3&cursor={body['next_cursor']}" if body["next_cursor"] else None
    assert len(seen) == 10 and seen == sorted(seen, reverse=True)


async def test_limit_above_maximum_is_an_error_not_a_cut(client):
    body = assert_problem(await client.get(f"{urls.VERSIONS}?limit=1000"), 400, "INVALID_PARAMETER")
    assert body["errors"] == [{"field": "limit", "in": "query", "reason": "must be between 1 and 200"}]


async def test_bad_cursor_and_non_numeric_limit(client):
    body = assert_problem(await client.get(f"{urls.VERSIONS}?cursor=garbage"), 400, "INVALID_PARAMETER")
    assert body["errors"][0]["field"] == "cursor"
    body = assert_problem(await client.get(f"{urls.VERSIONS}?limit=ten"), 400, "INVALID_PARAMETER")
    assert body["errors"][0]["field"] == "limit"


async def test_unknown_query_parameter_is_refused(client):
    body = assert_problem(await client.get(f"{urls.CURRENT}?asof=2020-01-01"), 400, "UNKNOWN_PARAMETER")
    assert body["errors"] == [{"field": "asof", "in": "query", "reason": "not a parameter of this endpoint"}]
    assert "as_of" in body["detail"]


async def test_one_version_with_its_items(client):
    r = await client.get(urls.version("2016-06-30"))
    assert r.status_code == 200
    body = r.json()
    assert len(body["items"]) == 12
    bmi = next(i for i in body["items"] if i["code"] == "HLT-BMI")
    assert bmi["restricted_genes"] == ["FTO", "MC4R", "BDNF"] and bmi["open_to_reported"] is True
    assert body["certified_access"] == "none"
    assert "50" in body["legal_basis_en"]


async def test_unknown_version_is_404(client):
    body = assert_problem(await client.get(urls.version("1999-01-01")), 404, "VERSION_NOT_FOUND")
    assert "1999-01-01" in body["detail"]


async def test_current_on_boundaries(client):
    cases = {
        "2016-06-30": "2016-06-30",
        "2020-02-16": "2016-06-30",
        "2020-02-17": "2020-02-17",
        "2022-12-29": "2021-03-03",
        "2022-12-30": "2022-12-30",
        "2024-07-08": "2024-04-04",
        "2026-11-25": "2024-07-09",
    }
    for day, version in cases.items():
        body = (await client.get(f"{urls.CURRENT}?as_of={day}")).json()
        assert (body["as_of"], body["version"]) == (day, version)


async def test_current_defaults_to_today(client):
    body = (await client.get(urls.CURRENT)).json()
    assert body["version"] == "2024-07-09"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["as_of"])


async def test_malformed_date_names_the_parameter(client):
    for bad in ["2020-2-1", "yesterday", "2020-02-30", "20200201"]:
        body = assert_problem(await client.get(f"{urls.CURRENT}?as_of={bad}"), 400, "INVALID_PARAMETER")
        assert body["errors"][0]["field"] == "as_of"
        assert "as_of" in body["detail"] and "YYYY-MM-DD" in body["detail"]


async def test_before_the_first_edition_says_when_it_took_effect(client):
    body = assert_problem(await client.get(f"{urls.CURRENT}?as_of=2016-06-29"), 404, "NO_EDITION_IN_FORCE")
    assert "2016-06-30" in body["detail"] and "2016-06-30" in body["detail_ko"]
    assert body["first_effective_from"] == "2016-06-30"


async def test_diff(client):
    r = await client.get(f"{urls.DIFF}?from=2016-06-30&to=2020-02-17")
    assert r.status_code == 200
    body = r.json()
    assert body["from"]["version"] == "2016-06-30" and body["to"]["version"] == "2020-02-17"
    assert [w["code"] for w in body["withdrawn"]] == ["SKN-ELAST"]
    assert len(body["added"]) == 45
    changed = {c["code"]: {f["field"]: (f["before"], f["after"]) for f in c["changes"]} for c in body["changed"]}
    assert changed["SKN-HAIRLOSS"] == {
        "name_ko": ("탈모", "남성형 탈모"),
        "name_en": ("Hair loss", "Male-pattern hair loss"),
        "minors": ("permitted", "not_permitted"),
    }
    # The 2020 revision created the minors restriction: every legacy item changes only that, but one.
    assert len(changed) == 11
    assert all(c == {"minors": ("permitted", "not_permitted")} for code, c in changed.items() if code != "SKN-HAIRLOSS")


async def test_diff_errors_name_the_parameter(client):
    body = assert_problem(await client.get(f"{urls.DIFF}?from=2016-06-30&to=2030-01-01"), 404, "VERSION_NOT_FOUND")
    assert body["parameter"] == "to"
    body = assert_problem(await client.get(f"{urls.DIFF}?from=2016-06-30"), 400, "INVALID_PARAMETER")
    assert body["errors"] == [{"field": "to", "in": "query", "reason": "required"}]


async def test_item_history(client):
    r = await client.get(urls.item("SKN-HAIRLOSS"))
    assert r.status_code == 200
    body = r.json()
    assert body["first_listed"] == "2016-06-30" and len(body["history"]) == 10
    second = body["history"][1]
    assert second["version"] == "2020-02-17"
    assert {c["field"] for c in second["changes"]} == {"name_ko", "name_en", "minors"}
    assert body["latest"]["name_ko"] == "남성형 탈모"


async def test_withdrawn_item_history_and_unknown_item(client):
    body = (await client.get(urls.item("SKN-ELAST"))).json()
    assert [h["status"] for h in body["history"][:3]] == ["permitted", "withdrawn", "not_listed"]
    assert_problem(await client.get(urls.item("NUT-NOPE")), 404, "ITEM_NOT_FOUND")
