"""Faults and load against the registry served the way deploy/ serves it (uvicorn on a free port, the
demo data seeded), on SQLite and on PostgreSQL:

1. overload: the sustainable rate of provider search is measured, then 256 connections offer about five
   times that for 20 s; accepted req/s, p50/p99 of accepted requests against an unloaded p99 measured in
   the same run, counts of 429/503/timeouts/5xx, and the time until p99 is back under twice the unloaded;
2. slowloris: 1,500 connections that send their headers a byte at a time; are they closed, does the
   server still answer meanwhile;
3. SQLite only: 500 concurrent reads; statuses and the server's open file descriptors.

Usage:  .venv/bin/python bench/faults.py [--short] [--engine sqlite|postgres|both] [--no-shedding]
        (--no-shedding: no limits and uvicorn's own protocol, the way the registry ran before;
         PostgreSQL at REGISTRY_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test)
Needs nothing beyond the registry's test dependencies."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/providers?q=Hanbit"
PG_ADMIN_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
TIMEOUT = 5.0  # a client gives up on a request after this long
SERVER_FDS = 1024  # the server's descriptor limit, as on a default Linux account


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "registry.cli", *args], env=env, check=True, capture_output=True)


def limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_FDS, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


class Server:
    """`dtc-registry db upgrade` and `seed`, then uvicorn on `registry.asgi:app`, as deploy/ does."""

    def __init__(self, url: str, shedding: bool):
        self.port = free_port()
        self.env = {**os.environ, "DATABASE_URL": url, "REGISTRY_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        # the load comes from one machine: X-Forwarded-For spreads it over many clients (see `Load`)
        self.env["REGISTRY_TRUSTED_PROXIES"] = "127.0.0.1"
        if not shedding:
            self.env |= {"REGISTRY_MAX_CONCURRENT_REQUESTS": "65535", "REGISTRY_RATE_LIMIT_READS": "0"}
        self.shedding = shedding

    def __enter__(self) -> Server:
        cli("db", "upgrade", env=self.env)
        cli("seed", env=self.env)
        command = [sys.executable, "-m", "uvicorn", "registry.asgi:app", "--port", str(self.port)]
        command += ["--no-access-log", "--log-level", "warning", "--no-proxy-headers"]
        if self.shedding:
            command += ["--http", "registry.http.limits:HeaderTimeoutProtocol"]
        self.process = subprocess.Popen(command, env=self.env, preexec_fn=limit_descriptors, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(30)

    def descriptors(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # of accepted (2xx) requests
    statuses: dict[int, int] = field(default_factory=dict)
    timeouts: int = 0
    errors: int = 0

    def add(self, status: int, latency: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            self.latencies.append(latency)

    @property
    def accepted(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status <= high)


class Connection:
    """One keep-alive HTTP/1.1 connection, raw: the client must cost the server's two cores little."""

    def __init__(self, port: int, client: str):
        self.port, self.client = port, client
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nX-Forwarded-For: {self.client}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
            if line.lower() == b"connection: close":
                self.close()
        if length and self.reader is not None:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def request(connection: Connection, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        status = await asyncio.wait_for(connection.get(PATH), TIMEOUT)
    except TimeoutError:
        tally.timeouts += 1
        connection.close()
        return
    except (OSError, asyncio.IncompleteReadError, ValueError):
        tally.errors += 1
        connection.close()
        return
    tally.add(status, time.perf_counter() - started)


async def closed_loop(port: int, concurrency: int, seconds: float, network: int = 1) -> tuple[Tally, float]:
    """`concurrency` connections asking back to back. Each request comes from a client address of its own
    (10.`network`.x.y): capacity is measured, not the per-client rate limit, which a cached answer served
    thousands of times a second reaches within the first second."""
    tally, end = Tally(), time.monotonic() + seconds
    sent = 0

    async def worker(n: int) -> None:
        nonlocal sent
        connection = Connection(port, "")
        while time.monotonic() < end:
            sent += 1
            connection.client = f"10.{network}.{sent // 250 % 250}.{sent % 250 + 1}"
            await request(connection, tally)
        connection.close()

    started = time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return tally, time.monotonic() - started


async def paced(port: int, connections: int, rate: float, seconds: float) -> tuple[Tally, float]:
    """`connections` connections offering `rate` requests/s together, each from a client of its own."""
    tally, interval = Tally(), connections / rate
    start = time.monotonic()
    end = start + seconds

    async def worker(n: int) -> None:
        connection = Connection(port, f"10.2.{n // 250}.{n % 250 + 1}")
        due = start + random.random() * interval
        while due < end:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await request(connection, tally)
            due = max(due + interval, time.monotonic() - interval)  # behind: no burst to catch up
        connection.close()

    await asyncio.gather(*(worker(n) for n in range(connections)))
    return tally, time.monotonic() - start


async def recovery(port: int, threshold: float, limit: float = 30.0) -> float | None:
    """Seconds after the load stopped until 20 sequential requests all take under `threshold`."""
    start = time.monotonic()
    connection = Connection(port, "10.3.0.1")
    while time.monotonic() - start < limit:
        tally = Tally()
        for _ in range(20):
            await request(connection, tally)
        if tally.accepted == 20 and max(tally.latencies) < threshold:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    return None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def overload(server: Server, short: bool, connections: int) -> dict:
    port = server.port
    await closed_loop(port, 4, 1, network=4)  # warm up
    unloaded, _ = await closed_loop(port, 1, 2 if short else 5, network=5)
    measured, took = await closed_loop(port, 4, 2 if short else 5, network=6)
    sustainable = measured.accepted / took
    if not sustainable:
        return {"sustainable (c=4)": f"no request accepted: {measured.statuses}, {measured.errors} errors"}
    base_p99 = unloaded.percentile(0.99)
    seconds = 8 if short else 20
    load = asyncio.create_task(paced(port, connections, 5 * sustainable, seconds))
    await asyncio.sleep(seconds)  # the load stops offering now; what it has in flight is still served
    back = await recovery(port, 2 * base_p99)
    loaded, took = await load
    return {
        "unloaded p50 / p99": f"{ms(unloaded.percentile(0.5))} / {ms(base_p99)}",
        "sustainable (c=4)": f"{sustainable:.0f} req/s",
        "offered": f"{5 * sustainable:.0f} req/s for {seconds} s on {connections} connections",
        "accepted": f"{loaded.accepted / took:.0f} req/s",
        "accepted p50 / p99": f"{ms(loaded.percentile(0.5))} / {ms(loaded.percentile(0.99))}"
        f" ({loaded.percentile(0.99) / base_p99:.1f}x unloaded p99)",
        "429 / 503 / other 5xx": f"{loaded.count(429, 429)} / {loaded.count(503, 503)} / "
        f"{loaded.count(500, 599) - loaded.count(503, 503)}",
        "timeouts (5 s) / connection errors": f"{loaded.timeouts} / {loaded.errors}",
        "back under 2x unloaded p99": "not within 30 s" if back is None else f"{back:.1f} s after the load",
    }


async def one_client(server: Server, seconds: float) -> dict:
    """One client address on 4 connections, as fast as it can: its rate limit (reads) applies."""
    tally, end = Tally(), time.monotonic() + seconds

    async def worker() -> None:
        connection = Connection(server.port, "10.6.0.1")
        while time.monotonic() < end:
            await request(connection, tally)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(4)))
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items()))
    return {f"one client, 4 connections, {seconds:.0f} s": statuses}


