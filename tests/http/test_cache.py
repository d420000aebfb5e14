"""Public answers kept per worker: the same bytes again without the handler, an ETag and Cache-Control,
304 for a matching If-None-Match, never for a signed-in request, and dropped by any committed write."""

from registry.catalog import urls as catalog_urls
from registry.certification import urls as certification_urls
from registry.http.cache import Answer, Answers, canonical_query, matches
from registry.opendata import urls as opendata_urls
from registry.providers import urls as provider_urls
from tests.workflow import certify, make_staff, register_lab, suspend_today


async def test_a_second_anonymous_read_is_the_same_answer_from_the_cache(client):
    first = await client.get(catalog_urls.CURRENT)
    second = await client.get(catalog_urls.CURRENT)
    assert first.status_code == second.status_code == 200
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert second.headers["cache-control"] == "public, no-cache"
    for header in ("content-type", "content-security-policy", "x-content-type-options", "x-request-id"):
        assert header in second.headers, header
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_if_none_match_answers_304_without_a_body(client):
    first = await client.get(catalog_urls.VERSIONS)
    again = await client.get(catalog_urls.VERSIONS, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    other = await client.get(catalog_urls.VERSIONS, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


async def test_a_published_edition_may_be_kept_longer(client):
    version = (await client.get(catalog_urls.VERSIONS)).json()["data"][0]["version"]
    r = await client.get(catalog_urls.version(version))
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=300"


async def test_signed_in_requests_and_failures_are_not_cached(client):
    staff = await make_staff(client)
    signed_in = await client.get(catalog_urls.CURRENT, headers=staff.regulator)
    assert signed_in.status_code == 200 and "x-cache" not in signed_in.headers
    missing = await client.get(catalog_urls.version("1999-01-01"))
    assert missing.status_code == 404 and "x-cache" not in missing.headers
    assert "etag" not in missing.headers


async def test_a_suspension_is_seen_at_once_and_the_certificate_keeps_its_own_etag(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    url = certification_urls.certificate(number)
    await client.get(url)
    cached = await client.get(url)
    assert cached.headers["x-cache"] == "hit" and cached.json()["status"] == "active"
    assert cached.headers["etag"] == cached.json()["etag"], "the version If-Match relies on"
    assert (await client.get(url, headers={"If-None-Match": cached.headers["etag"]})).status_code == 200
    listing = f"{provider_urls.BASE}?q={lab.name_en}"
    await client.get(listing)
    assert (await client.get(listing)).headers["x-cache"] == "hit"
    r = await suspend_today(client, staff, number)
    assert r.status_code == 200, r.text
    after = await client.get(url)
    assert after.headers["x-cache"] == "miss" and after.json()["status"] == "suspended"
    assert (await client.get(listing)).headers["x-cache"] == "miss"


async def test_the_atom_feed_is_kept_per_address_it_names(client):
    """The feed's links carry the registry's own address: an answer is kept per Host, never lent to another."""
    url = f"{opendata_urls.FEED}?limit=5"
    first = await client.get(url)
    again = await client.get(url)
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert first.content == again.content and b"http://registry.test/" in first.content
    elsewhere = await client.get(url, headers={"Host": "mirror.example"})
    assert elsewhere.headers["x-cache"] == "miss"
    assert b"http://mirror.example/" in elsewhere.content and b"registry.test" not in elsewhere.content


def test_the_query_is_canonical_but_never_decoded():
    assert canonical_query(b"q=a&limit=5") == canonical_query(b"limit=5&q=a&")
    assert canonical_query(b"q=a&q=b") != canonical_query(b"q=b&q=a")
    assert canonical_query(b"q=%41") != canonical_query(b"q=A")


def test_if_none_match_compares_weakly():
    assert matches(b'W/"x", "y"', b'"x"')
    assert matches(b"*", b'"x"')
    assert not matches(b'"z"', b'"x"')
    assert not matches(None, b'"x"')


def test_the_store_is_bounded_and_emptied_by_a_new_generation():
    answers = Answers(max_entries=2, max_bytes=10_000)
    answers.at(1)
    for key in "abc":
        answers.put((key,), Answer([], b"x" * 100, b'"e"', False), 1)
    assert len(answers) == 2 and answers.get(("a",)) is None
    answers.put(("big",), Answer([], b"x" * 20_000, b'"e"', False), 1)
    assert answers.get(("big",)) is None
    answers.put(("late",), Answer([], b"x", b'"e"', False), 0)
    assert answers.get(("late",)) is None, "built under an older generation"
    answers.at(2)
    assert len(answers) == 0 and answers.bytes == 0
