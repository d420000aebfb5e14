"""The compiled scope's check of one panel gives the engine's answer, field for field (verdict, edition,
certificate, findings in order with their texts and bases): on the table of cases, and on many random
panels (hypothesis) at dates across every edition since 2016, with unknown codes, malformed markers,
minors, disease items, prohibited claims and duplicates."""

from __future__ import annotations

import datetime as dt
import json
import random

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.panels.engine import STEP_ORDER, RulesAtDates
from registry.panels.scope import Lru, compiled, scope_of
from tests.panels.cases import CASES, RECORDS, VALIDATIONS, D, by_engine, by_scope, catalogue_with_test_edition

CATALOGUE = catalogue_with_test_edition()
RULES = RulesAtDates.build(CATALOGUE, RECORDS, VALIDATIONS)
PROVIDERS = [*sorted({r.provider_id for r in RECORDS}), None, 999]
CODES = [*sorted(CATALOGUE.known_codes()), "XYZ-NOPE", "nut-vitd"]
SYMBOLS = ["SLC23A1", "SVCT1", "FTO", "VDR", "CDKN2A", "CDKN2A/B", "CDKN2B", "vdr", "MMP1", "HLA-DQB1", "HLA", "DQB1",
           "AGMO", "TMEM195", "GUCY1A1", "C1orf112", "TCF7L2", "NEDD4", "rs33972313", "rs1160312", "rs2228570", "rs0",
           "rs999", "rs", "FTO-", "a b", "HLA-", "X/Y", "CYP1A2"]  # fmt: skip
CLAIMS = ["", "Prevents disease.", "질병 진단", "Your habits and tendencies", "Diagnoses rickets. DIAGNOSES again."]
# Every date the rules can change on (editions, certificates, validations), the day before, and any day.
BOUNDARIES = sorted(
    {d for e in CATALOGUE.editions for d in (e.effective_from, e.effective_from - dt.timedelta(days=1))}
    | {d for d in RULES.certificates["start"].to_list()}
    | {d for d in RULES.validations["val_start"].to_list() if d > dt.date(2000, 1, 1)}
)
days = st.one_of(st.sampled_from(BOUNDARIES), st.dates(dt.date(2015, 1, 1), dt.date(2029, 12, 31)))
panel_item = st.builds(
    lambda code, genes, markers: {"code": code, "genes": genes, "markers": markers},
    st.sampled_from(CODES),
    st.lists(st.sampled_from(SYMBOLS), max_size=3),
    st.lists(st.sampled_from(SYMBOLS), max_size=2),
)
panel = st.fixed_dictionaries(
    {
        "provider": st.sampled_from(PROVIDERS),
        "day": days,
        "target": st.sampled_from(["adult", "minor"]),
        "items": st.lists(panel_item, min_size=1, max_size=5),
        "claims": st.sampled_from(CLAIMS),
    }
)


def as_panel(case) -> dict:
    _, as_of, provider, target, items, claims, _, _ = case
    return {"provider": provider, "day": D(as_of), "target": target, "items": items, "claims": claims}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_case_answers_as_the_engine(case):
    p = as_panel(case)
    # The same text, keys in the same order: a registered panel's stored check is compared as text when
    # the engine re-checks it, so a registration's answer must not read as a change.
    assert json.dumps(by_scope(RULES, p), ensure_ascii=False) == json.dumps(
        by_engine(RULES, [p])[0], ensure_ascii=False
    )
    assert by_scope(RULES, p)["verdict"] == case[6]


_examples = {"panels": 0, "findings": 0}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(panels=st.lists(panel, min_size=5, max_size=20))
def test_random_panels_answer_as_the_engine(panels):
    for p, expected in zip(panels, by_engine(RULES, panels), strict=True):
        assert by_scope(RULES, p) == expected, p
        _examples["panels"] += 1
        _examples["findings"] += len(expected["findings"])


def test_random_panels_ran():
    """The property above compared enough panels (runs after it, in file order)."""
    print(_examples)
    assert _examples["panels"] >= 1000, _examples


def test_many_seeded_panels_meet_every_finding_code():
    """Two thousand seeded random panels in one engine call: each agrees, and together they meet every
    finding a panel check can give."""
    seen = set()

    rng = random.Random(3)
    panels = [
        {
            "provider": rng.choice(PROVIDERS),
            "day": rng.choice(BOUNDARIES),
            "target": rng.choice(["adult", "minor"]),
            "items": [
                {"code": rng.choice(CODES), "genes": rng.sample(SYMBOLS, 2), "markers": rng.sample(SYMBOLS, 1)}
                for _ in range(rng.randrange(1, 5))
            ],
            "claims": rng.choice(CLAIMS),
        }
        for _ in range(2000)
    ]
    for p, expected in zip(panels, by_engine(RULES, panels), strict=True):
        assert by_scope(RULES, p) == expected, p
        seen |= {f["code"] for f in expected["findings"]}
    assert seen == set(STEP_ORDER), set(STEP_ORDER) - seen


def test_scopes_are_cached_per_rules_provider_and_day():
    rules = RulesAtDates.build(CATALOGUE, RECORDS, VALIDATIONS)
    first = scope_of(rules, 1, D("2024-06-01"))
    assert scope_of(rules, 1, D("2024-06-01")) is first
    assert scope_of(rules, 1, D("2024-06-02")) is not first
    assert (first.standing, first.certificate, first.catalog_version) == ("suspended", "DTC-2022-0001", "2024-04-04")
    assert "NUT-VITD" in scope_of(rules, 1, D("2024-09-01")).certified
    again = RulesAtDates.build(CATALOGUE, RECORDS, VALIDATIONS)  # new rules: a new scope
    assert scope_of(again, 1, D("2024-06-01")) is not first
    assert compiled(again).rules is again


def test_the_lru_forgets_the_least_recently_used():
    lru: Lru[str, int] = Lru(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c"), len(lru)) == (1, None, 3, 2)


def test_scope_tables_read_the_engine_tables():
    """The scope's items on a day are the catalogue segments in force that day."""
    day = D("2018-01-01")
    scope = scope_of(RULES, None, day)
    segments = RULES.catalogue.filter(pl.col("start") <= day).group_by("code").agg(pl.col("cat_code").last())
    assert {r["code"]: r["cat_code"] for r in segments.iter_rows(named=True)} == {
        code: answer.finding for code, answer in scope.items.items()
    }
