"""What the HTTP benchmarks share: a fresh registry database (SQLite file or PostgreSQL database), the
registry served by uvicorn as deploy/ serves it (plus `GET /api/bench/trivial`, bench/app.py), and wrk with
its output parsed. Pure parts (parsing, formatting) are tested in tests/test_bench.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"
PROVIDER_ACCOUNT = ("lab@hanbit.example", "demo-hanbit-2026")  # seeds/demo/accounts.toml

# One client address (loopback) must not be throttled, but the limiter still runs and counts every request.
UNTHROTTLED = 1_000_000_000


def bench_environment(database_url: str, connections: int, rate_limits: bool = True) -> dict[str, str]:
    """The settings every benchmark server runs with; without `rate_limits` the limiter is off (0)."""
    limit = str(UNTHROTTLED if rate_limits else 0)
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REGISTRY_LOG_LEVEL": "WARNING",
        "REGISTRY_ACCESS_LOG_LEVEL": "OFF",
        "REGISTRY_RATE_LIMIT_READS": limit,
        "REGISTRY_RATE_LIMIT_WRITES": limit,
        "REGISTRY_RATE_LIMIT_SIGN_INS": limit,
        "REGISTRY_MAX_CONCURRENT_REQUESTS": str(connections),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }


# --- wrk ---------------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def duration_ms(text: str) -> float:
    """wrk's durations (`812.00us`, `1.23ms`, `2.01s`, `1.50m`) in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class Measure:
    """One wrk run: requests per second, latency percentiles (ms), and failures."""

    rate: float
    p50: float
    p99: float
    requests: int
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    # The server's processes' CPU time per answered request (ms): less distorted than the rate by other
    # work on the machine. The database server's own work (PostgreSQL) is not in it.
    cpu_ms: float = float("nan")

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + self.socket_errors


def parse_wrk(out: str) -> Measure:
    """The figures of `wrk --latency` output; errors are counted, never raised."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise ValueError(f"no Requests/sec in wrk output:\n{out}")
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Measure(
        rate=float(rate.group(1)),
        p50=duration_ms(p50.group(1)) if p50 else float("nan"),
        p99=duration_ms(p99.group(1)) if p99 else float("nan"),
        requests=int(total.group(1)) if total else 0,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def median_measure(measures: list[Measure]) -> Measure:
    """The median of several rounds, figure by figure."""
    if len(measures) == 1:
        return measures[0]
    return Measure(
        rate=statistics.median(m.rate for m in measures),
        p50=statistics.median(m.p50 for m in measures),
        p99=statistics.median(m.p99 for m in measures),
        requests=int(statistics.median(m.requests for m in measures)),
        non_2xx_3xx=sum(m.non_2xx_3xx for m in measures),
        socket_errors=sum(m.socket_errors for m in measures),
        cpu_ms=statistics.median(m.cpu_ms for m in measures),
    )


def lua_script(directory: Path, name: str, *, method: str = "GET", body: str | None = None, token: str | None = None):
    """A wrk script setting the method, a JSON body and the bearer token (None: no script needed)."""
    if method == "GET" and body is None and token is None:
        return None
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines += [f"wrk.body = {json.dumps(body)}", 'wrk.headers["Content-Type"] = "application/json"']
    if token is not None:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(url: str, seconds: float, connections: int, script: Path | None = None) -> Measure:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    server = next((pid for base, pid in _SERVERS.items() if url.startswith(base + "/")), None)
    before = server_cpu_seconds(server) if server else 0.0
    done = subprocess.run([*command, url], capture_output=True, text=True, errors="replace", check=False)
    measure = parse_wrk(done.stdout)
    if server and measure.requests:
        measure.cpu_ms = (server_cpu_seconds(server) - before) * 1000 / measure.requests
    return measure


def _cpu_and_parent(pid: int) -> tuple[float, int]:
    """A process's CPU time so far (user + system, in seconds) and its parent, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