def is_open(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """Neither closed by the server (EOF) nor reset (a write after the server closed it)."""
    return not reader.at_eof() and not writer.transport.is_closing()


async def slowloris(server: Server, count: int, hold: float) -> dict:
    """`count` connections sending a header byte every 2 s; meanwhile a normal client asks /healthz."""
    sockets: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    refused = 0
    for _ in range(count):
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", server.port), 2)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: slow\r\n")
            sockets.append((reader, writer))
        except (OSError, TimeoutError):
            refused += 1
    opened = time.monotonic()
    answered, asked, latencies = 0, 0, []
    while time.monotonic() - opened < hold:
        asked += 1
        for _, writer in sockets:
            if not writer.is_closing():
                writer.write(b"X")
        started = time.perf_counter()
        connection = Connection(server.port, "10.4.0.1")
        try:
            status = await asyncio.wait_for(connection.get("/healthz"), TIMEOUT)
            answered += status == 200
            latencies.append(time.perf_counter() - started)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            pass
        connection.close()
        await asyncio.sleep(2)
    await asyncio.sleep(0.5)
    still_open = sum(1 for pair in sockets if is_open(*pair))
    # a server out of descriptors accepts the rest only as it closes the first: wait for the last
    for _ in range(90):
        if time.monotonic() - opened > 90 or not any(is_open(*pair) for pair in sockets):
            break
        await asyncio.sleep(1)
    last = sum(1 for pair in sockets if is_open(*pair))
    all_closed = f"{time.monotonic() - opened:.0f} s" if last == 0 else f"no ({last} open after 90 s)"
    for _, writer in sockets:
        writer.close()
    return {
        "slow connections opened / refused": f"{len(sockets)} / {refused}",
        f"still open after {hold:.0f} s": str(still_open),
        "all closed by the server after": all_closed,
        "health checks answered meanwhile": f"{answered} of {asked}"
        + (f", slowest {ms(max(latencies))}" if latencies else ""),
    }


