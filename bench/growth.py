"""How public listings, searches and verifications grow with the registry: the same requests against a
registry of about 100 providers and one of 10,000 (bench/large.py, panel items in proportion: 100 per
provider), each in a fresh database served by uvicorn with one worker (bench/app.py).

For each endpoint: the median latency of sequential requests from one client, and requests per second
at 32 connections (wrk, after 1 s of warm-up); the growth factor is large ÷ small latency (target < 2×).
The requests carry the demo provider's bearer token: a signed-in request is never answered from the
public cache (registry/http/cache.py), so every one runs its queries — the growth of the database path,
which is what an anonymous reader meets on the first request after each write. `--anonymous` measures
the anonymous answers instead (after the first, from the cache).

Run: .venv/bin/python bench/growth.py [--engines sqlite,postgres] [--small 100] [--large 10000]
         [--requests 20] [--seconds 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import PROVIDER_ACCOUNT, fresh_database, lua_script, markdown_table, ms, run_wrk, serve, settle, sign_in
from large import build

CONNECTIONS = 32
ITEMS_PER_PROVIDER = 100
# The demo's own records (seeds/demo) are in every registry the generator builds: the same requests
# name the same rows in both sizes.
ENDPOINTS = [
    "/api/v1/providers",
    "/api/v1/providers?q=Hanbit",
    "/api/v1/providers?item=NUT-VITD",
    "/api/v1/providers?status=active",
    "/api/v1/providers/1",
    "/api/v1/certificates/DTC-2022-0001",
    "/api/v1/certificates/DTC-2022-0001?as_of=2024-06-01",
    "/api/v1/certificates/DTC-2022-0001/history",
    "/api/v1/validations",
    "/api/v1/changes",
    "/feed.atom",
    "/api/v1/export/manifest.json",
]
SEQUENTIAL_BUDGET = 10.0  # seconds per endpoint at most for the sequential requests (at least 3)
# Above this single-client latency, 32 connections would only queue minutes of work the next endpoint
# would wait behind: such endpoints are not loaded (their requests per second are at most 1/latency).
NO_LOAD_ABOVE_MS = 1000.0


def get(url: str, token: str | None, timeout: float):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def sequential(url: str, count: int, token: str | None = None) -> tuple[float, int, int]:
    """Median latency (ms) of up to `count` sequential requests, the number made, and failures."""
    times, failures = [], 0
    started = time.perf_counter()
    for _ in range(count):
        t = time.perf_counter()
        try:
            with get(url, token, 60) as response:
                response.read()
        except OSError:
            failures += 1
        times.append((time.perf_counter() - t) * 1000)
        if len(times) >= 3 and time.perf_counter() - started > SEQUENTIAL_BUDGET:
            break
    return statistics.median(times), len(times), failures


def measure_size(engine: str, providers: int, args) -> dict:
    with fresh_database(engine) as url:
        built = build(url, providers, providers * ITEMS_PER_PROVIDER, prepare=False)
        print(f"  {engine}, {providers:,} providers built: {json.dumps(built)}", flush=True)
        rows = {}
        with serve(url, 1, 2 * CONNECTIONS) as base, tempfile.TemporaryDirectory() as scripts:
            token = None if args.anonymous else sign_in(base, *PROVIDER_ACCOUNT)
            script = lua_script(Path(scripts), "signed-in", token=token)
            for path in ENDPOINTS:
                get(base + path, token, 120).read()  # warm, and fail loudly if broken
                latency, made, failures = sequential(base + path, args.requests, token)
                rows[path] = {"latency_ms": latency, "sequential": made, "sequential_failures": failures}
                if latency > NO_LOAD_ABOVE_MS:
                    rows[path] |= {"rate": None, "p50": None, "p99": None, "errors": 0}
                else:
                    run_wrk(base + path, 1, CONNECTIONS, script)
                    settle(base)
                    load = run_wrk(base + path, args.seconds, CONNECTIONS, script)
                    settle(base)
                    rows[path] |= {"rate": load.rate, "p50": load.p50, "p99": load.p99, "errors": load.errors}
                print(f"    {path}: {latency:.1f} ms, {rows[path]['rate'] or 0:,.0f} req/s", flush=True)
        return {"built": built, "rows": rows}


def rate(row: dict) -> str:
    return (
        f"{row['rate']:,.0f}" if row["rate"] is not None else f"not loaded (1 client: {row['latency_ms'] / 1000:.1f} s)"
    )


HEADS = ["endpoint", "1 client ms, small", "large", "growth", f"c{CONNECTIONS} req/s, small", "large", "slowdown",
         "errors"]  # fmt: skip


HEADS = ["endpoint", "1 client ms, small", "large", "growth", f"c{CONNECTIONS} req/s, small", "large", "slowdown",
         "errors"]  # fmt: skip


def report(engine: str, small: dict, large: dict, args) -> str:
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[engine]
    ns, nl = small["built"]["providers"] + 2, large["built"]["providers"] + 2
    table = []
    for path in ENDPOINTS:
        s, g = small["rows"][path], large["rows"][path]
        errors = s["errors"] + g["errors"] + s["sequential_failures"] + g["sequential_failures"]
        table.append(
            [f"`GET {path}`", ms(s["latency_ms"]), ms(g["latency_ms"]), f"{g['latency_ms'] / s['latency_ms']:.1f}×",
             rate(s), rate(g), f"{s['rate'] / g['rate']:.1f}×" if s["rate"] and g["rate"] else "-",
             str(errors)]
        )  # fmt: skip
    return "\n".join(
        [
            f"### {name}: {ns:,} vs {nl:,} providers ({small['built']['panel_items']:,} vs "
            f"{large['built']['panel_items']:,} registered panel items)",
            "",
            markdown_table(HEADS, table),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--small", type=int, default=100, help="generated providers besides the demo's two")
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20, help="sequential requests per endpoint (median)")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--anonymous", action="store_true", help="no token: answers from the public cache")
    args = parser.parse_args()
    started = time.perf_counter()
    results = {}
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        results[engine] = {
            "small": measure_size(engine, args.small, args),
            "large": measure_size(engine, args.large, args),
        }
    print()
    print(
        f"uvicorn, 1 worker (bench/app.py); single client: median of up to {args.requests} sequential requests "
        f"(at most {SEQUENTIAL_BUDGET:g} s an endpoint); wrk -t1 -c{CONNECTIONS} -d{args.seconds:g}s after 1 s "
        f"of warm-up; {'anonymous' if args.anonymous else 'signed in (no public cache)'}; "
        f"growth = large ÷ small single-client latency (target < 2×); the run took "
        f"{time.perf_counter() - started:.0f} s."
    )
    for engine, sizes in results.items():
        print()
        print(report(engine, sizes["small"], sizes["large"], args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
