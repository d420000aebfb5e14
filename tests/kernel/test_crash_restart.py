"""A registry killed (SIGKILL) after committing a change and before re-checking the panels it touches:
after the restart the verdicts are right. Real processes, real HTTP, on SQLite and PostgreSQL."""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from registry.kernel.clock import today_in_korea
from tests.conftest import Database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, body=None, headers=None) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"{}"), dict(response.headers)


def serve(database: Database, port: int, **env: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve"],
        env={**os.environ, "DATABASE_URL": database.url, "REGISTRY_PORT": str(port), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            call(f"http://127.0.0.1:{port}", "GET", "/healthz")
            return server
        except OSError:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "no answer on /healthz within 60 s"
            time.sleep(0.1)


def token(base: str, email: str, password: str) -> dict[str, str]:
    _, body, _ = call(base, "POST", "/api/v1/auth/token", {"email": email, "password": password})
    return {"authorization": f"Bearer {body['access_token']}"}


def test_a_kill_between_commit_and_recheck_is_mended_on_restart(fresh_database: Database):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The first process records events but never hands them over: it is killed before it would have.
    server = serve(fresh_database, port, REGISTRY_DISPATCH_EVENTS="0")
    try:
        lab = token(base, "lab@hanbit.example", "demo-hanbit-2026")
        regulator = token(base, "regulator@mohw.example", "demo-regulator-2026")
        items = [{"code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"]}]
        _, panel, _ = call(base, "POST", "/api/v1/panels", {"name": "Vitamin D", "items": items}, lab)
        assert panel["latest_check"]["verdict"] == "permitted"
        _, certificate, _ = call(base, "GET", "/api/v1/certificates/DTC-2022-0001")
        change = {
            "reason": "EQA failure",
            "ground": 2,
            "effective_date": today_in_korea().isoformat(),
            "until": (today_in_korea() + dt.timedelta(days=90)).isoformat(),
        }
        status, _, _ = call(
            base,
            "POST",
            "/api/v1/certificates/DTC-2022-0001/suspend",
            change,
            {**regulator, "If-Match": certificate["etag"]},
        )
        assert status == 200
        _, stale, _ = call(base, "GET", f"/api/v1/panels/{panel['id']}", headers=lab)
        assert stale["latest_check"]["verdict"] == "permitted"  # committed, not yet re-checked
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=20)
    server = serve(fresh_database, port)
    try:
        _, after, _ = call(base, "GET", f"/api/v1/panels/{panel['id']}", headers=lab)
        assert after["latest_check"]["verdict"] == "not_permitted"
        assert [f["code"] for f in after["latest_check"]["findings"]] == ["CERTIFICATE_SUSPENDED"]
    finally:
        server.terminate()
        server.wait(timeout=20)
