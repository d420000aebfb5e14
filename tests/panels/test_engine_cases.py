"""The engine on a table of cases across the regime's history (no storage)."""

import polars as pl
import pytest

from registry.panels.engine import PANEL_SCHEMA, ROW_SCHEMA, RulesAtDates, check
from tests.panels.cases import CASES, RECORDS, VALIDATIONS, D, catalogue_with_test_edition


@pytest.fixture(scope="module")
def rules() -> RulesAtDates:
    return RulesAtDates.build(catalogue_with_test_edition(), RECORDS, VALIDATIONS)


def frames_for(cases):
    rows, claims = [], {}
    for n, (_, as_of, provider, target, items, text, _, _) in enumerate(cases):
        panel = f"case{n}"
        claims[panel] = text
        rows += [{"panel_id": panel, "position": i, "provider_id": provider, "as_of": D(as_of), "target": target, **it}
                 for i, it in enumerate(items)]  # fmt: skip
    return pl.DataFrame(rows, schema=ROW_SCHEMA), pl.DataFrame(
        {"panel_id": list(claims), "claims": list(claims.values())}, schema=PANEL_SCHEMA
    )


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_case(rules, case):
    name, *_, verdict, expected = case
    result = check(*frames_for([case]), rules)
    found = {(f["item"], f["code"]) for f in result.findings.iter_rows(named=True)}
    assert found == expected, (name, result.findings.select("item", "code", "message_en").rows())
    assert result.panels["verdict"].item() == verdict
    for f in result.findings.iter_rows(named=True):
        assert f["message_ko"] and f["message_en"] and f["basis_ko"] and f["basis_en"] and "?" not in f["message_en"], f


def test_all_cases_in_one_batch_agree_with_each_alone(rules):
    together = check(*frames_for(CASES), rules)
    for n, case in enumerate(CASES):
        alone = check(*frames_for([case]), rules)
        mine = together.findings.filter(pl.col("panel_id") == f"case{n}").drop("panel_id")
        assert mine.equals(alone.findings.drop("panel_id")), case[0]


def test_messages_name_dates_and_editions(rules):
    case = next(c for c in CASES if c[0] == "December 2023 item checked in June 2023")
    message = check(*frames_for([case]), rules).findings["message_en"].item()
    assert message == (
        "HLT-HR is not on the permitted list in force on 2023-06-15 (edition 2023-04-14); it is listed from 2023-12-21."
    )
    case = next(c for c in CASES if c[0] == "suspended certificate")
    message = check(*frames_for([case]), rules).findings["message_ko"].item()
    assert message == "인증서 DTC-2022-0001은(는) 2024-06-01에 효력이 정지된 상태입니다(업무정지, 2024-05-20부터)."


def test_verdict_names_the_edition_and_certificate(rules):
    case = next(c for c in CASES if c[0] == "reinstated certificate")
    panel = check(*frames_for([case]), rules).panels.row(0, named=True)
    assert (panel["catalog_version"], panel["certificate"], panel["certificate_status"]) == (
        "2024-07-09",
        "DTC-2022-0001",
        "active",
    )


def _finding(rules, name: str, **changes) -> dict:
    case = next(c for c in CASES if c[0] == name)
    if "as_of" in changes:
        case = (case[0], changes["as_of"], *case[2:])
    return check(*frames_for([case]), rules).findings.row(0, named=True)


def test_the_basis_is_the_instrument_in_force_on_the_date_asked(rules):
    pilot = _finding(rules, "pilot item without certification", as_of="2021-06-01")
    assert "2020-02-17" in pilot["basis_en"] and "49-2" not in pilot["basis_en"]
    transition = _finding(rules, "pilot item without certification", as_of="2022-06-01")
    assert "Act 17783" in transition["basis_en"] and "제49조의2제2항" in transition["basis_ko"]
    certified = _finding(rules, "first day after the open mode")
    assert certified["basis_en"] == "Bioethics and Safety Act Art. 49-2(2); Art. 50(3)2"


def test_an_expired_certificate_names_its_last_valid_day_and_the_possible_step(rules):
    expired = _finding(rules, "expired certificate")
    assert expired["message_ko"] == (
        "인증서 DTC-2022-0001의 유효기간이 2025-12-29에 끝났습니다. 다시 검사하려면 인증을 새로 신청해야 합니다."
    )
    assert "apply for certification anew" in expired["message_en"]


def test_a_revoked_certificate_names_its_ground(rules):
    revoked = _finding(rules, "revoked certificate")
    assert (
        revoked["message_ko"]
        == "인증서 DTC-2022-0002의 인증이 2023-06-01에 제49조의2제4항제1호의 사유로 취소되었습니다."
    )
    assert revoked["message_en"].endswith("on ground 1 of Art. 49-2(4).")
