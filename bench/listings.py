"""The public provider listing with 100 and with 10,000 verified providers: the first page of GET
/api/v1/providers (plain, ?q=, ?item=, ?status=active) timed by sequential requests to two servers asked in
turn (uvicorn, one worker each, SQLite: migrated, seeded with the demo data, then filled with providers that
each hold a certificate with a few items). Prints each query's median and how many times longer it takes
with 10,000. The target: less than 2x.

Run: .venv/bin/python bench/listings.py [--requests 30] [--root PATH]   (--root: another checkout to measure)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {
    "first page": "/api/v1/providers",
    "?q=Hanbit": "/api/v1/providers?q=Hanbit",
    "?item=NUT-VITD": "/api/v1/providers?item=NUT-VITD",
    "?status=active": "/api/v1/providers?status=active",
}
ITEMS = ("NUT-VITD", "HLT-BMI", "SKN-KELOID")
SYLLABLES = ("gen", "bio", "hae", "sol", "dna", "cell", "nova", "lumi", "ari", "tek", "mir", "on")


def fill(root: Path, database: Path, providers: int) -> None:
    """Add verified providers up to `providers`, each with an active certificate holding a few items."""
    connection = sqlite3.connect(database)
    columns = {row[1] for row in connection.execute("PRAGMA table_info(provider)")}
    present = connection.execute("SELECT count(*) FROM provider WHERE status = 'verified'").fetchone()[0]
    rng = random.Random(providers)
    now = dt.datetime.now(dt.UTC).isoformat()
    today = dt.date.today()
    rows = []
    for n in range(providers - present):
        name_en = "".join(rng.choice(SYLLABLES) for _ in range(3)).title() + f" Genomics {n}"
        rows.append((f"{name_en} 유전체", name_en, f"B{n:09d}", f"lab{n}@bench.example", now))
    name_key = ""
    if "name_key" in columns:
        sys.path.insert(0, str(root))
        from registry.kernel.text import search_keys as key

        rows = [(*r, key(r[0], r[1])) for r in rows]
        name_key = ", name_key"
    connection.executemany(
        "INSERT INTO provider (name_ko, name_en, business_number, contact_email, status, verified_at, created_at,"
        f" institution_report_number, representative, contact_phone, address, is_demo{name_key})"
        f" VALUES (?, ?, ?, ?, 'verified', ?, ?, '', '', '', '', 0{', ?' if name_key else ''})",
        [(r[0], r[1], r[2], r[3], r[4], r[4], *r[5:]) for r in rows],
    )
    ids = [r[0] for r in connection.execute("SELECT id FROM provider WHERE business_number LIKE 'B%'")]
    start, end = today - dt.timedelta(days=100), today + dt.timedelta(days=700)
    connection.executemany(
        "INSERT INTO certificate (number, provider, kind, valid_from, valid_until, source, created_at, version)"
        " VALUES (?, ?, 'certification', ?, ?, 'import', ?, 1)",
        [(f"BENCH-{i:07d}", i, start, end, now) for i in ids],
    )
    certificates = list(connection.execute("SELECT id FROM certificate WHERE number LIKE 'BENCH-%'"))
    connection.executemany(
        "INSERT INTO certificate_event (certificate, kind, effective_date, valid_until, reason, items, actor,"
        " created_at) VALUES (?, 'issued', ?, ?, '', '[]', 'bench', ?)",
        [(c, start, end, now) for (c,) in certificates],
    )
    connection.executemany(
        "INSERT INTO certificate_item (certificate, code, certified_from) VALUES (?, ?, ?)",
        [(c, code, start) for (c,) in certificates for code in rng.sample(ITEMS, 2)],
    )
    connection.commit()
    connection.close()


def timed(urls: list[str], requests: int) -> list[float]:
    """The median time of each URL, requested in turn (a, b, a, b, ...), so that load on the machine
    weighs on each alike."""
    for url in urls:
        for _ in range(3):
            urllib.request.urlopen(url).read()  # warm-up: caches, the catalogue
    took: list[list[float]] = [[] for _ in urls]
    for _ in range(requests):
        for i, url in enumerate(urls):
            start = time.perf_counter()
            urllib.request.urlopen(url).read()
            took[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in took]


@contextlib.contextmanager
def server(root: Path, providers: int) -> Iterator[str]:
    """A server on a fresh SQLite database (migrated, seeded, filled up to `providers`), on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work = Path(tempfile.mkdtemp(prefix="dtc-bench-listings-"))
    database = work / "registry.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DATABASE_URL": f"sqlite:///{database}",
        "REGISTRY_LOG_LEVEL": "WARNING",
        "REGISTRY_RATE_LIMIT_READS": "0",
    }
    cli = [sys.executable, "-m", "registry.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, cwd=root, check=True, capture_output=True)
    subprocess.run([*cli, "seed"], env=env, cwd=root, check=True, capture_output=True)
    fill(root, database, providers)
    process = subprocess.Popen(
        [sys.executable, str(root / "bench" / "http_server.py"), str(port)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if process.poll() is not None:
                raise SystemExit(f"the server stopped: {process.returncode}")
            try:
                urllib.request.urlopen(f"{base}/bench/trivial", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not answer within a minute")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    with server(args.root, 100) as small_base, server(args.root, 10_000) as large_base:
        small, large = {}, {}
        for label, path in QUERIES.items():
            small[label], large[label] = timed([small_base + path, large_base + path], args.requests)
    print(f"uvicorn, 1 worker, SQLite; median of {args.requests} sequential requests; first page (50 rows)")
    print(f"{'GET /api/v1/providers':<24}{'100 (ms)':>10}{'10,000 (ms)':>13}{'growth':>8}")
    for label in QUERIES:
        print(
            f"{label:<24}{small[label] * 1000:>10.1f}{large[label] * 1000:>13.1f}{large[label] / small[label]:>7.1f}x"
        )


if __name__ == "__main__":
    main()
