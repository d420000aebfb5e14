"""The HTTP benchmark: every public read of the JSON API, the signed-in trivial endpoint, a single panel
check and a write, each as a ratio to a trivial JSON endpoint of the same app measured in the same run.

The registry is served as deploy/run-postgres.sh serves it (uvicorn, `--workers N`, the registry's
`HeaderTimeoutProtocol`, no access log) from bench/app.py, which is `registry.asgi:app` plus
`GET /api/bench/trivial`, on a fresh database (SQLite file or PostgreSQL database `dtc_bench_*`, dropped at
the end) migrated and seeded with the demo data by `dtc-registry db upgrade` and `dtc-registry seed`.
Reads and the check are measured by wrk (`wrk -t1 -cC -dSs --latency`, after 1 s of warm-up each); the
write (create + submit an application) by a Python asyncio loop, since wrk cannot chain requests.

Run: .venv/bin/python bench/http_api.py [--engines sqlite,postgres] [--workers 1,2] [--seconds 5]
         [--connections 32] [--rounds 1] [--json FILE]
     .venv/bin/python bench/http_api.py --quick          # 2 s per row, SQLite, one worker: a smoke check
Needs Debian's wrk and a PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) for the postgres engine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    PROVIDER_ACCOUNT,
    UNTHROTTLED,
    Measure,
    as_json,
    call,
    fresh_database,
    lua_script,
    markdown_table,
    median_measure,
    ms,
    run_wrk,
    serve,
    served_cpu_seconds,
    settle,
    sign_in,
)

# A 3-item panel the demo provider (Hanbit) may offer: every item on its certificate.
PANEL = {"items": [{"code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"]},
                   {"code": "HLT-BMI", "genes": ["FTO"]}, {"code": "SKN-KELOID", "genes": ["NEDD4"]}],
         "claims": "Know your tendencies."}  # fmt: skip
CERTIFICATE = "DTC-2022-0001"  # Hanbit's certification (seeds/demo/history.toml)
PAST_DAY = "2024-06-01"
MAX_DOWNLOAD = 1_000_000  # open-data files larger than this are downloads, not reads people wait for
TAIL_CONNECTIONS = 64
# An application the write row drafts and submits, as tests/workflow.py's evidence_item builds it.
APPLICATION = {
    "kind": "change",
    "certificate_number": CERTIFICATE,
    "items": [
        {
            "code": "NUT-VITA",
            "markers": ["rs2282679"],
            "evidence": [{"marker": "rs2282679", "references": ["PMID:1000000", "10.1000/rs2282679.2"]}],
            "accuracy": {"method": "external quality assessment (KEQAS)", "samples": 96, "concordance_percent": 99.0},
        }
    ],
}


@dataclass
class Target:
    """One row: what is requested, and how."""

    label: str
    path: str
    method: str = "GET"
    body: str | None = None
    signed_in: bool = False


@dataclass
class Plan:
    reads: list[Target]
    skipped: list[str] = field(default_factory=list)


def fill(path: str, values: dict[str, str]) -> str | None:
    """The path with its {parameters} replaced; None when one has no known value."""
    out = path
    for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
        key = name.split(":")[0]
        if key not in values:
            return None
        out = out.replace(f"{{{name}}}", urllib.parse.quote(values[key], safe=""))
    return out


def plan_reads(base: str, every_export: bool = False) -> Plan:
    """Every public GET of the JSON API in the OpenAPI document, its parameters filled from the demo data,
    plus the searches and past-date variants people use. Endpoints with a parameter the plan has no value
    for are listed as skipped, as are open-data files over MAX_DOWNLOAD."""
    status, body = call(f"{base}/schema/openapi.json")
    if status != 200:
        raise SystemExit(f"GET /schema/openapi.json answered {status}")
    document = json.loads(body)

    def get_json(path: str) -> dict:
        status, body = call(base + path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body)

    catalog_versions = [v["version"] for v in _rows(get_json("/api/v1/catalog/versions"))]
    current = get_json("/api/v1/catalog/current")
    certified = get_json(f"/api/v1/certificates/{CERTIFICATE}")
    item = _first_code(certified) or "NUT-VITD"
    providers = _rows(get_json("/api/v1/providers?q=Hanbit"))
    provider_id = str(providers[0]["id"]) if providers else "1"
    validations = _rows(get_json("/api/v1/validations"))
    pseudo_versions = [v["version"] for v in _rows(get_json("/api/v1/pseudonymisation/versions"))]
    # A diff compares editions (a proposal was never in force).
    pseudo_editions = [
        v["version"] for v in _rows(get_json("/api/v1/pseudonymisation/versions")) if v.get("status") == "edition"
    ]
    latest = current.get("version") or catalog_versions[0]
    values = {
        "version": latest,
        "code": item,
        "provider_id": provider_id,
        "number": CERTIFICATE,
    }
    if validations:
        values["validation_id"] = str(validations[0]["id"])
    # Required query parameters, by path.
    queries = {
        "/api/v1/catalog/diff": {"from": catalog_versions[min(1, len(catalog_versions) - 1)], "to": latest},
        "/api/v1/pseudonymisation/diff": {"from": pseudo_editions[1], "to": pseudo_editions[0]}
        if len(pseudo_editions) > 1
        else {},
    }
    reads: list[Target] = []
    skipped: list[str] = []
    for path, operations in sorted(document["paths"].items()):
        operation = operations.get("get")
        if operation is None or not (path.startswith("/api/") or path == "/feed.atom"):
            continue
        if {} not in operation.get("security", [{}]):
            continue  # signed-in only
        if path.startswith("/api/v1/pseudonymisation/versions/"):
            filled = fill(path, {"version": pseudo_versions[0]} if pseudo_versions else {})
        elif path == "/api/v1/export/{file}":
            reads += _exports(base, get_json("/api/v1/export/manifest.json"), skipped, every_export)
            continue
        else:
            filled = fill(path, values)
        if filled is None:
            skipped.append(f"GET {path} (no value for a path parameter)")
            continue
        required = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query" and p.get("required")]
        query = queries.get(path, {})
        if any(name not in query for name in required):
            skipped.append(f"GET {path} (required query parameter {', '.join(required)})")
            continue
        if query:
            filled += "?" + urllib.parse.urlencode(query)
        reads.append(Target(f"GET {filled}", filled))
    searches = ["/api/v1/providers?q=Hanbit", f"/api/v1/providers?item={item}"]
    past = [f"/api/v1/certificates/{CERTIFICATE}?as_of={PAST_DAY}", f"/api/v1/catalog/current?as_of={PAST_DAY}"]
    reads += [Target(f"GET {path}", path) for path in searches + past]
    return Plan(reads, skipped)


def _rows(answer: dict | list) -> list[dict]:
    if isinstance(answer, list):
        return answer
    for key in ("data", "items", "versions", "providers", "validations"):
        if isinstance(answer.get(key), list):
            return answer[key]
    return []


def _first_code(certificate: dict) -> str | None:
    for item in certificate.get("items", []):
        if isinstance(item, dict) and item.get("code"):
            return item["code"]
    return None


def _exports(base: str, manifest: dict, skipped: list[str], every: bool) -> list[Target]:
    """The open-data files a public reader fetches: providers and certificates as JSON (with `every`,
    each dataset in each format); files over MAX_DOWNLOAD are downloads, skipped, as are the others."""
    chosen = []
    for dataset in manifest.get("datasets", []):
        for f in dataset.get("files", []):
            url = urllib.parse.urlparse(f["url"]).path
            if f.get("bytes", 0) > MAX_DOWNLOAD:
                skipped.append(f"GET {url} ({f['bytes']:,} bytes: a download)")
            elif every or (f["format"] == "json" and f["dataset"] in ("providers", "certificates")):
                chosen.append(Target(f"GET {url}", url))
            else:
                skipped.append(f"GET {url} (--all-exports)")
    return chosen


# --- measuring ---------------------------------------------------------------------------------------


def measure(
    base: str, target: Target, token: str, args, scripts: Path, connections: int, seconds: float, warm: bool
) -> Measure:
    script = lua_script(
        scripts,
        f"s{abs(hash((target.method, target.body, target.signed_in)))}",
        method=target.method,
        body=target.body,
        token=token if target.signed_in else None,
    )
    if warm:
        run_wrk(base + target.path, 1, connections, script)
    rounds = []
    for _ in range(args.rounds):
        settle(base)  # each run starts on an idle server
        rounds.append(run_wrk(base + target.path, seconds, connections, script))
    return median_measure(rounds)


async def write_loop(base: str, token: str, seconds: float, connections: int) -> dict:
    """Create and submit applications from `connections` concurrent clients for `seconds`; every request
    timed. Returns requests/s, pairs/s, p50 and p99 (ms) per request, and errors (non-2xx and failures)."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    pairs = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def timed(method: str, url: str, **kwargs) -> httpx.Response | None:
            started = time.perf_counter()
            try:
                response = await client.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return None
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                key = f"{method} {response.status_code}"
                errors[key] = errors.get(key, 0) + 1
                return None
            return response

        async def client_loop() -> None:
            nonlocal pairs
            while time.perf_counter() < stop:
                created = await timed("POST", "/api/v1/applications", json=APPLICATION)
                if created is None:
                    continue
                submitted = await timed("POST", f"/api/v1/applications/{created.json()['id']}/submit")
                pairs += submitted is not None

        started = time.perf_counter()
        await asyncio.gather(*[client_loop() for _ in range(connections)])
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    return {
        "rate": len(latencies) / elapsed,
        "pairs_per_second": pairs / elapsed,
        "p50": cuts[49],
        "p99": cuts[98],
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def _over(a: float, b: float) -> float:
    """a ÷ b, or NaN when b is 0 (a run that answered nothing)."""
    return a / b if b else float("nan")


def in_flight_limit(args) -> int:
    """The load-shedding bound: above the connections, so that no row is shed. Twice, since a request
    counts in flight until the app returns, a moment after the client has its response and sent the next."""
    return 2 * max(args.connections, TAIL_CONNECTIONS)


def run_configuration(engine: str, workers: int, url: str, args, scripts: Path) -> dict:
    results: dict = {"engine": engine, "workers": workers, "rows": [], "tail": [], "skipped": []}
    with serve(url, workers, in_flight_limit(args), not args.no_rate_limits) as base:
        token = sign_in(base, *PROVIDER_ACCOUNT)
        status, answer = call(f"{base}/api/v1/panels/check", method="POST", body=PANEL, token=token)
        if status != 200 or json.loads(answer).get("verdict") != "permitted":
            print(f"  note: the check answered {status}: {answer[:200]!r}")
        plan = plan_reads(base, args.all_exports)
        results["skipped"] = plan.skipped
        rows: list[tuple[Target, Measure]] = []
        trivial = Target("GET /api/bench/trivial (anonymous)", "/api/bench/trivial")
        signed = Target("GET /api/bench/trivial with a bearer token", "/api/bench/trivial", signed_in=True)
        check = Target(
            "POST /api/v1/panels/check (3 items, signed in)",
            "/api/v1/panels/check",
            method="POST",
            body=json.dumps(PANEL),
            signed_in=True,
        )
        for target in [trivial, signed, *plan.reads, check]:
            rows.append(
                (target, measure(base, target, token, args, scripts, args.connections, args.seconds, warm=True))
            )
            print(f"  {target.label}: {rows[-1][1].rate:,.0f} req/s", flush=True)
        reference, reference_cpu = rows[0][1].rate, rows[0][1].cpu_ms
        for target, m in rows:
            results["rows"].append(
                {
                    "label": target.label,
                    **as_json(m),
                    "ratio": m.rate / reference,
                    "cpu_ratio": reference_cpu / m.cpu_ms,
                }
            )
        if not args.no_tail:
            tail = [
                (t, measure(base, t, token, args, scripts, TAIL_CONNECTIONS, args.tail_seconds, warm=False))
                for t in [trivial, *plan.reads]
            ]
            for target, m in tail:
                results["tail"].append({"label": target.label, **as_json(m), "p99_over_p50": _over(m.p99, m.p50)})
        # Writes last: what they change (new public events, export files out of date) would make the
        # reads after them pay for rebuilding.
        settle(base)
        before = served_cpu_seconds(base)
        write = asyncio.run(write_loop(base, token, args.seconds, args.connections))
        cpu_ms = (served_cpu_seconds(base) - before) * 1000 / max(write["requests"], 1)
        results["write"] = write | {
            "ratio": write["rate"] / reference,
            "cpu_ms": cpu_ms,
            "cpu_ratio": reference_cpu / cpu_ms,
        }
    return results


def report(results: dict, args) -> str:
    engine = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[results["engine"]]
    lines = [
        f"### {engine}, {results['workers']} worker(s), {args.connections} connections",
        "",
        markdown_table(
            ["endpoint", "req/s", "p50 ms", "p99 ms", "÷ trivial", "CPU ms/req", "÷ trivial (CPU)", "errors"],
            [
                [
                    f"`{r['label']}`",
                    f"{r['rate']:,.0f}",
                    ms(r["p50"]),
                    ms(r["p99"]),
                    f"{r['ratio']:.3f}",
                    ms(r.get("cpu_ms", float("nan"))),
                    _cpu_ratio(r),
                    _errors(r),
                ]
                for r in results["rows"]
            ]
            + [_write_row(results["write"])],
        ),
    ]
    if results["tail"]:
        lines += [
            "",
            f"{TAIL_CONNECTIONS} connections (target p99 ≤ 3× p50):",
            "",
            markdown_table(
                ["endpoint", "req/s", "p50 ms", "p99 ms", "p99 ÷ p50", "errors"],
                [
                    [
                        f"`{r['label']}`",
                        f"{r['rate']:,.0f}",
                        ms(r["p50"]),
                        ms(r["p99"]),
                        f"{r['p99_over_p50']:.1f}",
                        _errors(r),
                    ]
                    for r in results["tail"]
                ],
            ),
        ]
    if results["skipped"]:
        lines += ["", "Not measured: " + "; ".join(results["skipped"])]
    return "\n".join(lines)


def summary(everything: list[dict]) -> str:
    """One table across configurations: each row's ratio to the trivial endpoint of its configuration,
    and at 64 connections its p99 ÷ p50."""
    names = [f"{'SQLite' if r['engine'] == 'sqlite' else 'PostgreSQL'} ×{r['workers']}" for r in everything]
    labels = [r["label"] for r in everything[0]["rows"]]
    by_label = [{r["label"]: r for r in results["rows"]} for results in everything]
    tails = [{r["label"]: r for r in results["tail"]} for results in everything]
    table = [["`GET /api/bench/trivial` req/s (the 1.00)", *[f"{c[labels[0]]['rate']:,.0f}" for c in by_label], ""]]
    for label in labels:
        ratios = [f"{c[label]['ratio']:.2f} ({_cpu_ratio(c[label])})" if label in c else "-" for c in by_label]
        spread = [f"{t[label]['p99_over_p50']:.1f}" if label in t else "-" for t in tails]
        table.append([f"`{label}`", *ratios, " / ".join(spread)])
    writes = [f"{r['write']['ratio']:.3f} ({_cpu_ratio(r['write'])})" for r in everything]
    table.append(["`POST /api/v1/applications` + `…/submit`", *writes, ""])
    heads = ["endpoint: ÷ trivial (by CPU time)", *names, f"p99 ÷ p50 at {TAIL_CONNECTIONS} conn. ({', '.join(names)})"]
    return markdown_table(heads, table)


def _cpu_ratio(row: dict) -> str:
    """The trivial endpoint's CPU time per request ÷ this row's: like the rate ratio, higher is better."""
    ratio = row.get("cpu_ratio", float("nan"))
    return "-" if ratio != ratio else f"{ratio:.3f}"


def _errors(row: dict) -> str:
    if not row["errors"]:
        return "0"
    return f"{row['errors']:,} ({row['non_2xx_3xx']:,} non-2xx/3xx, {row['socket_errors']:,} socket)"


def _write_row(w: dict) -> list[str]:
    kinds = ", ".join(f"{k}: {n:,}" for k, n in w["error_kinds"].items())
    return [
        f"`POST /api/v1/applications` + `…/submit` (Python client; {w['pairs_per_second']:,.0f} pairs/s)",
        f"{w['rate']:,.0f}",
        ms(w["p50"]),
        ms(w["p99"]),
        f"{w['ratio']:.3f}",
        ms(w.get("cpu_ms", float("nan"))),
        _cpu_ratio(w),
        f"{w['errors']:,}" + (f" ({kinds})" if kinds else ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1, help="rounds per row; the median is reported")
    parser.add_argument("--no-tail", action="store_true", help=f"skip the {TAIL_CONNECTIONS}-connection pass")
    parser.add_argument(
        "--tail-seconds",
        type=float,
        default=2,
        help=f"seconds per row at {TAIL_CONNECTIONS} connections (warm already)",
    )
    parser.add_argument("--all-exports", action="store_true", help="every open-data file, not only two")
    parser.add_argument("--no-rate-limits", action="store_true", help="the rate limiter off (0), to see what it costs")
    parser.add_argument("--quick", action="store_true", help="2 s per row, SQLite, one worker")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--report", type=Path, help="print the tables of a --json file again, measure nothing")
    args = parser.parse_args()
    if args.report:
        print_report(json.loads(args.report.read_text()), args)
        return
    if args.quick:
        args.engines, args.workers, args.seconds, args.tail_seconds = "sqlite", "1", 2, 1
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package wrk)")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    workers = [int(w) for w in args.workers.split(",")]
    scripts = Path(tempfile.mkdtemp(prefix="dtc-bench-wrk-"))
    started = time.perf_counter()
    everything = []
    try:
        for engine in engines:
            with fresh_database(engine) as url:
                for n in workers:
                    print(f"{engine}, {n} worker(s) ...", flush=True)
                    everything.append(run_configuration(engine, n, url, args, scripts))
                    if args.json:  # kept as it comes: a later failure loses nothing measured
                        args.json.write_text(json.dumps(everything, indent=2, ensure_ascii=False))
    finally:
        shutil.rmtree(scripts, ignore_errors=True)
    print()
    print(
        f"uvicorn (bench/app.py, HeaderTimeoutProtocol, no access log), wrk -t1 -c{args.connections} "
        f"-d{args.seconds:g}s --latency on loopback, 1 s warm-up per row, {args.rounds} round(s) (median); "
        f"the {TAIL_CONNECTIONS}-connection pass {args.tail_seconds:g} s a row after the first pass warmed it; "
        f"REGISTRY_MAX_CONCURRENT_REQUESTS={in_flight_limit(args)} (twice the most connections: a request counts "
        "until the app returns, a moment after its response reached the client), "
        + (
            "rate limits off (0), "
            if args.no_rate_limits
            else f"rate limits {UNTHROTTLED:,} a window (the limiter runs and counts, it does not refuse), "
        )
        + "REGISTRY_ACCESS_LOG_LEVEL=OFF, REGISTRY_LOG_LEVEL=WARNING; "
        f"the whole run took {time.perf_counter() - started:.0f} s."
    )
    print_report(everything, args)


def print_report(everything: list[dict], args) -> None:
    for results in everything:
        print()
        print(report(results, args))
    if len(everything) > 1:
        print()
        print(summary(everything))
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