def served_cpu_seconds(base: str) -> float:
    """CPU time so far of the server `serve` started at `base`."""
    return server_cpu_seconds(_SERVERS[base])


def server_cpu_seconds(pid: int) -> float:
    """CPU time so far of a server process and its children (uvicorn's workers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cpu, parent = _cpu_and_parent(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if int(entry.name) == pid or parent == pid:
            total += cpu
    return total


# --- formatting --------------------------------------------------------------------------------------


def ms(value: float) -> str:
    if value != value:  # NaN: wrk printed no percentile
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def markdown_table(heads: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right if right is not None else set(range(1, len(heads)))
    align = ["---:" if i in right else "---" for i in range(len(heads))]
    lines = ["| " + " | ".join(heads) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def as_json(value) -> object:
    return asdict(value) | {"errors": value.errors} if isinstance(value, Measure) else value


# --- a fresh database --------------------------------------------------------------------------------


def cli(env: dict[str, str], *args: str) -> None:
    """`dtc-registry ARGS`, as a separate process, failing loudly."""
    done = subprocess.run(
        [sys.executable, "-m", "registry.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"dtc-registry {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


async def _postgres(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def fresh_database(engine: str, seed: bool = True) -> Iterator[str]:
    """A new empty registry database, migrated and (by default) seeded with the demo data; removed after."""
    work = Path(tempfile.mkdtemp(prefix="dtc-bench-"))
    name = f"dtc_bench_{secrets.token_hex(4)}"
    if engine == "sqlite":
        url = f"sqlite:///{work / 'registry.sqlite3'}"
    elif engine == "postgres":
        url = f"{POSTGRES}/{name}"
        asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))
    else:
        raise ValueError(f"engine is sqlite or postgres, not {engine!r}")
    try:
        env = bench_environment(url, 8)
        cli(env, "db", "upgrade")
        if seed:
            cli(env, "seed")
        yield url
    finally:
        if engine == "postgres":
            asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(work, ignore_errors=True)


# --- the server --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SERVERS: dict[str, int] = {}  # base URL -> the uvicorn process serving it, for CPU time per request


@contextlib.contextmanager
def serve(database_url: str, workers: int, connections: int, rate_limits: bool = True) -> Iterator[str]:
    """uvicorn as deploy/run-postgres.sh runs it, on bench/app.py; yields the base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(ROOT / "bench"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--no-server-header", "--date-header", "--log-level", "warning",
        "--http", "registry.http.limits:HeaderTimeoutProtocol",
    ]  # fmt: skip
    env = bench_environment(database_url, connections, rate_limits)
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    _SERVERS[base] = server.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/bench/trivial", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start (exit {server.poll()})") from None
                time.sleep(0.2)
        if workers > 1:
            time.sleep(1.5)  # every worker up, not only the first to answer
        yield base
    finally:
        _SERVERS.pop(base, None)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def settle(base: str, quiet_ms: float = 50.0, limit: float = 60.0) -> None:
    """Wait until the server has finished the work a load left queued (requests whose clients are gone
    still run): until a trivial request answers within `quiet_ms` twice in a row, or `limit` seconds."""
    deadline, calm = time.monotonic() + limit, 0
    while calm < 2 and time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            urllib.request.urlopen(f"{base}/api/bench/trivial", timeout=limit).read()
        except OSError:
            time.sleep(0.1)
        calm = calm + 1 if (time.perf_counter() - started) * 1000 < quiet_ms else 0


def call(url: str, *, method: str = "GET", body: object = None, token: str | None = None) -> tuple[int, bytes]:
    """One request; returns the status and body (an error status is returned, not raised)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sign_in(base: str, email: str, password: str) -> str:
    status, body = call(f"{base}/api/v1/auth/token", method="POST", body={"email": email, "password": password})
    if status != 200:
        raise SystemExit(f"sign-in as {email} answered {status}: {body[:300]!r}")
    return json.loads(body)["access_token"]
