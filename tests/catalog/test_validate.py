"""The validator on broken edition files: every error names the file, the item or key, and the reason."""

import shutil
from pathlib import Path

import pytest

from registry.catalog.files import read_catalogue_dir
from tests.conftest import rules_path

SOURCE = rules_path("catalog")


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(SOURCE, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def problems(directory: Path) -> list[str]:
    return [str(p) for p in read_catalogue_dir(directory).problems]


def only(found: list[str]) -> str:
    assert len(found) == 1, found
    return found[0]


def test_the_reviewed_catalogue_is_valid():
    assert problems(SOURCE) == []


def test_duplicate_code_in_one_edition(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", 'code = "HLT-TG"', 'code = "HLT-BMI"')
    found = problems(catalog_copy)
    assert "2016-06-30.toml: HLT-BMI: item code listed twice in one edition" in found


def test_item_silently_disappearing_is_an_error(catalog_copy):
    path = catalog_copy / "2021-03-03.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('[[items]]\ncode = "NUT-VITD"')
    end = text.index("[[items]]", start + 5)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    message = only(problems(catalog_copy))
    assert message.startswith("2021-03-03.toml: NUT-VITD: listed in 2020-02-17.toml but missing here")
    assert "withdrawn" in message


def test_withdrawing_explicitly_is_fine(catalog_copy):
    path = catalog_copy / "2021-03-03.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('[[items]]\ncode = "NUT-VITD"')
    end = text.index("[[items]]", start + 5)
    block = text[start:end]
    withdrawn = (
        block.replace('status = "temporary"', 'status = "withdrawn"')
        .replace("temporary_until = 2022-12-29\n", "")
        .replace("open_to_reported = false\n", "")
    )
    path.write_text(text[:start] + withdrawn + text[end:], encoding="utf-8")
    # Later editions still list it; that is a reinstatement, which the validator allows.
    assert problems(catalog_copy) == []


def test_unknown_category(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", 'category = "health_management"', 'category = "wellbeing"')
    message = only(problems(catalog_copy))
    assert message.startswith("2016-06-30.toml: items[0] HLT-BMI.category:")
    assert "nutrients" in message  # the reason lists what is allowed


def test_unknown_tier(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", 'tier = "wellness"', 'tier = "lifestyle"')
    assert only(problems(catalog_copy)).startswith("2016-06-30.toml: items[0] HLT-BMI.tier:")


def test_code_prefix_must_match_category(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", 'category = "health_management"', 'category = "nutrients"')
    message = only(problems(catalog_copy))
    assert "HLT-BMI" in message and "prefix NUT-" in message


def test_malformed_code(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", 'code = "HLT-BMI"', 'code = "bmi"')
    found = problems(catalog_copy)
    assert any(p.startswith("2016-06-30.toml: items[0] bmi.code:") for p in found), found


def test_missing_required_key(catalog_copy):
    edit(catalog_copy / "2020-02-17.toml", "who_may_test_en = ", "who_may_test_english = ")
    found = problems(catalog_copy)
    assert "2020-02-17.toml: who_may_test_en: Field required" in found
    assert "2020-02-17.toml: who_may_test_english: Extra inputs are not permitted" in found


def test_two_editions_on_one_date(catalog_copy):
    edit(catalog_copy / "2023-06-29.toml", "effective_from = 2023-06-29", "effective_from = 2023-04-14")
    found = problems(catalog_copy)
    assert "2023-06-29.toml: effective_from: 2023-04-14 is also used by 2023-04-14.toml" in found


def test_temporary_until_before_the_edition(catalog_copy):
    edit(catalog_copy / "2020-02-17.toml", "temporary_until = 2022-02-16", "temporary_until = 2019-01-01")
    found = problems(catalog_copy)
    assert any(p.endswith("temporary_until: 2019-01-01 is before the edition's effective_from") for p in found)


def test_temporary_without_end_date(catalog_copy):
    edit(catalog_copy / "2020-02-17.toml", "temporary_until = 2022-02-16\n", "")
    assert "a temporary permission needs temporary_until" in only(problems(catalog_copy))


def test_version_must_match_file_name(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", 'version = "2016-06-30"', 'version = "2016-07-01"')
    assert only(problems(catalog_copy)) == "2016-06-30.toml: version: '2016-07-01' does not match the file name"


def test_more_named_items_than_announced(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", "announced_total = 12", "announced_total = 11")
    found = problems(catalog_copy)
    assert "2016-06-30.toml: announced_total: 12 items are listed by name but the announced total is 11" in found


def test_withdrawn_item_never_listed_before(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", 'code = "SKN-ELAST"', 'code = "SKN-FIRM"')
    found = problems(catalog_copy)
    assert "2020-02-17.toml: SKN-ELAST: withdrawn, but no earlier edition lists it" in found


def test_bad_gene_symbol(catalog_copy):
    edit(catalog_copy / "2016-06-30.toml", '"FTO"', '"fto gene"')
    assert only(problems(catalog_copy)) == "2016-06-30.toml: HLT-BMI.restricted_genes: 'fto gene' is not a gene symbol"


def test_not_toml(catalog_copy):
    (catalog_copy / "2025-01-01.toml").write_text("version = \n", encoding="utf-8")
    message = only(problems(catalog_copy))
    assert message.startswith("2025-01-01.toml: (file): is not valid TOML")


# --- the reviewed data itself ---------------------------------------------------------------------------


def reviewed() -> dict:
    return {e.version: e for _, e in read_catalogue_dir(SOURCE).editions}


def test_korean_texts_of_the_catalogue_hold_no_english_words():
    import re

    from tests.kernel.test_findings import korean_prose

    offending = []
    for edition in reviewed().values():
        texts = {k: getattr(edition, k) for k in ("title_ko", "legal_basis_ko", "who_may_test_ko", "minors_basis_ko")}
        offending += [(edition.version, k, t) for k, t in texts.items() if re.search("[A-Za-z]", korean_prose(t))]
    assert not offending


def test_no_catalogue_text_cites_a_repository_file():
    import re

    for edition in reviewed().values():
        texts = [edition.notes, edition.effective_from_note, edition.legal_basis_ko, edition.legal_basis_en]
        texts += [edition.minors_basis_ko, edition.minors_basis_en, *(e.notes for e in edition.items)]
        for text in texts:
            assert not re.search(r"\.(md|toml|py)\b|rules/|DOMAIN|DESIGN", text), (edition.version, text)


def test_item_names_as_the_notices_write_them():
    names = {e.code: e.name_ko for e in reviewed()["2024-07-09"].items}
    assert names["NUT-DPA"] == "도코사펜타엔산(DPA) 농도" and names["NUT-DHA"] == "도코사헥사엔산(DHA) 농도"
    assert "체중감량 후 체중회복가능성(요요)" in names.values() and "운동 후 회복능력" in names.values()
    every = {e.name_ko for edition in reviewed().values() for e in edition.items}
    assert not every & {"운동후 회복능력", "체중감량 후 체중회복가능성", "도코사펜타엔산 농도", "도코사헥사엔산 농도"}


def test_after_2022_titles_name_the_union_of_certified_items():
    for version, edition in reviewed().items():
        if edition.certified_access.value == "certified_own_items":
            assert f"(기관 합계, 최대 {edition.announced_total}개)" in edition.title_ko, version
            assert f"(union over institutions, up to {edition.announced_total})" in edition.title_en, version
            assert edition.who_may_test_ko.startswith("각 기관의 검사 범위는 그 기관이 인증받은 항목이다"), version
            assert edition.who_may_test_en.startswith("Each institution's scope is its own certified items"), version


def test_minors_were_not_restricted_before_the_2020_revision():
    editions = reviewed()
    assert {e.minors.value for e in editions["2016-06-30"].items} == {"permitted"}
    assert "2020-02-17" in editions["2016-06-30"].minors_basis_en
    assert {e.minors.value for e in editions["2020-02-17"].items} == {"not_permitted"}


SEVEN = {"EAT-SEAFOOD", "NUT-MET", "NUT-GLY", "EAT-SOUR", "EAT-SALTYPREF", "TRT-WHISKY", "NUT-LUT"}


def test_the_seven_items_named_in_the_record_are_listed_with_their_first_edition_unconfirmed():
    editions = reviewed()
    assert not SEVEN & {e.code for e in editions["2023-09-13"].items}
    for version in ("2023-12-21", "2024-04-04", "2024-07-09"):
        found = {e.code: e for e in editions[version].items if e.code in SEVEN}
        assert found.keys() == SEVEN, version
        assert all(
            e.confidence == "U" and not e.first_edition_confirmed and "2024-01-02" in e.notes for e in found.values()
        )
    assert "https://m.etnews.com/20240102000221" in editions["2023-12-21"].sources
    assert editions["2023-12-21"].announced_total == 165  # the totals stay as announced
    assert {e.code for e in editions["2024-07-09"].items if e.first_edition_confirmed is False} == SEVEN
