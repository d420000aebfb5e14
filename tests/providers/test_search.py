"""Providers found by name however it is typed (NFC or NFD Hangul, full-width letters, spacing), and an
item code the catalogue does not know refused with the codes close to it, never an empty list."""

import random
import unicodedata

from registry.providers import urls
from tests.catalog.test_search import full_width
from tests.workflow import assert_problem, certify, make_staff, register_lab


def hangul(n: int) -> str:
    return "".join(chr(0xAC00 + random.randrange(11172)) for _ in range(n))


async def test_a_name_typed_on_any_keyboard_finds_the_provider(client):
    staff = await make_staff(client)
    korean, latin = hangul(4), "Zq" + "".join(random.choices("abcdefghjkmnpqrstuvwxyz", k=8))
    lab = await register_lab(client, staff, name=f"{korean} {latin}")  # name_ko "<korean> <latin> 유전체"
    for typed in (
        korean,
        unicodedata.normalize("NFD", korean),  # as some keyboards and systems send Hangul
        f"{korean[:2]} {korean[2:]}",  # spacing does not matter
        full_width(latin),  # Ｚｑ…
        latin.upper(),
        f"{latin} genomics",
    ):
        r = await client.get(urls.BASE, params={"q": typed})
        assert r.status_code == 200, r.text
        assert [p["id"] for p in r.json()["data"]] == [lab.provider_id], typed
    assert (await client.get(urls.BASE, params={"q": hangul(6)})).json()["data"] == []


async def test_an_unknown_item_code_is_a_400_with_close_codes(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    # A known code, in any case or width, answers as before.
    for typed in ("NUT-VITD", "nut-vitd", full_width("NUT-VITD")):
        r = await client.get(urls.BASE, params={"item": typed})
        assert r.status_code == 200 and lab.provider_id in [p["id"] for p in r.json()["data"]], typed
    # A typo is refused, naming the field and suggesting the close codes, with their names.
    body = assert_problem(await client.get(urls.BASE, params={"item": "NUT-VITDD"}), 400, "UNKNOWN_VALUE")
    assert body["suggestions"][0]["code"] == "NUT-VITD" and body["suggestions"][0]["name_ko"]
    assert "NUT-VITD" in body["detail"] and "NUT-VITD" in body["detail_ko"]
    assert [e["field"] for e in body["errors"]] == ["item"]
    # A name instead of a code: the items whose names contain it.
    body = assert_problem(await client.get(urls.BASE, params={"item": "비타민 D"}), 400, "UNKNOWN_VALUE")
    assert "NUT-VITD" in [s["code"] for s in body["suggestions"]]
    # Nothing close: the answer says where to search.
    body = assert_problem(await client.get(urls.BASE, params={"item": "QQQQQQQQQQ"}), 400, "UNKNOWN_VALUE")
    assert "suggestions" not in body and "/api/v1/catalog/items" in body["detail"]
