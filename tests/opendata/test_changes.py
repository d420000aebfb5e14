"""The change feed: paging by cursor gives the same events as one long page, a reader at the end receives
exactly what is recorded after, parameters are checked, and the Atom feed holds every element RFC 4287
requires, escaped, for the same events."""

import datetime as dt
from xml.etree import ElementTree as ET

import feedparser

from registry.kernel.clock import today_in_korea
from registry.opendata import urls
from registry.opendata.atom import ATOM, urn
from tests.workflow import assert_problem, certify, make_staff, register_lab

A = f"{{{ATOM}}}"
ORIGIN = "http://registry.test"


async def _walk(client, limit: int, since: str | None = None) -> tuple[list[dict], str]:
    events: list[dict] = []
    while True:
        params = {"limit": limit, **({"since": since} if since else {})}
        r = await client.get(urls.CHANGES, params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["data"]) <= limit
        events += page["data"]
        since = page["next_cursor"]
        if not page["more"]:
            return events, since


async def test_small_pages_give_the_same_events_as_large_ones_and_a_reader_gets_only_what_is_new(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    everything, end = await _walk(client, 200)
    paged, end_paged = await _walk(client, 3)
    assert [e["id"] for e in paged] == [e["id"] for e in everything]
    assert len({e["id"] for e in everything}) == len(everything), "ids are unique"
    assert end == end_paged
    assert {"catalogue.edition_published", "certificate.issued"} <= {e["type"] for e in everything}
    nothing = (await client.get(urls.CHANGES, params={"since": end})).json()
    assert nothing["data"] == [] and nothing["next_cursor"] == end and nothing["more"] is False

    number = await certify(client, staff, await register_lab(client, staff), ["EXE-STR"])
    new, _ = await _walk(client, 50, end)
    assert [(e["type"], e["subject"]["certificate_number"]) for e in new] == [("certificate.issued", number)]
    issued = new[0]
    assert issued["link"] == f"/api/v1/certificates/{number}" and "EXE-STR" in issued["summary_en"]
    assert issued["effective_date"] == today_in_korea().isoformat()
    assert (await client.get(issued["link"])).json()["number"] == number


async def test_the_feed_checks_its_parameters(client):
    for params in ({"since": "not-a-cursor"}, {"since": "eyJhZnRlciI6ICIxLjIifQ"}):  # the second: two parts
        body = assert_problem(await client.get(urls.CHANGES, params=params), 400, "INVALID_PARAMETER")
        assert body["errors"][0]["field"] == "since"
    for limit in (0, 201):
        assert_problem(await client.get(urls.CHANGES, params={"limit": limit}), 400, "INVALID_PARAMETER")
        assert_problem(await client.get(urls.FEED, params={"limit": limit}), 400, "INVALID_PARAMETER")
    assert_problem(await client.get(urls.CHANGES, params={"after": "1"}), 400, "UNKNOWN_PARAMETER")


async def test_the_atom_feed_has_every_required_element_escaped_for_the_same_events(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff, name='R&D <"Lab">')
    number = await certify(client, staff, lab, ["NUT-VITD"])
    events, _ = await _walk(client, 200)
    r = await client.get(urls.FEED, params={"limit": 5})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{A}{name}") is not None and root.find(f"{A}{name}").text, name
    assert root.find(f"{A}author/{A}name").text
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links["self"] == f"{ORIGIN}{urls.FEED}?limit=5"
    entries = root.findall(f"{A}entry")
    assert len(entries) == 5
    for entry in entries:
        assert entry.find(f"{A}id").text.startswith("urn:uuid:")
        assert entry.find(f"{A}title").text and entry.find(f"{A}summary").text
        dt.datetime.fromisoformat(entry.find(f"{A}updated").text.replace("Z", "+00:00"))
        assert entry.find(f"{A}link").get("href").startswith(ORIGIN + "/api/v1/")
    newest = sorted(events, key=lambda e: e["time"])[-5:]
    assert {e.find(f"{A}id").text for e in entries} == {urn(ORIGIN, e["id"]) for e in newest}
    mine = next(e for e in entries if number in e.find(f"{A}title").text)
    assert 'R&D <"Lab"> Genomics' in mine.find(f"{A}title").text, "escaped in the XML, intact when read"
    assert b"R&amp;D &lt;" in r.content

    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and len(parsed.entries) == 5
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.updated_parsed and entry.link and entry.summary
