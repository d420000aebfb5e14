"""Public reads and the signed-in trivial endpoint beside the anonymous trivial endpoint of the same app and
server, measured with wrk in one run (uvicorn, one worker, SQLite seeded with the demo data). Targets
(issue 12): every public read and the signed-in trivial endpoint at least 0.6x the trivial endpoint.

With `--against DIR` (a checkout of another revision, e.g. `git archive <rev> | tar -x -C DIR`) the same
measurements are taken on that revision's server too, in the same run, one server after the other.
The per-client rate limits are off (one wrk client would reach them in a second) and the bound on
requests in flight is raised above wrk's connections; everything else is the default configuration.

Run: .venv/bin/python bench/public_reads.py [--seconds 5] [--connections 32] [--against DIR]   (needs wrk)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from single_check import wrk

ROOT = Path(__file__).resolve().parent.parent


def measure(root: Path, port: int, seconds: int, connections: int) -> list[tuple[str, float, str, float]]:
    work = Path(tempfile.mkdtemp(prefix="dtc-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'registry.sqlite3'}",
        "REGISTRY_LOG_LEVEL": "WARNING",
        "REGISTRY_RATE_LIMIT_READS": "0",
        "REGISTRY_RATE_LIMIT_WRITES": "0",
        "REGISTRY_RATE_LIMIT_SIGN_INS": "0",
        "REGISTRY_MAX_CONCURRENT_REQUESTS": "1000",
        "PYTHONPATH": str(root),
    }
    cli = [sys.executable, "-m", "registry.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, cwd=root, check=True, capture_output=True)
    subprocess.run([*cli, "seed"], env=env, cwd=root, check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, str(root / "bench" / "http_server.py"), str(port)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the access lines are written (as in production), not shown
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/bench/trivial", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{base}/api/v1/auth/token", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"email": "lab@hanbit.example", "password": "demo-hanbit-2026"}).encode(),
        )  # fmt: skip
        token = json.loads(urllib.request.urlopen(request).read())["access_token"]
        hanbit = json.loads(urllib.request.urlopen(f"{base}/api/v1/providers?q=Hanbit").read())["data"][0]
        number = hanbit["certificate_number"]
        authed = work / "authed.lua"
        authed.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
        targets = [
            ("GET /bench/trivial (anonymous)", "/bench/trivial", None),
            ("GET /bench/trivial (bearer token)", "/bench/trivial", authed),
            ("GET /api/v1/catalog/current", "/api/v1/catalog/current", None),
            ("GET /api/v1/certificates/{number}", f"/api/v1/certificates/{number}", None),
            ("GET /api/v1/certificates/{number}?as_of", f"/api/v1/certificates/{number}?as_of=2026-06-01", None),
            ("GET /api/v1/providers?q=Hanbit", "/api/v1/providers?q=Hanbit", None),
        ]
        wrk(f"{base}/bench/trivial", 2, connections)  # warm-up
        results = []
        # Each endpoint right after its own trivial measurement: on a shared machine the load drifts,
        # and the ratio of neighbours drifts least.
        for label, path, script in targets:
            wrk(f"{base}{path}", 1, connections, script)  # warm-up (fills the caches)
            trivial, _ = wrk(f"{base}/bench/trivial", seconds, connections)
            rate, p99 = wrk(f"{base}{path}", seconds, connections, script)
            results.append((label, rate, p99, rate / trivial))
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--against", type=Path, help="another revision's checkout, measured in the same run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package wrk)")
    runs = [("this revision", ROOT)] + ([("--against", args.against.resolve())] if args.against else [])
    measured = {
        name: measure(root, args.port + i, args.seconds, args.connections) for i, (name, root) in enumerate(runs)
    }
    print(f"uvicorn, 1 worker, SQLite; wrk -t1 -c{args.connections} -d{args.seconds}s on loopback (unpinned)")
    print("ratio: to the anonymous trivial endpoint measured just before, on the same server")
    for name, results in measured.items():
        print(f"\n{name}\n{'endpoint':<44}{'req/s':>10}{'p99':>10}{'ratio':>8}")
        for label, rate, p99, ratio in results:
            print(f"{label:<44}{rate:>10,.0f}{p99:>10}{ratio:>8.2f}")
    if args.against:
        print("\nthis revision's ratio / --against's ratio")
        for new, old in zip(measured["this revision"], measured["--against"], strict=True):
            print(f"{new[0]:<44}{new[3] / old[3]:>8.2f}x")


if __name__ == "__main__":
    main()
