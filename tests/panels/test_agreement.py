"""Single, registered and batch checks agree finding for finding (a property test over random panels),
on SQLite and PostgreSQL, through HTTP; and in process, on many more random panels, the compiled scope
(single checks, registrations) and the engine (batches, re-checks) on the rules each database holds."""

import csv
import datetime as dt
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.accounts.model import Role
from registry.accounts.service import create_user
from registry.certification.history_import import import_history
from registry.kernel.clock import today_in_korea
from registry.panels import urls
from registry.panels.rules import current_rules
from tests.panels.cases import by_engine, by_scope
from tests.workflow import PASSWORD, business_number, sign_in, unique

CODES = ["NUT-VITC", "NUT-VITD", "HLT-BMI", "HLT-GLU", "HLT-BP", "SKN-ELAST", "SKN-KELOID", "SKN-HAIRLOSS", "EXE-STR",
         "HLT-POLLEN", "TRT-ALCMET", "NUT-VITA", "XYZ-NOPE"]  # fmt: skip
SYMBOLS = ["SLC23A1", "SVCT1", "FTO", "VDR", "CDKN2A", "CDKN2A/B", "vdr", "MMP1", "HLA-DQB1", "HLA", "DQB1", "AGMO",
           "TMEM195", "GUCY1A1", "GUCY1A3", "C1orf112", "rs33972313", "rs1160312", "rs0", "rs999"]  # fmt: skip
DATES = ["2016-06-29", "2018-01-01", "2020-02-17", "2021-06-01", "2022-12-30", "2023-06-01", "2023-12-30", "2024-06-01"]
CLAIMS = ["", "Prevents disease.", "질병 진단", "Your habits and tendencies"]

panel_item = st.fixed_dictionaries(
    {"code": st.sampled_from(CODES), "genes": st.lists(st.sampled_from(SYMBOLS), max_size=3, unique=True),
     "markers": st.lists(st.sampled_from(SYMBOLS), max_size=2, unique=True)}
)  # fmt: skip
panels = st.fixed_dictionaries(
    {"items": st.lists(panel_item, min_size=1, max_size=4), "target": st.sampled_from(["adult", "minor"]),
     "claims": st.sampled_from(CLAIMS), "as_of": st.sampled_from([*DATES, *["today"] * 4])}
)  # fmt: skip
COMPARED = ("item", "code", "severity", "message_en", "message_ko", "basis_ko", "basis_en")


async def lab_with_history(client):
    number = f"DTC-2022-{int(unique('n').split('-')[1]) % 9000 + 1000}"
    bn = business_number()
    await import_history({"providers": [{
        "name_ko": "속성 검사 기관", "name_en": "Property Lab", "business_number": bn, "contact_email": "p@lab.example",
        "certificates": [{"number": number, "kind": "certification", "valid_from": "2022-12-30", "valid_until": "2025-12-29",
                          "items": [{"code": "NUT-VITD"}, {"code": "HLT-BMI"}, {"code": "SKN-KELOID", "certified_from": "2023-04-14"}],
                          "events": [{"kind": "suspended", "effective_date": "2024-05-20", "until": "2024-11-19", "ground": 4, "reason": "ads"},
                                     {"kind": "reinstated", "effective_date": "2024-08-19"},
                                     {"kind": "renewed", "effective_date": "2025-11-28", "valid_until": "2028-12-29"}]}],
    }]})  # fmt: skip
    from registry.providers.tables import Provider

    provider_id = (await Provider.select(Provider.id).where(Provider.business_number == bn).first())["id"]
    email = f"{unique('prop')}@lab.example"
    await create_user(email, "Property", Role.provider, PASSWORD, provider_id=provider_id)
    return provider_id, await sign_in(client, email)


def batch_csv(panel: dict, day: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["panel_id", "as_of", "target", "code", "genes", "markers", "claims"])
    for item in panel["items"]:
        writer.writerow(
            [
                "p",
                day,
                panel["target"],
                item["code"],
                ";".join(item["genes"]),
                ";".join(item["markers"]),
                panel["claims"],
            ]
        )
    return out.getvalue().encode()


def from_csv(body: bytes) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    return [{k: (r[k] or None) for k in COMPARED} for r in rows if r["code"]]


