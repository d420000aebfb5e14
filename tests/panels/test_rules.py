"""The engine's input frames built from panel rows."""

import datetime as dt

from registry.panels.rules import frames


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
