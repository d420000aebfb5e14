"""POST /api/v1/panels/check requests per second beside a trivial JSON endpoint of the same app and
server, measured with wrk in one run (uvicorn, one worker, SQLite seeded with the demo data); and the
server's CPU time per request of each (ratio: trivial's ÷ the endpoint's, so that higher is better as
for the rate), which other work on a shared machine distorts less than the rate.

Run: .venv/bin/python bench/single_check.py [--seconds 10] [--connections 32]   (needs Debian's wrk)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PANEL = {"items": [{"code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"]},
                   {"code": "HLT-BMI", "genes": ["FTO"]}, {"code": "SKN-KELOID", "genes": ["NEDD4"]}],
         "claims": "Know your tendencies."}  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """The server process's CPU time so far (user + system, all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, seconds: int, connections: int, script: Path | None = None, pid: int | None = None):
    """Requests per second, p99, and the server's CPU time per request (less sensitive than the rate to
    other work on the machine)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(pid) - before if pid else 0.0
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    count = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    return rate, p99, cpu / max(count, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package wrk)")
    work = Path(tempfile.mkdtemp(prefix="dtc-bench-"))
    # One client address makes every request: the shedding and rate limits would measure themselves.
    unlimited = {"REGISTRY_MAX_CONCURRENT_REQUESTS": "1000", "REGISTRY_ACCESS_LOG_LEVEL": "OFF"} | {
        f"REGISTRY_RATE_LIMIT_{kind}": str(10**9) for kind in ("READS", "WRITES", "SIGN_INS")
    }
    env = {
        **unlimited,
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'registry.sqlite3'}",
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    cli = [sys.executable, "-m", "registry.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "seed"], env=env, cwd=ROOT, check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "http_server.py"), str(args.port)], env=env, cwd=ROOT
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
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
        check = urllib.request.Request(
            f"{base}/api/v1/panels/check", method="POST", data=json.dumps(PANEL).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )  # fmt: skip
        answer = json.loads(urllib.request.urlopen(check).read())
        assert answer["verdict"] == "permitted", answer
        post = work / "check.lua"
        post.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(json.dumps(PANEL))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        )
        authed = work / "authed.lua"
        authed.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
        wrk(f"{base}/bench/trivial", 2, args.connections)  # warm-up
        wrk(f"{base}/api/v1/panels/check", 2, args.connections, post)
        pid = server.pid
        trivial, trivial_p99, trivial_cpu = wrk(f"{base}/bench/trivial", args.seconds, args.connections, pid=pid)
        trivial_auth, trivial_auth_p99, auth_cpu = wrk(
            f"{base}/bench/trivial", args.seconds, args.connections, authed, pid=pid
        )
        single, single_p99, single_cpu = wrk(f"{base}/api/v1/panels/check", args.seconds, args.connections, post, pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"uvicorn, 1 worker, SQLite; wrk -t1 -c{args.connections} -d{args.seconds}s on loopback (unpinned)")
    print(f"{'endpoint':<44}{'req/s':>10}{'p99':>10}{'ratio':>8}{'CPU/req':>10}{'ratio':>8}")
    for label, rate, p99, cpu in (
        ("GET /bench/trivial (anonymous)", trivial, trivial_p99, trivial_cpu),
        ("GET /bench/trivial (with the bearer token)", trivial_auth, trivial_auth_p99, auth_cpu),
        ("POST /api/v1/panels/check (3 items)", single, single_p99, single_cpu),
    ):
        print(f"{label:<44}{rate:>10,.0f}{p99:>10}{rate / trivial:>8.2f}{cpu * 1e6:>8.0f}µs{trivial_cpu / cpu:>8.2f}")
    print(
        f"check / authenticated trivial: {single / trivial_auth:.2f} (by CPU per request: {auth_cpu / single_cpu:.2f})"
    )


if __name__ == "__main__":
    main()