_labs: dict[str, tuple[int, dict]] = {}
_counts: dict[str, dict[str, int]] = {}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(panel=panels)
async def test_single_registered_and_batch_agree(client, database, panel):
    # Hypothesis reuses the function-scoped client across examples; the lab is made once per engine.
    if database.url not in _labs:
        _labs[database.url] = await lab_with_history(client)
    _, headers = _labs[database.url]
    counts = _counts.setdefault(database.kind, {"examples": 0, "registered": 0})
    today = today_in_korea().isoformat()
    day = today if panel["as_of"] == "today" else panel["as_of"]
    single = await client.post(urls.CHECK, json={**panel, "as_of": day}, headers=headers)
    assert single.status_code == 200, single.text
    single_findings = [{k: f[k] for k in COMPARED} for f in single.json()["findings"]]
    batch = await client.post(
        urls.BATCH, content=batch_csv(panel, day), headers={**headers, "Content-Type": "text/csv"}
    )
    assert batch.status_code == 200, batch.text
    assert from_csv(batch.content) == single_findings
    assert next(csv.DictReader(io.StringIO(batch.content.decode())))["verdict"] == single.json()["verdict"]
    if day == today:
        body = {"name": "Property panel", **{k: panel[k] for k in ("items", "target", "claims")}}
        registered = await client.post(urls.PANELS, json=body, headers=headers)
        assert registered.status_code == 201, registered.text
        stored = (await client.get(urls.panel(registered.json()["id"]), headers=headers)).json()["latest_check"]
        assert [{k: f[k] for k in COMPARED} for f in stored["findings"]] == single_findings
        assert stored["verdict"] == single.json()["verdict"]
        counts["registered"] += 1
    counts["examples"] += 1


def test_property_examples_ran():
    """Reports how many examples each engine ran (the figures of the closing note)."""
    for kind, counts in _counts.items():
        print(f"{kind}: {counts['examples']} examples, {counts['registered']} also registered")
        assert counts["examples"] >= 60


# Dates across every edition since 2016 and the lab's certificate events, and the days before them.
EDGES = ["2016-06-29", "2016-06-30", "2020-02-16", "2020-02-17", "2021-03-03", "2022-12-29", "2022-12-30",
         "2023-04-13", "2023-04-14", "2023-06-29", "2023-09-13", "2023-12-21", "2023-12-29", "2023-12-30",
         "2024-04-04", "2024-05-19", "2024-05-20", "2024-07-09", "2024-08-18", "2024-08-19", "2025-11-28",
         "2025-12-29", "2025-12-30", "2028-12-29", "2028-12-30"]  # fmt: skip
in_process_item = st.fixed_dictionaries(
    {"code": st.sampled_from([*CODES, "NUT-VITD", "SKN-KELOID", "TRT-CAFMET", "ANC-ANCESTRY", "hlt-bmi"]),
     "genes": st.lists(st.sampled_from([*SYMBOLS, "rs", "a b", "FTO-", "CYP1A2", "NEDD4"]), max_size=3),
     "markers": st.lists(st.sampled_from([*SYMBOLS, "rs2228570"]), max_size=2)}
)  # fmt: skip
in_process_panel = st.fixed_dictionaries(
    {"items": st.lists(in_process_item, min_size=1, max_size=5), "target": st.sampled_from(["adult", "minor"]),
     "claims": st.sampled_from([*CLAIMS, "Diagnoses and cures. diagnoses again."]), "who": st.sampled_from(["lab", "other"]),
     "day": st.one_of(st.sampled_from(EDGES).map(dt.date.fromisoformat), st.dates(dt.date(2015, 1, 1), dt.date(2029, 12, 31)))}
)  # fmt: skip
_in_process: dict[str, int] = {}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(batch=st.lists(in_process_panel, min_size=10, max_size=30))
async def test_scope_and_engine_agree_in_process(client, database, batch):
    if database.url not in _labs:
        _labs[database.url] = await lab_with_history(client)
    lab, _ = _labs[database.url]
    rules, _ = await current_rules()
    panels = [{**p, "provider": lab if p["who"] == "lab" else lab + 1_000_000} for p in batch]
    for panel, expected in zip(panels, by_engine(rules, panels), strict=True):
        assert by_scope(rules, panel) == expected, panel
    _in_process[database.kind] = _in_process.get(database.kind, 0) + len(panels)


def test_in_process_examples_ran():
    """Reports how many panels each engine's data compared in process."""
    for kind, count in _in_process.items():
        print(f"{kind}: {count} panels compared in process")
        assert count >= 400


def test_json_lines_and_parquet_batches_match_csv(tmp_path):
    """Format handling is the service's; checked without HTTP here, on one sample."""
    import polars as pl

    from registry.panels.batch import read_batch

    rows = [{"panel_id": "p", "code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"], "as_of": "2024-01-01"}]
    jsonl = "\n".join(json.dumps(r) for r in rows).encode()
    parquet = io.BytesIO()
    pl.DataFrame(rows).write_parquet(parquet)
    a = read_batch(jsonl, "jsonl")
    b = read_batch(parquet.getvalue(), "parquet")
    assert a["genes"].to_list() == b["genes"].to_list() == [["VDR"]]
    assert dt.date.fromisoformat(a["as_of"][0]) == dt.date(2024, 1, 1)
