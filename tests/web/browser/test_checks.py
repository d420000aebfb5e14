"""The crawler's own checks, on text made up for them: they must catch what they are there to catch. No
browser needed."""

from __future__ import annotations

from registry.web.i18n import messages
from tests.web.browser.crawl import kind_of, slug, untranslated


def chunk(text: str, lang: str, where: str = "main > p") -> dict[str, str]:
    return {"text": text, "lang": lang, "where": where}


def test_korean_on_an_english_page_counts_only_where_it_is_not_marked():
    found = untranslated([chunk("Signed in as 한빛랩", "en", "span.who"), chunk("한국어", "ko", "a.lang")], "en")
    assert found == ["Korean text not marked lang=\"ko\": 'Signed in as 한빛랩' in span.who"]


def test_an_english_message_on_a_korean_page_is_named_by_its_key():
    english = messages()["home.title"]["en"]
    found = untranslated([chunk(f"안내 {english}", "ko"), chunk("English", "en", "a.lang")], "ko")
    assert found == [f"English message home.title on the Korean page: {english!r}"]
    # Short words (an acronym, a name) are no evidence, and the toggle's own word is marked English.
    assert untranslated([chunk("DTC 유전자검사 API", "ko")], "ko") == []


def test_a_message_key_shown_instead_of_its_text_is_caught_in_either_language():
    for lang in ("ko", "en"):
        assert untranslated([chunk("home.title", lang)], lang) == ["message key shown: 'home.title' in main > p"]
    # An address is not a key.
    assert untranslated([chunk("lab@hanbit.example", "en")], "en") == []


def test_screenshots_are_named_after_the_path():
    assert slug("/") == "home"
    assert slug("/portal/sign-in?next=%2Fportal") == "portal-sign-in-next-portal"


def test_records_of_one_kind_are_one_kind_of_page():
    assert kind_of("/catalog/items/NUT-VITC") == kind_of("/catalog/items/HLT-BP") == "/catalog/items/*"
    assert kind_of("/certificates/DTC-2022-0001/as-of/2026-11-26") == "/certificates/*/as-of/*"
    assert kind_of("/console/audit?entity_type=provider&entity_id=2") == "/console/audit?"
    # Sections are words, each a kind of its own.
    assert kind_of("/console/organisations") != kind_of("/console/audit")
