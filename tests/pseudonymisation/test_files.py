"""The loader on broken copies of rules/pseudonymisation/: every problem names the file, the key and the
reason; a directory with any problem gives no rule set, and the app refuses to start on it."""

from __future__ import annotations

import re
import tomllib

import pytest

from registry.pseudonymisation.files import RulesInvalid, load_rules, read_rules_dir
from registry.pseudonymisation.model import english_words, has_hangul
from tests.pseudonymisation.helpers import SOURCE, copy_rules, edit


@pytest.fixture
def rules_copy(tmp_path):
    return copy_rules(tmp_path)


def problems(directory) -> list[str]:
    result = read_rules_dir(directory)
    assert (result.rules is None) == bool(result.problems)
    return [str(p) for p in result.problems]


def only(found: list[str]) -> str:
    assert len(found) == 1, found
    return found[0]


def test_the_reviewed_rules_are_valid():
    assert problems(SOURCE) == []


def test_every_text_is_clean_in_its_language():
    """Korean texts hold no English word (format names like FASTQ aside), English texts no Hangul."""
    for path in sorted(SOURCE.rglob("*.toml")):
        found = []

        def walk(node, where, path=path, found=found):
            if isinstance(node, dict):
                for key, value in node.items():
                    if isinstance(value, str) and (key == "ko" or key.endswith("_ko")) and english_words(value):
                        found.append(f"{where}.{key}: {english_words(value)}")
                    elif isinstance(value, str) and (key == "en" or key.endswith("_en")) and has_hangul(value):
                        found.append(f"{where}.{key}: Hangul")
                    else:
                        walk(value, f"{where}.{key}")
            elif isinstance(node, list):
                for i, item in enumerate(node):
                    walk(item, f"{where}[{i}]")

        walk(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
        assert not found, found


def test_the_language_checks_themselves():
    assert english_words("변이 호출 자료(VCF)") == []
    assert english_words("정렬된 자료(SAM/BAM/CRAM), '{kind}' {title_ko}") == []
    assert english_words("가명처리 allowed 자료") == ["allowed"]
    assert has_hangul("Variant calls 자료") and not has_hangul("Variant calls (VCF) {kind_ko}")


def test_every_edition_cites_web_sources():
    for path in sorted((SOURCE / "editions").glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        cited = raw["sources"] + [s for k in raw.get("kinds", []) for s in k.get("sources", [])]
        assert cited and all(re.match(r"https?://", s) for s in cited), path.name


def test_invalid_toml_names_the_file(rules_copy):
    edit(rules_copy / "editions" / "2024-01-31.toml", 'status = "edition"', "status = ")
    assert only(problems(rules_copy)).startswith("editions/2024-01-31.toml: (file): is not valid TOML")


def test_an_unknown_verdict_names_the_kind_and_key(rules_copy):
    edit(rules_copy / "editions" / "2024-01-31.toml", 'verdict = "not_identifying"', 'verdict = "anonymous"')
    message = only(problems(rules_copy))
    assert message.startswith("editions/2024-01-31.toml: kinds[4] EXPRESSION.verdict: Input should be")


def test_an_unknown_kind_code(rules_copy):
    edit(rules_copy / "editions" / "2022-01.toml", 'kind = "TUMOUR_NOVEL_VARIANT"', 'kind = "TUMOUR_VARIANT"')
    message = only(problems(rules_copy))
    assert message.startswith("editions/2022-01.toml: kinds[1] TUMOUR_VARIANT.kind: unknown kind; kinds.toml defines")


def test_an_unknown_condition(rules_copy):
    edit(rules_copy / "editions" / "2024-01-31.toml", '"CLOSED_ENVIRONMENT"]', '"SEALED_ROOM"]')
    message = only(problems(rules_copy))
    assert message == (
        "editions/2024-01-31.toml: kinds[0] RAW_READS.conditions: unknown condition SEALED_ROOM;"
        " conditions.toml defines them"
    )


def test_a_kind_listed_twice(rules_copy):
    edit(rules_copy / "editions" / "2022-01.toml", 'kind = "TUMOUR_NOVEL_VARIANT"', 'kind = "KNOWN_DISEASE_VARIANT"')
    assert only(problems(rules_copy)) == (
        "editions/2022-01.toml: kinds[1] KNOWN_DISEASE_VARIANT: kind listed twice in one file"
    )


def test_a_month_date_must_be_the_first_day(rules_copy):
    edit(rules_copy / "editions" / "2022-01.toml", "effective_from = 2022-01-01", "effective_from = 2022-01-15")
    assert only(problems(rules_copy)).startswith(
        "editions/2022-01.toml: effective_from: a date known to the month only is written as the first day"
    )


def test_a_month_date_needs_its_note(rules_copy):
    path = rules_copy / "editions" / "2020-09.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'effective_from_note_en = ".*"\n', "", text), encoding="utf-8")
    assert only(problems(rules_copy)).startswith("editions/2020-09.toml: effective_from_note_ko: a date known")


def test_an_unconfirmed_status_needs_its_note(rules_copy):
    path = rules_copy / "editions" / "2023-06-01-proposal.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'status_note_ko = ".*"\n', "", text), encoding="utf-8")
    assert only(problems(rules_copy)) == (
        "editions/2023-06-01-proposal.toml: kinds[0] TUMOUR_PARTIAL_SEQUENCE.status_note_ko:"
        " an unconfirmed status needs a note in Korean and English"
    )


def test_a_proposal_is_never_in_force(rules_copy):
    edit(
        rules_copy / "editions" / "2023-06-01-proposal.toml",
        "proposed_on = 2023-06-01",
        'proposed_on = 2023-06-01\neffective_from = 2023-06-01\neffective_from_precision = "day"',
    )
    found = problems(rules_copy)
    assert (
        "editions/2023-06-01-proposal.toml: effective_from: a proposal is never in force: it has no effective_from"
        in found
    )


def test_an_edition_needs_its_default(rules_copy):
    path = rules_copy / "editions" / "2020-09.toml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("[default]"), text.index("[[kinds]]")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert only(problems(rules_copy)).startswith("editions/2020-09.toml: default: an edition needs [default]")


def test_conditions_only_where_pseudonymisable(rules_copy):
    edit(rules_copy / "editions" / "2024-01-31.toml", "conditions = []", 'conditions = ["ACCESS_CONTROL"]')
    assert only(problems(rules_copy)) == (
        "editions/2024-01-31.toml: kinds[4] EXPRESSION.conditions: only a pseudonymisable kind has conditions,"
        " not not_identifying"
    )


def test_the_version_is_the_file_name(rules_copy):
    edit(rules_copy / "editions" / "2021-02.toml", 'version = "2021-02"', 'version = "2021-03"')
    assert (
        only(problems(rules_copy)) == "editions/2021-02.toml: version: '2021-03' differs from the file name '2021-02'"
    )


def test_two_editions_on_one_day(rules_copy):
    edit(rules_copy / "editions" / "2021-02.toml", "effective_from = 2021-02-01", "effective_from = 2020-09-01")
    assert "editions/2021-02.toml: effective_from: 2020-09-01 is also editions/2020-09.toml" in problems(rules_copy)


def test_english_in_a_korean_text(rules_copy):
    edit(rules_copy / "kinds.toml", 'name_ko = "유전자검사 기록지"', 'name_ko = "유전자검사 report"')
    assert (
        only(problems(rules_copy)) == "kinds.toml: kinds.TEST_REPORT.name_ko: Korean text holds English words: report"
    )


def test_hangul_in_an_english_text(rules_copy):
    edit(rules_copy / "conditions.toml", 'text_en = "Control who', 'text_en = "접근 Control who')
    assert only(problems(rules_copy)) == "conditions.toml: conditions.ACCESS_CONTROL.text_en: English text holds Hangul"


def test_a_finding_text_with_a_name_it_is_not_given(rules_copy):
    edit(rules_copy / "findings.toml", "Conditions: {conditions_en}", "Conditions: {conditions_en} {note_en}")
    assert only(problems(rules_copy)).startswith(
        "findings.toml: findings.PSEUDONYMISABLE.message_en: unknown parameter(s) note_en; allowed:"
    )


def test_a_finding_the_check_says_must_be_defined(rules_copy):
    edit(rules_copy / "findings.toml", "[findings.PROPOSED]", "[findings.PROPOSAL]")
    found = problems(rules_copy)
    assert "findings.toml: findings.PROPOSED: missing: the check says this finding" in found
    assert "findings.toml: findings.PROPOSAL: no check says this finding" in found


def test_a_missing_file(rules_copy):
    (rules_copy / "conditions.toml").unlink()
    assert only(problems(rules_copy)) == "conditions.toml: (file): is missing"


def test_no_edition_files(rules_copy):
    for path in (rules_copy / "editions").glob("*.toml"):
        path.unlink()
    assert only(problems(rules_copy)) == "editions: (directory): holds no edition files (*.toml)"


def test_load_refuses_a_broken_directory_naming_the_problem(rules_copy):
    edit(rules_copy / "editions" / "2024-01-31.toml", 'verdict = "not_identifying"', 'verdict = "anonymous"')
    with pytest.raises(RulesInvalid) as raised:
        load_rules(rules_copy)
    assert "editions/2024-01-31.toml: kinds[4] EXPRESSION.verdict" in str(raised.value)
    assert len(raised.value.problems) == 1


def test_load_reads_once(rules_copy):
    first = load_rules(rules_copy)
    edit(rules_copy / "kinds.toml", 'name_en = "Genetic test report"', 'name_en = "Test report"')
    assert load_rules(rules_copy) is first  # cached: a reviewed file changes with a new start


async def test_the_app_refuses_to_start_on_broken_rules(rules_copy):
    from registry.app import create_app
    from registry.settings import Settings
    from tests.conftest import running

    edit(rules_copy / "findings.toml", "[findings.PROPOSED]", "[findings.PROPOSAL]")
    app = create_app(Settings(database_url="sqlite:///:memory:", rules_dir=rules_copy.parent))
    with pytest.raises(RulesInvalid, match=r"findings\.toml: findings\.PROPOSED: missing"):
        async with running(app):
            pass
