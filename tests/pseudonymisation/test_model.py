"""The verdict for each kind of genomic data on each date: the editions' boundaries, the analysis
environment, the flags on what the public record does not confirm, proposals that never apply, diffs."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from registry.pseudonymisation.model import Environment, FieldRequest, RuleSet, Verdict
from tests.pseudonymisation.helpers import FILE_KINDS, KINDS, codes, one, reviewed

P, C, N = Verdict.pseudonymisable, Verdict.consent_required, Verdict.not_identifying


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return reviewed()


def test_the_kinds_are_the_eight_codes_with_both_names(rules):
    assert tuple(rules.kinds) == KINDS
    for kind in rules.kinds.values():
        assert kind.name_ko and kind.name_en and kind.name_ko != kind.name_en


def test_editions_and_the_proposal(rules):
    assert [e.version for e in rules.editions] == ["2020-09", "2021-02", "2022-01", "2024-01-31"]
    assert [p.version for p in rules.proposals] == ["2023-06-01-proposal"]
    assert [v.version for v in rules.newest_first()] == [
        "2024-01-31",
        "2023-06-01-proposal",
        "2022-01",
        "2021-02",
        "2020-09",
    ]
    until = {e.version: e.effective_until for e in rules.editions}
    assert until == {
        "2020-09": dt.date(2021, 1, 31),
        "2021-02": dt.date(2021, 12, 31),
        "2022-01": dt.date(2024, 1, 30),
        "2024-01-31": None,
    }


def test_dates_known_to_the_month_are_the_first_day_and_flagged(rules):
    for edition in rules.editions[:3]:
        content = edition.content
        assert content.effective_from.day == 1 and content.effective_from_precision == "month"
        assert content.effective_from_note_en and content.effective_from_note_ko
    latest = rules.editions[-1].content
    assert latest.effective_from_precision == "day"
    assert (latest.draft_published_on, latest.comments_until) == (dt.date(2024, 1, 19), dt.date(2024, 1, 29))


# (date, kind, environment, verdict): the boundaries of each edition, every kind.
CASES = [
    *[("2020-08-31", k, "closed", C) for k in KINDS],
    ("2020-09-01", "KNOWN_DISEASE_VARIANT", "closed", P),
    ("2020-09-01", "TUMOUR_NOVEL_VARIANT", "open", P),
    *[("2020-09-01", k, "closed", C) for k in ("TUMOUR_PARTIAL_SEQUENCE", *FILE_KINDS, "EXPRESSION")],
    ("2021-02-01", "TUMOUR_NOVEL_VARIANT", "closed", P),
    ("2021-02-01", "VARIANT_CALLS", "closed", C),
    ("2022-01-01", "KNOWN_DISEASE_VARIANT", "open", P),
    *[("2024-01-30", k, "closed", C) for k in ("TUMOUR_PARTIAL_SEQUENCE", *FILE_KINDS, "EXPRESSION")],
    ("2024-01-30", "KNOWN_DISEASE_VARIANT", "closed", P),
    *[("2024-01-31", k, "closed", P) for k in (*FILE_KINDS, "KNOWN_DISEASE_VARIANT", "TUMOUR_PARTIAL_SEQUENCE")],
    *[("2024-01-31", k, "open", C) for k in (*FILE_KINDS, "TUMOUR_NOVEL_VARIANT")],
    ("2024-01-31", "EXPRESSION", "closed", N),
    ("2024-01-31", "EXPRESSION", "open", N),
    ("2030-01-01", "ALIGNED_READS", "closed", P),
]


@pytest.mark.parametrize(("day", "kind", "environment", "verdict"), CASES)
def test_verdict_per_kind_per_date(rules, day, kind, environment, verdict):
    assert one(rules, day, kind, environment).verdict is verdict


def test_before_the_first_edition_consent_is_required_with_a_finding(rules):
    result = rules.check(dt.date(2020, 8, 31), Environment.closed, [FieldRequest("x", "EXPRESSION")])
    assert result.edition is None
    (field,) = result.fields
    assert field.conditions == () and codes(field) == ["NO_GUIDELINE"]
    finding = field.findings[0]
    assert finding.severity == "error" and "2020-09" in finding.message_en and "2020-09" in finding.message_ko


def test_the_edition_in_force_at_each_boundary(rules):
    def version(day: str) -> str | None:
        edition = rules.in_force(dt.date.fromisoformat(day))
        return edition.version if edition else None

    assert [version(d) for d in ("2020-08-31", "2020-09-01", "2021-01-31", "2021-02-01")] == [
        None,
        "2020-09",
        "2020-09",
        "2021-02",
    ]
    assert [version(d) for d in ("2021-12-31", "2022-01-01", "2024-01-30", "2024-01-31")] == [
        "2021-02",
        "2022-01",
        "2022-01",
        "2024-01-31",
    ]


def test_the_2024_file_kinds_carry_their_conditions(rules):
    for kind in FILE_KINDS:
        field = one(rules, "2024-01-31", kind)
        assert [c.code for c in field.conditions] == ["REMOVE_IDENTIFIERS", "ACCESS_CONTROL", "CLOSED_ENVIRONMENT"]
        assert codes(field) == ["PSEUDONYMISABLE"]
        assert "FASTQ/SAM/BAM/VCF" in field.findings[0].basis_ko and "2024" in field.findings[0].basis_en


def test_an_open_environment_under_2024_needs_consent(rules):
    field = one(rules, "2024-03-01", "VARIANT_CALLS", "open")
    assert field.verdict is C and field.conditions == ()
    assert codes(field) == ["ENVIRONMENT_REQUIRED"]
    finding = field.findings[0]
    assert finding.severity == "error"
    assert "closed analysis environment" in finding.message_en and "폐쇄된 분석환경" in finding.message_ko
    assert "open environment" in finding.message_en


def test_the_environment_changes_nothing_where_no_condition_asks_for_one(rules):
    for environment in ("closed", "open"):
        field = one(rules, "2023-01-01", "KNOWN_DISEASE_VARIANT", environment)
        assert field.verdict is P and [c.code for c in field.conditions] == ["PSEUDONYMISE"]
        assert one(rules, "2024-03-01", "EXPRESSION", environment).verdict is N


def test_exceptions_of_unconfirmed_date_are_flagged_in_every_edition(rules):
    for day in ("2020-10-01", "2021-06-01", "2023-01-01"):
        for kind in ("KNOWN_DISEASE_VARIANT", "TUMOUR_NOVEL_VARIANT"):
            field = one(rules, day, kind)
            assert "STATUS_UNCONFIRMED" in codes(field), (day, kind)
            warning = next(f for f in field.findings if f.code == "STATUS_UNCONFIRMED")
            assert warning.severity == "warning" and "not confirmed" in warning.message_en
    # a confirmed status is not flagged
    assert "STATUS_UNCONFIRMED" not in codes(one(rules, "2024-03-01", "RAW_READS"))
    assert "STATUS_UNCONFIRMED" in codes(one(rules, "2024-03-01", "EXPRESSION"))


def test_the_february_2021_edition_is_flagged_unverified(rules):
    assert "EDITION_UNVERIFIED" in codes(one(rules, "2021-06-01", "RAW_READS"))
    assert "EDITION_UNVERIFIED" not in codes(one(rules, "2020-10-01", "RAW_READS"))
    assert "EDITION_UNVERIFIED" not in codes(one(rules, "2022-06-01", "RAW_READS"))


def test_a_date_in_the_month_of_a_month_dated_edition_is_flagged(rules):
    assert "DATE_APPROXIMATE" in codes(one(rules, "2020-09-30", "RAW_READS"))
    assert "DATE_APPROXIMATE" in codes(one(rules, "2022-01-15", "RAW_READS"))
    assert "DATE_APPROXIMATE" not in codes(one(rules, "2020-10-01", "RAW_READS"))
    assert "DATE_APPROXIMATE" not in codes(one(rules, "2024-01-31", "RAW_READS"))  # known to the day


def test_a_proposed_kind_keeps_its_verdict_and_says_it_is_proposed(rules):
    before = one(rules, "2023-05-31", "TUMOUR_PARTIAL_SEQUENCE")
    assert before.verdict is C and "PROPOSED" not in codes(before)
    proposed = one(rules, "2023-06-01", "TUMOUR_PARTIAL_SEQUENCE")
    assert proposed.verdict is C and codes(proposed) == ["CONSENT_REQUIRED", "PROPOSED"]
    info = proposed.findings[1]
    assert info.severity == "info" and "2023-06-01" in info.message_en and "not in force" in info.message_en
    assert "종양의 일부 유전자 서열정보" in info.basis_ko
    assert "PROPOSED" in codes(one(rules, "2024-01-30", "TUMOUR_PARTIAL_SEQUENCE"))
    # once an edition gives the kind the proposed verdict, the proposal has nothing more to say
    assert "PROPOSED" not in codes(one(rules, "2024-01-31", "TUMOUR_PARTIAL_SEQUENCE"))


def test_a_proposal_is_never_in_force_and_never_changes_a_verdict(rules):
    without = RuleSet(
        rules.kinds,
        rules.conditions,
        rules.findings,
        rules.verdict_labels,
        rules.environment_labels,
        rules.editions,
        (),
    )
    day = dt.date(2019, 1, 1)
    fields = [FieldRequest(k, k) for k in KINDS]
    while day < dt.date(2026, 1, 1):
        edition = rules.in_force(day)
        assert edition is None or not edition.is_proposal
        for environment in Environment:
            with_proposal = [f.verdict for f in rules.check(day, environment, fields).fields]
            assert with_proposal == [f.verdict for f in without.check(day, environment, fields).fields], day
        day += dt.timedelta(days=11)


def test_every_message_is_filled_in(rules):
    fields = [FieldRequest(k, k) for k in KINDS]
    for day in ("2020-08-31", "2020-09-15", "2021-02-15", "2022-01-15", "2023-06-01", "2024-01-31"):
        for environment in Environment:
            for field in rules.check(dt.date.fromisoformat(day), environment, fields).fields:
                assert field.findings, (day, field.kind)
                for f in field.findings:
                    for text in (f.message_ko, f.message_en, f.basis_ko, f.basis_en):
                        assert text and "{" not in text and "?" not in text, (f.code, text)
                    assert not re.search(r"[\uac00-\ud7a3]", f.message_en + f.basis_en), f.code


def test_the_diff_from_2022_to_2024(rules):
    diff = rules.diff(rules.get("2022-01"), rules.get("2024-01-31"))
    assert {c.kind for c in diff.added} == {*FILE_KINDS, "EXPRESSION", "TUMOUR_PARTIAL_SEQUENCE"}
    assert diff.removed == ()
    assert {c.kind: c.changed for c in diff.changed} == {
        "KNOWN_DISEASE_VARIANT": ("conditions",),
        "TUMOUR_NOVEL_VARIANT": ("conditions",),
    }
    raw = next(c for c in diff.added if c.kind == "RAW_READS")
    assert (raw.before.verdict, raw.after.verdict, raw.changed) == (C, P, ("verdict", "conditions"))
    assert not raw.before.listed and raw.after.listed


def test_editions_that_change_nothing_on_genomic_data_have_an_empty_diff(rules):
    for a, b in (("2020-09", "2021-02"), ("2021-02", "2022-01")):
        diff = rules.diff(rules.get(a), rules.get(b))
        assert (diff.added, diff.removed, diff.changed) == ((), (), ()), (a, b)
    backwards = rules.diff(rules.get("2024-01-31"), rules.get("2022-01"))
    assert {c.kind for c in backwards.removed} == {*FILE_KINDS, "EXPRESSION", "TUMOUR_PARTIAL_SEQUENCE"}
