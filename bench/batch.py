"""Batch check throughput, measured in one run beside two baselines on the same rows:

- the engine (`registry.panels.engine.check`), what the API, the CLI and registered panels run;
- a bare polars join of the rows against the catalogue and the certified pairs (Enum keys): the
  practical limit of any polars implementation;
- a straightforward per-row Python loop over the same precomputed rules (dict lookups and bisect):
  what one would write without polars. It exists here only, to be measured.

And end to end, a CSV file of panel-item rows through the command line's check
(`dtc-registry panels check rows.csv --output results.csv`, on a registry of the demo data and 50 generated
providers) beside polars' own `read_csv` + `write_csv` of the same file: the floor for any CSV-to-results
path. The command is timed in process (what it does, after one warm-up call on 1,000 rows; interpreter
start-up and imports excluded) and as a separate process (wall time, start-up included).

Run: .venv/bin/python bench/batch.py [--sizes 10000,100000,1000000] [--mix realistic|adversarial]
         [--csv-rows 1000000 (0: no CSV row)]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import io
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.catalog.files import read_catalogue_dir
from registry.catalog.model import Catalogue
from registry.certification.model import CertificateEventView, CertificateKind, EventKind
from registry.panels.engine import PANEL_SCHEMA, ROW_SCHEMA, SYMBOL_PATTERN, CertificateRecord, RulesAtDates, check

D = dt.date.fromisoformat
PROVIDERS = 50


def setting(mix: str, rows: int, seed: int = 7):
    """Rules and rows. realistic: 50 certified providers checking their own panels today, 5 items each,
    about 5% of items not on their certificate, 1% malformed genes and prohibited claims.
    adversarial: random codes of every edition (and unknown ones) at random dates since 2016."""
    catalogue = Catalogue(
        e for _, e in read_catalogue_dir(Path(__file__).resolve().parent.parent / "rules" / "catalog").editions
    )
    latest = [e.code for e in catalogue.editions[-1].content.items if e.status.value != "withdrawn"]
    every = [*sorted(catalogue.known_codes()), "XYZ-UNKNOWN"]
    rng = random.Random(seed)
    records, certified = [], {}
    for p in range(1, PROVIDERS + 1):
        items = rng.sample(latest, 40)
        certified[p] = items
        events = [CertificateEventView(EventKind.issued, D("2022-12-30"), D("2025-12-29"), seq=0),
                  CertificateEventView(EventKind.renewed, D("2025-11-28"), D("2028-12-29"), seq=1)]  # fmt: skip
        held = [(c, D("2022-12-30"), None) for c in items]
        records.append(CertificateRecord(p, f"DTC-2022-{p:04d}", CertificateKind.certification, events, held))
    rules = RulesAtDates.build(catalogue, records)
    data = {k: [] for k in ROW_SCHEMA}
    claims = []
    panel = 0
    while len(data["code"]) < rows:
        provider = rng.randrange(1, PROVIDERS + 1)
        day = D("2026-11-25") if mix == "realistic" else D("2016-01-01") + dt.timedelta(days=rng.randrange(4000))
        for position in range(5):
            if mix == "realistic":
                code = rng.choice(certified[provider]) if rng.random() > 0.05 else rng.choice(latest)
                genes = ["VDR"] if rng.random() > 0.01 else ["vdr"]
            else:
                code = rng.choice(every)
                genes = ["VDR", "FTO"] if position % 3 else ["SLC23A1"]
            data["panel_id"].append(f"P{panel}")
            data["position"].append(position)
            data["provider_id"].append(provider)
            data["as_of"].append(day)
            data["target"].append("adult" if rng.random() > 0.02 else "minor")
            data["code"].append(code)
            data["genes"].append(genes)
            data["markers"].append(["rs2228570"])
        claims.append("Know your tendencies." if rng.random() > 0.01 else "Prevents disease.")
        panel += 1
    frame = pl.DataFrame(data, schema=ROW_SCHEMA).head(rows)
    panels = pl.DataFrame({"panel_id": [f"P{i}" for i in range(panel)], "claims": claims}, schema=PANEL_SCHEMA)
    return catalogue, rules, frame, panels


def bare_join(rows: pl.DataFrame, catalogue: Catalogue, rules: RulesAtDates) -> pl.DataFrame:
    """The rows joined to the edition in force and to the certified (provider, item) pairs: no rules."""
    codes = sorted(set(catalogue.known_codes()) | set(rows["code"].unique().to_list()))
    enum = pl.Enum(codes)
    edition = pl.DataFrame(
        [{"code": e.code, "tier": e.tier.value, "status": e.status.value} for e in catalogue.editions[-1].content.items]
    ).with_columns(pl.col("code").cast(enum))
    pairs = (
        rules.certified.join(rules.certificates.select("segment", "provider_id"), on="segment")
        .select("provider_id", pl.col("code").cast(enum), "certified")
        .unique(["provider_id", "code"])
    )
    keyed = rows.with_columns(pl.col("code").cast(enum))
    return keyed.join(edition, on="code", how="left").join(pairs, on=["provider_id", "code"], how="left")


def python_loop(rows: pl.DataFrame, panels: pl.DataFrame, rules: RulesAtDates) -> int:
    """Per row: catalogue answer by bisect on the item's dates, certificate by bisect on the provider's
    dates, then genes, markers, minors, validation; claims per panel. Returns the number of findings."""
    segments: dict[str, tuple[list, list]] = {}
    for r in rules.catalogue.iter_rows(named=True):
        starts, values = segments.setdefault(r["code"], ([], []))
        starts.append(r["start"])
        values.append(r)
    certs: dict[int, tuple[list, list]] = {}
    for r in rules.certificates.sort("start").iter_rows(named=True):
        starts, values = certs.setdefault(r["provider_id"], ([], []))
        starts.append(r["start"])
        values.append(r)
    certified = {(r["segment"], r["code"]) for r in rules.certified.iter_rows(named=True)}
    validated: dict[tuple[int, str], tuple[list, list]] = {}
    for r in rules.validations.iter_rows(named=True):
        starts, values = validated.setdefault((r["provider_id"], r["code"]), ([], []))
        starts.append(r["val_start"])
        values.append(r["validated"])
    symbol = re.compile(SYMBOL_PATTERN)
    claim = re.compile(r"(?i)prevent|diagnos|treat|cure|진단|치료|예방")
    found = 0
    seen: set[tuple[str, str]] = set()
    for r in rows.iter_rows(named=True):
        seg = segments.get(r["code"])
        if seg is None:
            found += 1
            continue
        s = seg[1][bisect.bisect_right(seg[0], r["as_of"]) - 1]
        if s["cat_code"]:
            found += 1
        else:
            c = certs.get(r["provider_id"])
            cert = c[1][bisect.bisect_right(c[0], r["as_of"]) - 1] if c and c[0][0] <= r["as_of"] else None
            if cert and cert["standing"] == "active" and (cert["segment"], r["code"]) in certified:
                pass
            elif s["open"]:
                found += sum(1 for g in r["genes"] if g not in s["allowed_genes"])
            else:
                found += 1
        found += sum(1 for m in (*r["genes"], *r["markers"]) if not symbol.match(m))
        found += r["target"] == "minor" and not s["minors_ok"]
        v = validated.get((r["provider_id"], r["code"]))
        found += bool(s["disease"] and not (v and v[1][bisect.bisect_right(v[0], r["as_of"]) - 1]))
        key = (r["panel_id"], r["code"])
        found += key in seen
        seen.add(key)
    for text in panels["claims"]:
        found += len(set(claim.findall(text or "")))
    return found


def timed(fn, *args, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - started)
    return best


def csv_rows(path: Path, database: str, rows: int, every: list[str], seed: int = 7) -> None:
    """A CSV of `rows` panel-item rows in the realistic mix, for the providers registered in `database`
    (SQLite): 5-item panels of their own certified items, about 5% not certified, 1% malformed genes."""
    with sqlite3.connect(database.removeprefix("sqlite:///")) as db:
        held: dict[int, list[str]] = {}
        for provider, code in db.execute(
            "SELECT c.provider, i.code FROM certificate_item i JOIN certificate c ON c.id = i.certificate "
            "WHERE c.kind = 'certification' AND c.id IN (SELECT certificate FROM certificate_event "
            "GROUP BY certificate HAVING MAX(valid_until) >= date('now') AND SUM(kind = 'revoked') = 0)"
        ):
            held.setdefault(provider, []).append(code)
    rng = random.Random(seed)
    providers = sorted(held)
    panels = (rows + 4) // 5
    provider = [rng.choice(providers) for _ in range(panels)]
    data: dict[str, list] = {"panel_id": [], "provider_id": [], "code": [], "genes": [], "markers": [], "claims": []}
    codes: list[str] = []
    for n in range(rows):
        p = provider[n // 5]
        if n % 5 == 0:
            codes = rng.sample(held[p], 5)
        data["panel_id"].append(f"P{n // 5}")
        data["provider_id"].append(p)
        data["code"].append(codes[n % 5] if rng.random() > 0.05 else rng.choice(every))
        data["genes"].append("VDR;FTO" if rng.random() > 0.01 else "vdr")
        data["markers"].append("rs2228570")
        data["claims"].append("Know your tendencies." if rng.random() > 0.01 else "Prevents disease.")
    pl.DataFrame(data).write_csv(path)


def csv_end_to_end(rows: int) -> None:
    """The CSV row: the command line's check of a CSV file vs polars' read_csv + write_csv."""
    from harness import bench_environment, fresh_database
    from large import build, catalogue_codes

    with fresh_database("sqlite") as url, tempfile.TemporaryDirectory(prefix="dtc-batch-") as work:
        build(url, 50, 0, prepare=False)
        source, small, out = Path(work, "rows.csv"), Path(work, "small.csv"), Path(work, "results.csv")
        csv_rows(source, url, rows, catalogue_codes())
        csv_rows(small, url, 1000, catalogue_codes())
        env = bench_environment(url, 8)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REGISTRY_LOG_LEVEL")})

        def polars_copy() -> None:
            pl.read_csv(source).write_csv(out)

        def command(path: Path) -> None:
            from registry.cli import cli

            try:
                cli.main(["panels", "check", str(path), "--output", str(out)], prog_name="dtc-registry")
            except SystemExit as exc:
                if exc.code:
                    raise

        with contextlib.redirect_stderr(io.StringIO()):  # the command's progress bar and summary
            command(small)  # imports and first connection
            in_process = timed(command, source, repeat=2)
        results = pl.read_csv(out).height
        floor = timed(polars_copy)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "registry.cli", "panels", "check", str(source), "--output", str(out)],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
        size = source.stat().st_size / 2**20
    print()
    print(f"CSV end to end: {rows:,} rows ({size:.0f} MiB), {results:,} result rows; best of 2 (polars: of 3)")
    print(f"{'':<48}{'s':>8}{'rows/s':>12}{'÷ polars':>10}")
    for label, seconds in (
        ("polars read_csv + write_csv", floor),
        ("dtc-registry panels check, in process", in_process),
        ("dtc-registry panels check, a new process", wall),
    ):
        print(f"{label:<48}{seconds:>8.2f}{rows / seconds:>12,.0f}{seconds / floor:>9.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--mix", default="realistic", choices=["realistic", "adversarial"])
    parser.add_argument("--csv-rows", type=int, default=1_000_000, help="rows of the CSV end-to-end row (0: none)")
    args = parser.parse_args()
    print(f"mix: {args.mix}; best of 3 runs each (python loop: 1 run at 1M rows)")
    heads = [
        "engine s",
        "rows/s",
        "bare join s",
        "rows/s",
        "loop s",
        "rows/s",
        "engine/join",
        "engine/loop",
        "findings",
    ]
    print(f"{'rows':>10} " + " ".join(f"{h:>11}" for h in heads))
    for size in (int(s) for s in args.sizes.split(",")):
        catalogue, rules, rows, panels = setting(args.mix, size)
        check(rows.head(100), panels, rules)  # warm-up
        engine = timed(check, rows, panels, rules)
        join = timed(bare_join, rows, catalogue, rules)
        loop = timed(python_loop, rows, panels, rules, repeat=1 if size >= 1_000_000 else 3)
        findings = check(rows, panels, rules).findings.height
        cells = [
            f"{engine:.3f}",
            f"{size / engine:,.0f}",
            f"{join:.3f}",
            f"{size / join:,.0f}",
            f"{loop:.3f}",
            f"{size / loop:,.0f}",
            f"{join / engine:.2f}x",
            f"{loop / engine:.1f}x",
            f"{findings:,}",
        ]
        print(f"{size:>10,} " + " ".join(f"{c:>11}" for c in cells))
    if args.csv_rows:
        csv_end_to_end(args.csv_rows)


if __name__ == "__main__":
    main()
