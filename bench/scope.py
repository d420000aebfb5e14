"""One panel's fixed cost in process, measured in one run three ways on the same rules and panel:

- the engine (`registry.panels.engine.check` on one panel's rows, and the JSON answer built from it);
- the compiled scope (`registry.panels.scope`): the provider's scope on the day from its cache, the panel
  judged with dictionary lookups, findings rendered, the answer built (what POST /api/v1/panels/check runs);
- a bare dictionary path: the same rules on precomputed dictionaries, finding codes only, no texts,
  no answer. It exists here only, as the floor to compare with.

Also: a scope's first use (not cached: the provider's index and the day's catalogue built) and compiling
new rules. Two panels: the 3 certified items of bench/single_check.py (no findings), and the same with
an item outside the certificate, an unknown one, a malformed gene, a duplicate and a prohibited claim.

Run: .venv/bin/python bench/scope.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.catalog.files import read_catalogue_dir
from registry.catalog.model import Catalogue
from registry.certification.model import CertificateEventView, CertificateKind, CertificateRecord, EventKind
from registry.panels.engine import RulesAtDates, check
from registry.panels.model import PanelItem, prohibited_phrases
from registry.panels.rules import answers, frames, panel_rows
from registry.panels.scope import CompiledRules, check_one, compiled, scope_of, well_formed

D = dt.date.fromisoformat
ROOT = Path(__file__).resolve().parent.parent
PROVIDER, DAY = 1, D("2026-11-25")
CLEAN = [PanelItem(code="NUT-VITD", genes=["VDR"], markers=["rs2228570"]), PanelItem(code="HLT-BMI", genes=["FTO"]),
         PanelItem(code="SKN-KELOID", genes=["NEDD4"])]  # fmt: skip
FAULTY = [*CLEAN, PanelItem(code="NUT-VITC", genes=["slc23a1"]), PanelItem(code="TRT-ALCMET", genes=["ALDH2"]),
          PanelItem(code="XYZ-NOPE"), PanelItem(code="HLT-BMI", genes=["FTO"])]  # fmt: skip


def setting() -> RulesAtDates:
    catalogue = Catalogue(e for _, e in read_catalogue_dir(ROOT / "rules" / "catalog").editions)
    latest = sorted(e.code for e in catalogue.editions[-1].content.items if e.status.value != "withdrawn")
    records = []
    for p in range(1, 101):  # 100 providers, each certified for 40 items
        items = ["NUT-VITD", "HLT-BMI", "SKN-KELOID", *latest[p % 7 :: 7][:37]]
        events = [CertificateEventView(EventKind.issued, D("2022-12-30"), D("2025-12-29"), seq=0),
                  CertificateEventView(EventKind.renewed, D("2025-11-28"), D("2028-12-29"), seq=1)]  # fmt: skip
        held = [(c, D("2022-12-30"), None) for c in items]
        records.append(CertificateRecord(p, f"DTC-2022-{p:04d}", CertificateKind.certification, events, held))
    return RulesAtDates.build(catalogue, records)


def bare_dicts(rules: RulesAtDates):
    """The prototype's precomputed dictionaries: permission finding per code on the day, the provider's
    standing and certified codes."""
    scope = scope_of(rules, PROVIDER, DAY)
    finding = {code: answer.finding for code, answer in scope.items.items()}
    return finding, scope.standing, set(scope.certified)


def bare(tables, items: list[PanelItem], claims: str) -> list[tuple[int, str]]:
    finding, standing, certified = tables
    out, seen = [], set()
    for position, item in enumerate(items):
        code = item.code
        found = finding.get(code, "UNKNOWN_ITEM")
        if found is not None:
            out.append((position, found))
        elif not (standing == "active" and code in certified):
            out.append((position, "ITEM_NOT_CERTIFIED"))
        for symbol in (*item.genes, *item.markers):
            if not well_formed(symbol):
                out.append((position, "MALFORMED_MARKER"))
        if code in seen:
            out.append((position, "DUPLICATE_ITEM"))
        seen.add(code)
    out += [(1_000_000, "PROHIBITED_CLAIM") for _ in prohibited_phrases(claims)]
    return out


def by_engine(rules: RulesAtDates, items: list[PanelItem], claims: str) -> dict:
    result = check(*frames(panel_rows("panel", PROVIDER, DAY, "adult", items), {"panel": claims}), rules)
    return answers(result, {"panel": PROVIDER}, {"panel": "adult"})["panel"]


def by_scope(rules: RulesAtDates, items: list[PanelItem], claims: str):
    return check_one(scope_of(rules, PROVIDER, DAY), items, target="adult", claims=claims)


def per_call(fn, *args, repeat: int) -> float:
    """Median seconds per call over `repeat` calls (after one warm-up), in batches of 10."""
    fn(*args)
    batches = []
    for _ in range(max(1, repeat // 10)):
        start = time.perf_counter()
        for _ in range(10):
            fn(*args)
        batches.append((time.perf_counter() - start) / 10)
    return statistics.median(batches)


def cold_scope(rules: RulesAtDates, repeat: int) -> float:
    """Median seconds of a scope's first use: the provider's index and the day's catalogue built."""
    times = []
    for _ in range(repeat):
        fresh = CompiledRules(rules)
        start = time.perf_counter()
        fresh.scope(PROVIDER, DAY)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(repeat: int) -> list[tuple[str, float]]:
    rules = setting()
    tables = bare_dicts(rules)
    compile_cost = per_call(CompiledRules, rules, repeat=max(10, repeat // 100))
    compiled_rules = compiled(rules)
    cold = cold_scope(rules, max(10, repeat // 100))
    rows = []
    for label, items, claims in (
        ("3 certified items, no findings", CLEAN, "Know your tendencies."),
        ("7 items, 5 findings", FAULTY, "Diagnoses rickets."),
    ):
        assert by_engine(rules, items, claims) == msgspec.to_builtins(by_scope(rules, items, claims)), label
        engine = per_call(by_engine, rules, items, claims, repeat=max(20, repeat // 20))
        scope = per_call(by_scope, rules, items, claims, repeat=repeat)
        floor = per_call(bare, tables, items, claims, repeat=repeat)
        rows.append((label, engine, scope, floor))
    assert compiled_rules is compiled(rules)
    return rows, cold, compile_cost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    rows, cold, compile_cost = measure(args.repeat)
    print("one panel in process, median per call (one run; ratios are what to compare)")
    print(f"{'panel':<34}{'engine':>11}{'scope':>11}{'bare dict':>11}{'engine/scope':>14}{'scope/bare':>12}")
    for label, engine, scope, floor in rows:
        print(
            f"{label:<34}{engine * 1e6:>9.1f}µs{scope * 1e6:>9.1f}µs{floor * 1e6:>9.1f}µs"
            f"{engine / scope:>13.0f}×{scope / floor:>11.1f}×"
        )
    print(f"a scope's first use (provider index + day's catalogue): {cold * 1e6:,.0f} µs")
    print(f"compiling new rules (once per rules revision):          {compile_cost * 1e6:,.0f} µs")


if __name__ == "__main__":
    main()
