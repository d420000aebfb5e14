"""Items found by name or code, Korean or English, however typed: case, full-width letters, spacing,
punctuation and decomposed Hangul do not matter; each item answers with its status on the date asked."""

import datetime as dt
import unicodedata

import pytest

from registry.catalog import urls
from registry.catalog.files import read_catalogue_dir
from registry.catalog.model import Catalogue, CertifiedItem, EntryFile, find_items
from registry.kernel.text import search_key
from tests.conftest import rules_path
from tests.workflow import assert_problem

D = dt.date.fromisoformat


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


NEW = EntryFile(
    code="TRT-WHISKYX",
    name_ko="위스키 향 선호도",
    name_en="Whisky aroma preference",
    category="personal_traits",
    tier="wellness",
    status="permitted",
    confidence="C",
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    files = read_catalogue_dir(rules_path("catalog"))
    return Catalogue((e for _, e in files.editions), certified=[CertifiedItem(NEW, D("2024-09-02"), "APP-2024-00007")])


@pytest.mark.parametrize(
    "typed",
    [
        *("비타민 D", "비타민D", "비타민d 농도", "vitamin d", "VITAMIN-D", "nut-vitd", "NUT VITD"),
        full_width("Vitamin D"),
        unicodedata.normalize("NFD", "비타민 D"),
    ],
)
def test_every_way_of_typing_vitamin_d_finds_it(catalogue, typed):
    assert "NUT-VITD" in [f.entry.code for f in find_items(catalogue, typed, D("2024-07-09"))]


def test_one_normalisation_for_every_search():
    assert search_key("비타민 D") == search_key("비타민D") == search_key(unicodedata.normalize("NFD", "비타민d"))
    assert search_key(full_width("Hanbit")) == search_key("HANBIT") == "hanbit"
    assert search_key("  ") == "" and search_key("Straße") == search_key("STRASSE")


def test_status_on_the_date_and_first_edition(catalogue):
    def found(code: str, day: str):
        return next(f for f in find_items(catalogue, code, D(day)) if f.entry.code == code)

    vitamin_d = found("NUT-VITD", "2019-01-01")
    assert (vitamin_d.status, vitamin_d.first_edition) == ("not_yet_listed", "2020-02-17")
    assert found("NUT-VITD", "2024-07-09").status == "permitted"
    assert found("SKN-ELAST", "2020-02-17").status == "withdrawn"
    assert found("SKN-ELAST", "2016-07-01").status == "permitted"
    # An item certified to an institution and listed by no edition: found by its names, from its day.
    assert found("TRT-WHISKYX", "2024-09-01").status == "not_yet_listed"
    whisky = found("TRT-WHISKYX", "2024-09-02")
    assert (whisky.status, whisky.first_edition, whisky.first_certified_on) == (
        "certified_to_institution",
        None,
        D("2024-09-02"),
    )
    assert [f.entry.code for f in find_items(catalogue, "위스키향", D("2024-09-02"))] == ["TRT-WHISKYX"]


def test_former_names_still_find_an_item(catalogue):
    # The 2016 notice named hair loss 탈모; from 2020 the item reads 남성형 탈모: both find it.
    found = {f.entry.code: f for f in find_items(catalogue, "탈모", D("2024-07-09"))}
    assert found["SKN-HAIRLOSS"].entry.name_ko == "남성형 탈모"


async def test_items_are_found_over_http_page_by_page(client):
    r = await client.get(urls.ITEMS, params={"q": "비타민 D", "as_of": "2024-07-09"})
    assert r.status_code == 200, r.text
    body = r.json()
    vitamin_d = next(i for i in body["data"] if i["code"] == "NUT-VITD")
    assert vitamin_d == {
        "code": "NUT-VITD",
        "name_ko": vitamin_d["name_ko"],
        "name_en": vitamin_d["name_en"],
        "category": "nutrients",
        "tier": "wellness",
        "first_edition": "2020-02-17",
        "first_edition_confirmed": True,
        "first_certified_on": None,
        "status": "permitted",
        "href": urls.item("NUT-VITD"),
    }
    assert "비타민" in vitamin_d["name_ko"] and body["as_of"] == "2024-07-09" and body["q"] == "비타민 D"
    same = (await client.get(urls.ITEMS, params={"q": full_width("vitamin d"), "as_of": "2024-07-09"})).json()
    assert [i["code"] for i in same["data"]] == [i["code"] for i in body["data"]]
    assert (await client.get(vitamin_d["href"])).status_code == 200
    # Every item, two at a time, by cursor: the pages add up to the total, in order of code, none twice.
    everything = (await client.get(urls.ITEMS, params={"as_of": "2024-07-09", "limit": 200})).json()
    assert everything["total"] >= 118
    codes, cursor = [], None
    for _ in range(3):
        page = (await client.get(urls.ITEMS, params={"q": "vitamin", "limit": 2, "cursor": cursor or ""})).json()
        codes += [i["code"] for i in page["data"]]
        cursor = page["next_cursor"]
    assert codes == sorted(codes) and len(set(codes)) == 6
    assert_problem(await client.get(urls.ITEMS, params={"as_of": "2024-13-01"}), 400, "INVALID_PARAMETER")
    assert_problem(await client.get(urls.ITEMS, params={"query": "x"}), 400, "UNKNOWN_PARAMETER")
