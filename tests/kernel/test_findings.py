"""The finding codes are data: every code the registry promises exists, with both messages and a basis."""

import string

from registry.kernel.findings import finding, finding_rules

REQUIRED = [
    "UNKNOWN_ITEM", "ITEM_NOT_YET_PERMITTED", "ITEM_WITHDRAWN", "TEMPORARY_PERMISSION_EXPIRED",
    "PROVIDER_NOT_CERTIFIED", "CERTIFICATE_SUSPENDED", "CERTIFICATE_REVOKED", "CERTIFICATE_EXPIRED",
    "ITEM_NOT_CERTIFIED", "GENE_NOT_PERMITTED", "MALFORMED_MARKER", "MINORS_NOT_PERMITTED",
    "VALIDATION_REQUIRED", "PROHIBITED_CLAIM", "DUPLICATE_ITEM",
]  # fmt: skip


def test_every_required_code_is_defined_with_messages_and_basis():
    rules = finding_rules()
    assert set(REQUIRED) <= set(rules)
    for code, rule in rules.items():
        assert rule.message_en and rule.message_ko and rule.basis, code
        assert rule.severity.value in ("error", "warning")
        en = {n for _, n, _, _ in string.Formatter().parse(rule.message_en) if n}
        ko = {n for _, n, _, _ in string.Formatter().parse(rule.message_ko) if n}
        assert en == ko, f"{code}: the two languages use different placeholders"
    assert rules["DUPLICATE_ITEM"].severity.value == "warning"


def test_a_finding_renders_both_languages():
    f = finding("ITEM_WITHDRAWN", "SKN-ELAST", withdrawn_in="2020-02-17")
    assert f.message_en == "SKN-ELAST was withdrawn from the permitted list by edition 2020-02-17."
    assert f.message_ko == "SKN-ELAST은(는) 허용 항목 목록 2020-02-17 판에서 제외되었습니다."