async def concurrent_reads(server: Server, count: int = 500) -> dict:
    before = server.descriptors()
    tally = Tally()
    connections = [Connection(server.port, f"10.5.{n // 250}.{n % 250 + 1}") for n in range(count)]
    peak = 0

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, server.descriptors())
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    await asyncio.gather(*(request(c, tally) for c in connections))
    watcher.cancel()
    for c in connections:
        c.close()
    await asyncio.sleep(1)
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items()))
    return {
        "statuses": statuses + (f", timeouts: {tally.timeouts}" if tally.timeouts else ""),
        "server descriptors before / peak / after": f"{before} / {peak} / {server.descriptors()}",
    }


def database_url(engine: str, workdir: Path) -> tuple[str, str | None]:
    if engine == "sqlite":
        return f"sqlite:///{workdir / 'registry.sqlite3'}", None
    name = f"dtc_bench_{uuid.uuid4().hex[:8]}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}", name


def drop_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    asyncio.run(drop())


def report(title: str, figures: dict) -> None:
    print(f"\n{title}")
    for key, value in figures.items():
        print(f"  {key:<40} {value}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="a shorter run (under a minute per engine)")
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--connections", type=int, default=256, help="connections of the overload (256)")
    parser.add_argument(
        "--only", default="overload,rate,reads,slowloris", help="scenarios, comma-separated (default: all)"
    )
    parser.add_argument("--no-shedding", action="store_true", help="no limits, uvicorn's own protocol")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this client holds the slow connections
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    mode = "without shedding" if args.no_shedding else "with shedding"
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            url, pg_name = database_url(engine, Path(tmp))
            if pg_name:
                cli("db", "create", env={**os.environ, "DATABASE_URL": url})
            try:
                with Server(url, shedding=not args.no_shedding) as server:
                    if "overload" in args.only:
                        load = overload(server, args.short, args.connections)
                        report(f"{engine}, {mode}: overload", asyncio.run(load))
                    if "rate" in args.only:
                        report(f"{engine}, {mode}: rate limit", asyncio.run(one_client(server, 5)))
                    if "reads" in args.only and engine == "sqlite":
                        report(f"{engine}, {mode}: 500 concurrent reads", asyncio.run(concurrent_reads(server)))
                    if "slowloris" in args.only:
                        count, hold = (1500, 26) if not args.short else (600, 12)
                        report(f"{engine}, {mode}: slowloris", asyncio.run(slowloris(server, count, hold)))
            finally:
                if pg_name:
                    drop_database(pg_name)


if __name__ == "__main__":
    main()
