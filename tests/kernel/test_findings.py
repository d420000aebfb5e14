"""The finding codes are data: every code the registry promises exists, with both messages and a basis."""

import datetime as dt
import re
import string
import tomllib

from registry.kernel.findings import finding, finding_rules
from registry.settings import PROJECT_ROOT

REQUIRED = [
    "UNKNOWN_ITEM", "ITEM_NOT_YET_PERMITTED", "ITEM_WITHDRAWN", "TEMPORARY_PERMISSION_EXPIRED",
    "PROVIDER_NOT_CERTIFIED", "CERTIFICATE_SUSPENDED", "CERTIFICATE_REVOKED", "CERTIFICATE_EXPIRED",
    "ITEM_NOT_CERTIFIED", "GENE_NOT_PERMITTED", "MALFORMED_MARKER", "MINORS_NOT_PERMITTED",
    "VALIDATION_REQUIRED", "PROHIBITED_CLAIM", "DUPLICATE_ITEM", "GENES_NOT_NAMED",
]  # fmt: skip


def test_every_required_code_is_defined_with_messages_and_basis():
    rules = finding_rules()
    assert set(REQUIRED) <= set(rules)
    for code, rule in rules.items():
        assert rule.message_en and rule.message_ko and rule.bases, code
        assert all(b.ko and b.en for b in rule.bases), code
        assert rule.severity.value in ("error", "warning")
        en = {n for _, n, _, _ in string.Formatter().parse(rule.message_en) if n}
        ko = {n for _, n, _, _ in string.Formatter().parse(rule.message_ko) if n}
        assert en == ko, f"{code}: the two languages use different placeholders"
    assert rules["DUPLICATE_ITEM"].severity.value == "warning"


def test_a_finding_renders_both_languages():
    f = finding("ITEM_WITHDRAWN", "SKN-ELAST", withdrawn_in="2020-02-17")
    assert f.message_en == "The permission of SKN-ELAST was withdrawn by edition 2020-02-17 of the permitted list."
    assert f.message_ko == "SKN-ELAST은(는) 허용 항목 목록 2020-02-17 판에서 허용이 철회되었습니다."
    assert f.basis_ko.startswith("생명윤리법 제50조제3항제2호") and f.basis_en.startswith("Bioethics and Safety Act")


def test_a_dated_basis_answers_for_the_day_asked():
    rule = finding_rules()["PROVIDER_NOT_CERTIFIED"]
    assert "2020-02-17" in rule.basis_on(dt.date(2019, 1, 1)).en  # before the first period: the first
    assert "2020-02-17" in rule.basis_on(dt.date(2021, 12, 29)).en
    assert "Act 17783" in rule.basis_on(dt.date(2021, 12, 30)).en
    assert rule.basis_on(dt.date(2022, 12, 30)).en == "Bioethics and Safety Act Art. 49-2(2); Art. 50(3)2"
    assert finding("PROVIDER_NOT_CERTIFIED", "X", on=dt.date(2021, 1, 1)).basis_ko.startswith("보건복지부 고시")


def korean_prose(text: str) -> str:
    """A Korean text without what may be written in Latin letters in it: placeholders, quoted names,
    glosses in parentheses, paths and media types, and acronyms in capitals."""
    for pattern in (r"\{[^}]*\}", r"'[^']*'", r"\([^)]*\)", r"\S*/\S*", r"\b[A-Z][A-Z0-9]+\b"):
        text = re.sub(pattern, "", text)
    return text


def korean_texts(node=None, path=()):
    """Every Korean text of findings.toml (problems.toml has its own test in tests/http)."""
    if node is None:
        node = tomllib.loads((PROJECT_ROOT / "rules" / "findings.toml").read_text(encoding="utf-8"))
    if isinstance(node, dict):
        for key, value in node.items():
            yield from korean_texts(value, (*path, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from korean_texts(value, (*path, str(n)))
    elif isinstance(node, str) and path[-1] in ("ko", "message_ko", "basis_ko"):
        yield ".".join(path), node


def test_no_korean_text_carries_english_words():
    offending = {where: text for where, text in korean_texts() if re.search("[A-Za-z]", korean_prose(text))}
    assert not offending


def test_no_basis_cites_a_repository_file():
    for rule in finding_rules().values():
        for basis in rule.bases:
            assert not re.search(r"\.(md|toml|py)\b|rules/", basis.ko + basis.en), rule.code
