"""The public listing pages in the database: by English name then id, a cursor naming the last provider
shown, filters on standing read in chunks until the page is full, and a total only where SQL counts it."""

from __future__ import annotations

import random
import string

from registry.http.pagination import encode_cursor
from registry.kernel.ids import MAX_ID
from registry.providers import urls
from tests.workflow import assert_problem, certify, make_staff, register_lab, suspend_today


def token() -> str:
    """A word no other provider's name holds, to keep a test's listing to its own providers."""
    return "Qx" + "".join(random.choices(string.ascii_lowercase, k=10))


async def pages(client, params: dict, limit: int) -> list[dict]:
    """Every page of a listing, `limit` rows at a time; each page's body."""
    bodies, cursor = [], None
    while True:
        r = await client.get(urls.BASE, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        bodies.append(r.json())
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return bodies
        assert len(bodies) < 50, "the cursor moves on"


async def test_pages_follow_the_english_name_then_the_id(client):
    staff = await make_staff(client)
    word = token()
    # Two share a name: the id orders them. Names registered out of order.
    labs = [await register_lab(client, staff, name=f"{word} {n}") for n in ("c", "a", "b", "a")]
    await register_lab(client, name=f"{word} unverified")  # never listed
    bodies = await pages(client, {"q": word}, limit=2)
    listed = [p for body in bodies for p in body["data"]]
    expected = sorted(labs, key=lambda lab: (lab.name_en, lab.provider_id))
    assert [p["id"] for p in listed] == [lab.provider_id for lab in expected]
    assert [len(body["data"]) for body in bodies] == [2, 2]
    assert {body["total"] for body in bodies} == {4}, "a search counts its matches exactly"
    # The whole listing pages to the end without repeating anyone.
    everyone = [p["id"] for body in await pages(client, {}, limit=3) for p in body["data"]]
    assert len(everyone) == len(set(everyone)) and {lab.provider_id for lab in labs} <= set(everyone)


async def test_a_search_that_fits_one_page_counts_itself(client):
    staff = await make_staff(client)
    word = token()
    lab = await register_lab(client, staff, name=word)
    body = (await client.get(urls.BASE, params={"q": word.upper()})).json()
    assert [p["id"] for p in body["data"]] == [lab.provider_id] and body["total"] == 1
    assert body["next_cursor"] is None


async def test_filters_on_standing_page_through_whatever_they_skip(client):
    staff = await make_staff(client)
    word = token()
    labs = [await register_lab(client, staff, name=f"{word} {n}") for n in "abcde"]
    numbers = {lab.provider_id: await certify(client, staff, lab, ["NUT-VITD"]) for lab in labs[1::2]}
    suspended = labs[3]
    assert (await suspend_today(client, staff, numbers[suspended.provider_id])).status_code == 200
    standing = {}
    for lab in labs:  # the one rule, one provider at a time
        standing[lab.provider_id] = (await client.get(urls.provider(lab.provider_id))).json()["status"]
    assert sorted(standing.values()) == ["active", "none", "none", "none", "suspended"]
    for status in ("active", "suspended", "none", "revoked"):
        bodies = await pages(client, {"q": word, "status": status}, limit=1)
        listed = [p["id"] for body in bodies for p in body["data"]]
        assert listed == [lab.provider_id for lab in labs if standing[lab.provider_id] == status], status
        assert {body["total"] for body in bodies} == {None}, "no count where only the standing tells"
    held = [p["id"] for body in await pages(client, {"q": word, "item": "NUT-VITD"}, limit=1) for p in body["data"]]
    # certified for the item on the day: a suspended certificate holds none while suspended
    assert held == [lab.provider_id for lab in labs if standing[lab.provider_id] == "active"]


async def test_a_cursor_naming_no_listed_provider_is_a_404_naming_the_cursor(client):
    staff = await make_staff(client)
    unverified = await register_lab(client)
    await register_lab(client, staff)
    for provider_id in (MAX_ID, unverified.provider_id):
        r = await client.get(urls.BASE, params={"cursor": encode_cursor(str(provider_id))})
        problem = assert_problem(r, 404, "NOT_FOUND")
        assert [e["field"] for e in problem["errors"]] == ["cursor"]
