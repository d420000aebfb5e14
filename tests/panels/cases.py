"""Shared fixtures of the panel-check tests: the real catalogue plus one test edition, and providers
whose certificates cross the regime's periods."""

from __future__ import annotations

import datetime as dt

import msgspec

from registry.catalog.files import read_catalogue_dir
from registry.catalog.model import Catalogue, CertifiedItem, EntryFile, MinorsPolicy
from registry.certification.model import CertificateEventView, CertificateKind, CertificateRecord, EventKind
from registry.certification.model.validations import ValidationRecord
from registry.panels.engine import RulesAtDates, check
from registry.panels.model import PanelItem
from registry.panels.rules import answers, frames, panel_rows
from registry.panels.scope import check_one, scope_of
from tests.conftest import rules_path

D = dt.date.fromisoformat


def catalogue_with_test_edition() -> Catalogue:
    """The reviewed editions, and an edition from 2026-01-01 that adds what the record does not have yet:
    a disease item, a temporary item, and a minors-permitted item; and a new item certified to one
    institution (EARLY) on 2025-03-10 that no edition names."""
    editions = [e for _, e in read_catalogue_dir(rules_path("catalog")).editions]
    latest = editions[-1]
    items = [
        e.model_copy(update={"minors": MinorsPolicy.permitted}) if e.code == "NUT-VITD" else e for e in latest.items
    ] + [
        EntryFile(code="DIS-T2D", name_ko="제2형 당뇨병", name_en="Type 2 diabetes", category="disease", tier="disease",
                  status="permitted", confidence="C"),
        EntryFile(code="TRT-TEMP", name_ko="한시 항목", name_en="Temporary item", category="personal_traits",
                  tier="wellness", status="temporary", temporary_until=D("2026-06-30"), confidence="C"),
    ]  # fmt: skip
    test_edition = latest.model_copy(
        update={"version": "2026-01-01", "effective_from": D("2026-01-01"), "items": tuple(items)}
    )
    certified = CertifiedItem(
        EntryFile(code="TRT-NEWCERT", name_ko="새 인증 항목", name_en="Newly certified item", category="personal_traits",
                  tier="wellness", status="permitted", confidence="C"),
        D("2025-03-10"),
        "APP-2025-0001",
    )  # fmt: skip
    return Catalogue([*editions, test_edition], certified=[certified])


def cert(provider, number, issued, until, items, *events):
    views = [CertificateEventView(EventKind.issued, D(issued), D(until), seq=0)]
    views += [
        CertificateEventView(EventKind(kind), D(day), seq=i + 1, **extra) for i, (kind, day, extra) in enumerate(events)
    ]
    kind = CertificateKind.pilot if number.startswith("DTC-P") else CertificateKind.certification
    return CertificateRecord(provider, number, kind, views, [(code, D(frm), None) for code, frm in items])


CERTIFIED, REVOKED, PILOT, NONE, RENEWED, DISEASE, DISEASE_UNVALIDATED, EARLY = 1, 2, 3, 4, 5, 6, 7, 8

RECORDS = [
    cert(CERTIFIED, "DTC-2022-0001", "2022-12-30", "2025-12-29",
         [("NUT-VITD", "2022-12-30"), ("NUT-VITC", "2022-12-30"), ("HLT-BMI", "2022-12-30"), ("SKN-KELOID", "2023-04-14")],
         ("suspended", "2024-05-20", {"ground": 4, "reason": "misleading advertising"}),
         ("reinstated", "2024-08-19", {})),
    cert(REVOKED, "DTC-2022-0002", "2022-12-30", "2025-12-29", [("TRT-ALCMET", "2022-12-30")],
         ("revoked", "2023-06-01", {"ground": 1, "reason": "fraud"})),
    cert(PILOT, "DTC-P2020-0001", "2020-02-17", "2022-12-29",
         [("NUT-VITD", "2020-02-17"), ("EXE-STR", "2020-02-17"), ("HLT-HR", "2021-06-01")]),
    cert(PILOT, "DTC-2022-0003", "2022-12-30", "2025-12-29", [("EXE-STR", "2022-12-30")]),
    cert(RENEWED, "DTC-2022-0004", "2022-12-30", "2025-12-29", [("NUT-VITD", "2022-12-30"), ("HLT-POLLEN", "2024-04-04")],
         ("renewed", "2025-11-28", {"valid_until": D("2028-12-29")})),
    cert(DISEASE, "DTC-2026-0001", "2026-01-01", "2028-12-31",
         [("DIS-T2D", "2026-01-01"), ("TRT-TEMP", "2026-01-01"), ("NUT-VITD", "2026-01-01")]),
    cert(DISEASE_UNVALIDATED, "DTC-2026-0002", "2026-01-01", "2028-12-31", [("DIS-T2D", "2026-01-01")]),
    # Certified for an item before any edition named it (first listed 2023-12-21), and for a new item.
    cert(EARLY, "DTC-2023-0009", "2023-01-02", "2026-01-01",
         [("NUT-VITD", "2023-01-02"), ("HLT-HR", "2023-06-01"), ("TRT-NEWCERT", "2025-03-10")]),
]  # fmt: skip

