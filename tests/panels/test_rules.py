"""The engine's input frames built from panel rows."""

import datetime as dt
import json

from registry.panels.model import PanelItem
from registry.panels.rules import frames, panel_rows, stored_frames


def test_symbol_lists_come_back_whole():
    """Lists of symbols reach the engine as they were, even an odd one (a separator inside a symbol, an
    empty symbol, no list at all)."""
    day = dt.date(2026, 1, 1)
    lists = [["VDR", "FTO"], [], ["A\x1fB"], [""], ["rs1"]]
    rows = [
        {"panel_id": "p", "position": i, "provider_id": 1, "as_of": day, "target": "adult", "code": "X",
         "genes": genes, "markers": genes[:1]}
        for i, genes in enumerate(lists)
    ]  # fmt: skip
    panel_rows, claims = frames(rows, {"p": ""})
    assert panel_rows["genes"].to_list() == lists
    assert panel_rows["markers"].to_list() == [g[:1] for g in lists]
    plain, _ = frames(rows[:2], {"p": ""})
    assert plain["genes"].to_list() == lists[:2] and claims.height == 1


def test_stored_panels_give_the_rows_their_items_would():
    """A re-check reads stored panels' JSON with polars: the same rows as from their items one by one, an
    item without genes or markers read as none, a panel without items as no row but its claims."""
    day = dt.date(2026, 1, 1)
    items = [
        [
            {"code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"]},
            {"code": "한글", "genes": [], "markers": []},
        ],
        [{"code": "HLT-BMI"}, {"code": "HLT-BMI", "genes": ["FTO", "A\x1fB"], "markers": ["rs1"]}],
        [],
    ]
    stored = [
        {"id": 7 + n, "provider": None if n == 1 else 3, "target": "adult", "claims": f"c{n}", "items": json.dumps(i)}
        for n, i in enumerate(items)
    ]
    rows, claims = stored_frames(stored, day)
    expected = [
        row
        for panel, i in zip(stored, items, strict=True)
        for row in panel_rows(
            str(panel["id"]), panel["provider"], day, "adult", [PanelItem.model_validate(x) for x in i]
        )
    ]
    want_rows, _ = frames(expected, {})
    assert rows.to_dicts() == want_rows.to_dicts()
    assert claims.to_dicts() == [{"panel_id": str(p["id"]), "claims": p["claims"]} for p in stored]
