"""Two registry processes on one PostgreSQL database, as two workers or hosts behind a proxy: what one
changes, the other answers at once, though both keep public answers and principals in memory.

Each process is `dtc-registry serve` (migrated, demo data seeded) on a loopback port of its own. Skipped,
saying why, without a reachable PostgreSQL, unless REGISTRY_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.accounts import urls as accounts_urls
from registry.certification import urls as certification_urls
from registry.kernel.clock import today_in_korea
from registry.providers import urls as provider_urls
from registry.settings import PROJECT_ROOT
from tests.conftest import PG_ADMIN_URL, REQUIRE_PG, _pg_admin

REGULATOR = {"email": "regulator@mohw.example", "password": "demo-regulator-2026"}
PROVIDER = {"email": "lab@hanbit.example", "password": "demo-hanbit-2026"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _admin(statement: str) -> None:
    admin = await _pg_admin()
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


def _start(url: str, home: Path, name: str) -> tuple[subprocess.Popen, str, Path]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REGISTRY_ENV": "development",
        "REGISTRY_RATE_LIMIT_READS": "0",
        "REGISTRY_RATE_LIMIT_SIGN_INS": "0",
        "REGISTRY_RATE_LIMIT_WRITES": "0",
        "REGISTRY_MAX_CONCURRENT_REQUESTS": "1000",
    }
    log_path = home / f"{name}.log"
    command = [sys.executable, "-m", "registry.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}", log_path


def _wait_healthy(process: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the registry did not start on {base}:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    try:
        asyncio.run(_admin("SELECT 1"))
    except Exception as exc:
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}: {exc}"
        if REQUIRE_PG:
            pytest.fail(message + " (REGISTRY_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    name = f"dtc_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    home = tmp_path_factory.mktemp("two-workers")
    started = []
    try:
        # One after the other: the first migrates and seeds, the second finds it done.
        for label in ("a", "b"):
            process, base, log_path = _start(url, home, label)
            started.append(process)
            _wait_healthy(process, base, log_path)
            started[-1].base = base  # type: ignore[attr-defined]
        with httpx.Client(base_url=started[0].base) as a, httpx.Client(base_url=started[1].base) as b:  # type: ignore[attr-defined]
            yield a, b
    finally:
        for process in started:
            _stop(process)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _bearer(client: httpx.Client, account: dict) -> dict[str, str]:
    r = client.post(accounts_urls.TOKEN, json=account)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _twice(client: httpx.Client, url: str, **kwargs) -> httpx.Response:
    first = client.get(url, **kwargs)
    second = client.get(url, **kwargs)
    assert first.status_code == second.status_code == 200, second.text
    return second


def test_a_suspension_through_one_worker_is_seen_through_the_other_at_once(two_workers):
    a, b = two_workers
    listing = f"{provider_urls.BASE}?q=Hanbit"
    hanbit = b.get(listing).json()["data"][0]
    number = hanbit["certificate_number"]
    assert hanbit["status"] == "active"
    certificate = certification_urls.certificate(number)
    cached = _twice(b, certificate)
    assert cached.headers["x-cache"] == "hit", "the second answer comes from B's cache"
    assert cached.json()["status"] == "active"
    for worker in (a, b):
        assert _twice(worker, listing).headers["x-cache"] == "hit"

    regulator = _bearer(a, REGULATOR)
    today = today_in_korea()
    r = a.post(
        certification_urls.suspend(number),
        json={
            "reason": "EQA failure",
            "ground": 2,
            "effective_date": today.isoformat(),
            "until": (today + dt.timedelta(days=90)).isoformat(),
        },
        headers={**regulator, "If-Match": a.get(certificate).headers["etag"]},
    )
    assert r.status_code == 200, r.text

    seen = b.get(certificate)
    assert seen.headers["x-cache"] == "miss"
    assert seen.json()["status"] == "suspended"
    for worker in (a, b):
        row = worker.get(listing).json()["data"][0]
        assert (row["certificate_number"], row["status"]) == (number, "suspended")


def test_sign_out_and_disabling_through_one_worker_refuse_the_token_on_the_other(two_workers):
    a, b = two_workers
    provider = _bearer(a, PROVIDER)
    assert _twice(b, accounts_urls.ME, headers=provider).json()["email"] == PROVIDER["email"]
    assert a.post(accounts_urls.LOGOUT, headers=provider).status_code == 204
    assert b.get(accounts_urls.ME, headers=provider).status_code == 401

    provider = _bearer(a, PROVIDER)
    user_id = _twice(b, accounts_urls.ME, headers=provider).json()["user_id"]
    regulator = _bearer(a, REGULATOR)
    r = a.post(accounts_urls.disable(user_id), json={"reason": "left the company"}, headers=regulator)
    assert r.status_code == 200, r.text
    assert b.get(accounts_urls.ME, headers=provider).status_code == 401