# DISEASE's validations of DIS-T2D: the committee decided on 2026-01-15, the record was withdrawn from
# 2026-09-01, and a second record covers it again from 2027-03-01. DISEASE_UNVALIDATED has none.
VALIDATIONS = [
    ValidationRecord(DISEASE, "DIS-T2D", D("2026-01-15"), D("2026-09-01")),
    ValidationRecord(DISEASE, "DIS-T2D", D("2027-03-01")),
]


def item(code, genes=(), markers=()):
    return {"code": code, "genes": list(genes), "markers": list(markers)}


# (name, as_of, provider, target, items, claims, verdict, {(item, code), ...})
CASES = [
    # 2016 notice: every reported institution, within the listed genes.
    ("2016 item within its genes", "2018-01-01", NONE, "adult", [item("NUT-VITC", ["SLC23A1"], ["rs33972313"])], "", "permitted", set()),
    ("2016 item with a gene outside its list", "2018-01-01", NONE, "adult", [item("NUT-VITC", ["FTO"])], "", "not_permitted", {("NUT-VITC", "GENE_NOT_PERMITTED")}),
    ("gene of a written locus CDKN2A/B", "2018-01-01", NONE, "adult", [item("HLT-GLU", ["CDKN2A"])], "", "permitted", set()),
    ("gene of a written locus CYP1A1-CYP1A2", "2018-01-01", NONE, "adult", [item("TRT-CAFMET", ["CYP1A2"])], "", "permitted", set()),
    ("listed hair-loss marker", "2018-01-01", NONE, "adult", [item("SKN-HAIRLOSS", markers=["rs1160312"])], "", "permitted", set()),
    ("unlisted hair-loss marker", "2018-01-01", NONE, "adult", [item("SKN-HAIRLOSS", markers=["rs999"])], "", "not_permitted", {("SKN-HAIRLOSS", "GENE_NOT_PERMITTED"), ("SKN-HAIRLOSS", "GENES_NOT_NAMED")}),
    # The notice's gene names (rules/genes.toml): a hyphen inside a symbol is one gene; loci admit their genes;
    # current HGNC symbols and the notice's aliases pass beside the notice's own symbols.
    ("HLA-DQB1 is one gene", "2018-01-01", NONE, "adult", [item("SKN-HAIRLOSS", ["HLA-DQB1"])], "", "permitted", set()),
    ("HLA alone is not HLA-DQB1", "2018-01-01", NONE, "adult", [item("SKN-HAIRLOSS", ["HLA"])], "", "not_permitted", {("SKN-HAIRLOSS", "GENE_NOT_PERMITTED")}),
    ("DQB1 alone is not HLA-DQB1", "2018-01-01", NONE, "adult", [item("SKN-HAIRLOSS", ["DQB1"])], "", "not_permitted", {("SKN-HAIRLOSS", "GENE_NOT_PERMITTED")}),
    ("gene of a written locus CDKN2A/B: CDKN2B", "2018-01-01", NONE, "adult", [item("HLT-GLU", ["CDKN2B"])], "", "permitted", set()),
    ("the locus notation itself", "2018-01-01", NONE, "adult", [item("HLT-GLU", ["CDKN2A/B", "DGKB-TMEM195"])], "", "permitted", set()),
    ("CDKN2 is no gene of CDKN2A/B", "2018-01-01", NONE, "adult", [item("HLT-GLU", ["CDKN2"])], "", "not_permitted", {("HLT-GLU", "GENE_NOT_PERMITTED")}),
    ("TMEM195 of the locus DGKB-TMEM195", "2018-01-01", NONE, "adult", [item("HLT-GLU", ["DGKB", "TMEM195"])], "", "permitted", set()),
    ("AGMO, TMEM195's current symbol", "2018-01-01", NONE, "adult", [item("HLT-GLU", ["AGMO"])], "", "permitted", set()),
    ("AGMO is no blood-pressure gene", "2018-01-01", NONE, "adult", [item("HLT-BP", ["AGMO"])], "", "not_permitted", {("HLT-BP", "GENE_NOT_PERMITTED")}),
    ("GUCY1A3 as the notice writes it", "2018-01-01", NONE, "adult", [item("HLT-BP", ["GUCY1A3"])], "", "permitted", set()),
    ("GUCY1A1, GUCY1A3's current symbol", "2021-06-01", NONE, "adult", [item("HLT-BP", ["GUCY1A1"])], "", "permitted", set()),
    ("SVCT1, the notice's alias of SLC23A1", "2018-01-01", NONE, "adult", [item("NUT-VITC", ["SVCT1"])], "", "permitted", set()),
    ("SLC23A1 and SVCT1 together", "2023-06-01", NONE, "adult", [item("NUT-VITC", ["SLC23A1", "SVCT1"])], "", "permitted", set()),
    ("open-reading-frame symbol is well formed", "2018-01-01", NONE, "adult", [item("NUT-VITC", ["C1orf112"])], "", "not_permitted", {("NUT-VITC", "GENE_NOT_PERMITTED")}),
    # The open mode needs the genes named.
    ("open-mode item naming no gene", "2018-01-01", NONE, "adult", [item("HLT-BMI")], "", "not_permitted", {("HLT-BMI", "GENES_NOT_NAMED")}),
    ("open-mode item naming no gene in 2023", "2023-12-29", PILOT, "adult", [item("TRT-CAFMET")], "", "not_permitted", {("TRT-CAFMET", "GENES_NOT_NAMED")}),
    ("open-mode item naming only an unlisted rsID", "2018-01-01", NONE, "adult", [item("NUT-VITC", markers=["rs33972313"])], "", "not_permitted", {("NUT-VITC", "GENE_NOT_PERMITTED"), ("NUT-VITC", "GENES_NOT_NAMED")}),
    ("open-mode item naming only a malformed gene", "2018-01-01", NONE, "adult", [item("HLT-BMI", ["fto"])], "", "not_permitted", {("HLT-BMI", "MALFORMED_MARKER"), ("HLT-BMI", "GENES_NOT_NAMED")}),
    ("certified item naming no gene: no open mode", "2023-01-10", CERTIFIED, "adult", [item("HLT-BMI")], "", "permitted", set()),
    ("after the open mode: no gene restriction to name", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITC")], "", "permitted", set()),
    ("after the open mode, uncertified, no gene", "2023-12-30", NONE, "adult", [item("HLT-BMI")], "", "not_permitted", {("HLT-BMI", "PROVIDER_NOT_CERTIFIED")}),
    ("withdrawn item naming no gene", "2020-02-17", NONE, "adult", [item("SKN-ELAST")], "", "not_permitted", {("SKN-ELAST", "ITEM_WITHDRAWN")}),
    ("skin elasticity before its withdrawal", "2018-01-01", NONE, "adult", [item("SKN-ELAST", ["MMP1"])], "", "permitted", set()),
    ("skin elasticity on the day of withdrawal", "2020-02-17", NONE, "adult", [item("SKN-ELAST", ["MMP1"])], "", "not_permitted", {("SKN-ELAST", "ITEM_WITHDRAWN")}),
    ("skin elasticity after withdrawal", "2021-01-01", CERTIFIED, "adult", [item("SKN-ELAST", ["MMP1"])], "", "not_permitted", {("SKN-ELAST", "ITEM_WITHDRAWN")}),
    ("before the first edition", "2016-06-29", NONE, "adult", [item("NUT-VITC", ["SLC23A1"])], "", "not_permitted", {("NUT-VITC", "ITEM_NOT_YET_PERMITTED")}),
    ("2020 item in 2018", "2018-01-01", NONE, "adult", [item("NUT-VITD", ["VDR"])], "", "not_permitted", {("NUT-VITD", "ITEM_NOT_YET_PERMITTED")}),
    ("minors in 2018: the 2016 notice had no minors restriction", "2018-06-01", NONE, "minor", [item("NUT-VITC", ["SLC23A1"])], "", "permitted", set()),
    ("minors restricted from the 2020 revision", "2020-02-17", NONE, "minor", [item("NUT-VITC", ["SLC23A1"])], "", "not_permitted", {("NUT-VITC", "MINORS_NOT_PERMITTED")}),
    # 2020-2022: pilot-certified institutions for the expanded list.
    ("pilot item by a pilot-certified lab", "2021-01-01", PILOT, "adult", [item("NUT-VITD", ["VDR"])], "", "permitted", set()),
    ("pilot item without certification", "2021-01-01", NONE, "adult", [item("NUT-VITD", ["VDR"])], "", "not_permitted", {("NUT-VITD", "PROVIDER_NOT_CERTIFIED")}),
    ("pilot lab, item not on its certificate", "2021-01-01", PILOT, "adult", [item("EXE-END", ["ACTN3"])], "", "not_permitted", {("EXE-END", "ITEM_NOT_CERTIFIED")}),
    ("legacy item open to all in 2021", "2021-01-01", NONE, "adult", [item("NUT-VITC", ["SLC23A1"])], "", "permitted", set()),
    ("pilot lab, legacy item not certified: genes fixed", "2021-01-01", PILOT, "adult", [item("NUT-VITC", ["FTO"])], "", "not_permitted", {("NUT-VITC", "GENE_NOT_PERMITTED")}),
    ("70-list item before the 70 list", "2020-06-01", PILOT, "adult", [item("NUT-VITA", ["BCMO1"])], "", "not_permitted", {("NUT-VITA", "ITEM_NOT_YET_PERMITTED")}),
    ("temporary permission still running", "2022-06-01", PILOT, "adult", [item("NUT-VITD", ["VDR"])], "", "permitted", set()),
    ("until 2022-12-29 the notice gates, pilot certificate or not", "2022-06-01", PILOT, "adult", [item("HLT-HR", ["MYH6"])], "", "not_permitted", {("HLT-HR", "ITEM_NOT_YET_PERMITTED")}),
    # From 2022-12-30: certified institutions, their own items.
    ("certified item", "2023-01-10", CERTIFIED, "adult", [item("NUT-VITD", ["VDR", "GC"])], "", "permitted", set()),
    ("item of the 81 list in January 2023", "2023-01-10", CERTIFIED, "adult", [item("SKN-KELOID", ["X1"])], "", "not_permitted", {("SKN-KELOID", "ITEM_NOT_YET_PERMITTED")}),
    ("day before the 81 list", "2023-04-13", CERTIFIED, "adult", [item("SKN-KELOID", ["X1"])], "", "not_permitted", {("SKN-KELOID", "ITEM_NOT_YET_PERMITTED")}),
    ("added item once certified", "2023-05-01", CERTIFIED, "adult", [item("SKN-KELOID", ["X1"])], "", "permitted", set()),
    ("December 2023 item checked in June 2023", "2023-06-15", CERTIFIED, "adult", [item("HLT-HR", ["MYH6"])], "", "not_permitted", {("HLT-HR", "ITEM_NOT_YET_PERMITTED")}),
    ("own certificate decides before an edition names the item", "2023-06-15", EARLY, "adult", [item("HLT-HR", ["MYH6"])], "", "permitted", set()),
    ("own certificate, the day before it covers the item", "2023-05-31", EARLY, "adult", [item("HLT-HR", ["MYH6"])], "", "not_permitted", {("HLT-HR", "ITEM_NOT_YET_PERMITTED")}),
    ("new item on the day it is certified", "2025-03-10", EARLY, "adult", [item("TRT-NEWCERT", ["ALDH2"])], "", "permitted", set()),
    ("new item the day before its certification", "2025-03-09", EARLY, "adult", [item("TRT-NEWCERT", ["ALDH2"])], "", "not_permitted", {("TRT-NEWCERT", "UNKNOWN_ITEM")}),
    ("new item certified to another institution", "2025-03-10", CERTIFIED, "adult", [item("TRT-NEWCERT", ["ALDH2"])], "", "not_permitted", {("TRT-NEWCERT", "ITEM_NOT_CERTIFIED")}),
    ("new item, no certificate", "2025-03-10", NONE, "adult", [item("TRT-NEWCERT", ["ALDH2"])], "", "not_permitted", {("TRT-NEWCERT", "PROVIDER_NOT_CERTIFIED")}),
    ("new item for minors: not permitted", "2025-03-10", EARLY, "minor", [item("TRT-NEWCERT", ["ALDH2"])], "", "not_permitted", {("TRT-NEWCERT", "MINORS_NOT_PERMITTED")}),
    ("suspended certificate", "2024-06-01", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "", "not_permitted", {("NUT-VITD", "CERTIFICATE_SUSPENDED")}),
    ("reinstated certificate", "2024-09-01", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "", "permitted", set()),
    ("revoked certificate", "2023-07-01", REVOKED, "adult", [item("TRT-ALCMET", ["ALDH2"])], "", "not_permitted", {("TRT-ALCMET", "CERTIFICATE_REVOKED")}),
    ("before the revocation", "2023-05-01", REVOKED, "adult", [item("TRT-ALCMET", ["ALDH2"])], "", "permitted", set()),
    ("expired certificate", "2026-03-01", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "", "not_permitted", {("NUT-VITD", "CERTIFICATE_EXPIRED")}),
    ("renewed certificate", "2026-03-01", RENEWED, "adult", [item("HLT-POLLEN", ["HLA-DQA1"])], "", "permitted", set()),
    ("legacy open mode in 2023", "2023-06-01", NONE, "adult", [item("NUT-VITC", ["SLC23A1"])], "", "permitted", set()),
    ("last day of the open mode", "2023-12-29", NONE, "adult", [item("NUT-VITC", ["SLC23A1"])], "", "permitted", set()),
    ("first day after the open mode", "2023-12-30", NONE, "adult", [item("NUT-VITC", ["SLC23A1"])], "", "not_permitted", {("NUT-VITC", "PROVIDER_NOT_CERTIFIED")}),
    ("certified legacy item: any genes", "2023-12-30", CERTIFIED, "adult", [item("NUT-VITC", ["FTO"])], "", "permitted", set()),
    ("minors panel", "2024-01-15", CERTIFIED, "minor", [item("HLT-BMI", ["FTO"])], "", "not_permitted", {("HLT-BMI", "MINORS_NOT_PERMITTED")}),
    ("lower-case gene symbol", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["vdr"])], "", "not_permitted", {("NUT-VITD", "MALFORMED_MARKER")}),
    ("rs0 is no rsID", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", markers=["rs0"])], "", "not_permitted", {("NUT-VITD", "MALFORMED_MARKER")}),
    ("prevention is the point of a DTC test, not a prohibited claim", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "Prevents diabetes.", "permitted", set()),
    ("Korean prevention wording passes", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "질병 예방을 위한 생활습관 관리", "permitted", set()),
    ("Korean diagnosis claim", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "탈모를 진단합니다", "not_permitted", {(None, "PROHIBITED_CLAIM")}),
    ("English diagnosis claim", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "diagnoses diabetes", "not_permitted", {(None, "PROHIBITED_CLAIM")}),
    ("Korean diagnosis and treatment claims", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "당뇨병 진단 및 치료", "not_permitted", {(None, "PROHIBITED_CLAIM")}),
    ("wellness wording passes", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"])], "Your tendency and habits; 건강 관리", "permitted", set()),
    ("duplicate item is a warning", "2024-01-15", CERTIFIED, "adult", [item("NUT-VITD", ["VDR"]), item("NUT-VITD", ["GC"])], "", "permitted", {("NUT-VITD", "DUPLICATE_ITEM")}),
    ("unknown item", "2024-01-15", CERTIFIED, "adult", [item("XYZ-UNKNOWN")], "", "not_permitted", {("XYZ-UNKNOWN", "UNKNOWN_ITEM")}),
    ("disease item without validation", "2026-02-01", DISEASE_UNVALIDATED, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "not_permitted", {("DIS-T2D", "VALIDATION_REQUIRED")}),
    ("disease item with validation", "2026-02-01", DISEASE, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "permitted", set()),
    ("disease item the day before the committee decision", "2026-01-14", DISEASE, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "not_permitted", {("DIS-T2D", "VALIDATION_REQUIRED")}),
    ("disease item on the day of the committee decision", "2026-01-15", DISEASE, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "permitted", set()),
    ("disease item the day before the withdrawal", "2026-08-31", DISEASE, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "permitted", set()),
    ("disease item from the withdrawal on", "2026-09-01", DISEASE, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "not_permitted", {("DIS-T2D", "VALIDATION_REQUIRED")}),
    ("disease item validated again by a later record", "2027-06-01", DISEASE, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "permitted", set()),
    ("disease item checked without a provider", "2026-02-01", None, "adult", [item("DIS-T2D", ["TCF7L2"])], "", "not_permitted", {("DIS-T2D", "PROVIDER_NOT_CERTIFIED"), ("DIS-T2D", "VALIDATION_REQUIRED")}),
    ("temporary permission lapsed", "2026-07-01", DISEASE, "adult", [item("TRT-TEMP", ["ALDH2"])], "", "not_permitted", {("TRT-TEMP", "TEMPORARY_PERMISSION_EXPIRED")}),
    ("temporary permission's last day", "2026-06-30", DISEASE, "adult", [item("TRT-TEMP", ["ALDH2"])], "", "permitted", set()),
    ("item whose minors policy allows it", "2026-02-01", DISEASE, "minor", [item("NUT-VITD", ["VDR"])], "", "permitted", set()),
    ("independent problems reported together", "2024-01-15", NONE, "minor", [item("SKN-ELAST", ["mmp1"])], "", "not_permitted",
     {("SKN-ELAST", "ITEM_WITHDRAWN"), ("SKN-ELAST", "MALFORMED_MARKER"), ("SKN-ELAST", "MINORS_NOT_PERMITTED")}),
    ("unknown and not-yet items together", "2015-01-01", NONE, "adult", [item("QQQ-1"), item("NUT-VITC", ["SLC23A1"])], "", "not_permitted",
     {("QQQ-1", "UNKNOWN_ITEM"), ("NUT-VITC", "ITEM_NOT_YET_PERMITTED")}),
    ("issue's example request", "2024-03-01", CERTIFIED, "adult", [item("NUT-VITC", ["SLC23A1"], ["rs33972313"])], "", "permitted", set()),
]  # fmt: skip


# Panels as {"provider", "day", "target", "items", "claims"}: the engine's answers and the scope's, alike.


def by_engine(rules: RulesAtDates, panels: list[dict]) -> list[dict]:
    """The engine's answers to many panels, in one call (as a batch or a re-check runs it)."""
    rows, claims = [], {}
    for n, p in enumerate(panels):
        items = [PanelItem.model_validate(i) for i in p["items"]]
        rows += panel_rows(str(n), p["provider"], p["day"], p["target"], items)
        claims[str(n)] = p["claims"]
    result = check(*frames(rows, claims), rules)
    out = answers(
        result,
        {str(n): p["provider"] for n, p in enumerate(panels)},
        {str(n): p["target"] for n, p in enumerate(panels)},
    )
    return [out[str(n)] for n in range(len(panels))]


def by_scope(rules: RulesAtDates, p: dict) -> dict:
    items = [PanelItem.model_validate(i) for i in p["items"]]
    scope = scope_of(rules, p["provider"], p["day"])
    return msgspec.to_builtins(check_one(scope, items, target=p["target"], claims=p["claims"]))
