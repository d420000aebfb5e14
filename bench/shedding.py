"""The bound on requests in flight against a client that keeps many connections busy: one uvicorn worker
served as deploy/ serves it (SQLite demo data), wrk on loopback at 32 and 64 connections, for each bound.
Prints the share answered 503, the answers per second, p50/p99 of all answers, and the answers per
second as a ratio to the same worker without a bound, measured in the same run.

Usage:  .venv/bin/python bench/shedding.py [--bounds 8,64] [--seconds 4] [--path /api/v1/...]
Needs wrk on the PATH."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNBOUNDED = 65535

# wrk counts statuses per thread; `done` sums them and prints one line.
STATUS_SCRIPT = """
ok, busy, other = 0, 0, 0
response = function(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 503 then busy = busy + 1 else other = other + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local o, b, x = 0, 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("busy"); x = x + t:get("other") end
  io.write(string.format("RESULT %d %d %d %.6f %.1f %.1f\\n", o, b, x, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict[str, str], bound: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "registry.asgi:app", "--port", str(port), "--no-access-log"]
    command += ["--http", "registry.http.limits:HeaderTimeoutProtocol", "--log-level", "warning"]
    server = subprocess.Popen(command, env={**env, "REGISTRY_MAX_CONCURRENT_REQUESTS": str(bound)}, cwd=ROOT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def load(port: int, path: str, connections: int, seconds: int, script: str) -> dict[str, float]:
    url = f"http://127.0.0.1:{port}{path}"
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script, url],
        capture_output=True,
        text=True,
    ).stdout
    ok, busy, other, duration, p50, p99 = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)", out).groups()
    total = max(1, int(ok) + int(busy) + int(other))
    return {"ok_per_s": int(ok) / float(duration), "busy": int(busy) / total, "p50": float(p50), "p99": float(p99)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bounds", default="8,16,32,64")
    parser.add_argument("--connections", default="32,64")
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--path", default="/api/v1/certificates/DTC-2022-0001")
    args = parser.parse_args()
    bounds = [int(b) for b in args.bounds.split(",")] + [UNBOUNDED]
    connections = [int(c) for c in args.connections.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/registry.sqlite3", "PYTHONPATH": str(ROOT)}
        env |= {"REGISTRY_LOG_LEVEL": "WARNING", "REGISTRY_ACCESS_LOG_LEVEL": "OFF", "REGISTRY_RATE_LIMIT_READS": "0"}
        for step in (["db", "upgrade"], ["seed"]):
            subprocess.run([sys.executable, "-m", "registry.cli", *step], env=env, check=True, capture_output=True)
        script = Path(tmp) / "status.lua"
        script.write_text(STATUS_SCRIPT)
        results = {}
        for bound in bounds:
            for c in connections:
                # A server of its own per run: the requests of a run's last moment are still being served
                # after wrk closes their connections, and would count against the next run's bound.
                server, port = serve(env, bound)
                try:
                    load(port, args.path, 1, 1, str(script))  # warm-up, one connection
                    time.sleep(0.5)
                    results[bound, c] = load(port, args.path, c, args.seconds, str(script))
                finally:
                    server.terminate()
                    server.wait()
    print(f"{'bound':>7} {'conns':>5} {'503':>6} {'answers/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'÷ unbounded':>11}")
    for (bound, c), r in results.items():
        ratio = r["ok_per_s"] / max(results[UNBOUNDED, c]["ok_per_s"], 1e-9)
        label = "none" if bound == UNBOUNDED else str(bound)
        row = f"{label:>7} {c:>5} {r['busy']:>6.0%} {r['ok_per_s']:>9.0f} {r['p50']:>8.1f} {r['p99']:>8.1f}"
        print(f"{row} {ratio:>11.2f}")


if __name__ == "__main__":
    main()
