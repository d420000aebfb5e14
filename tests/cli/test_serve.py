"""`dtc-registry serve` on an empty database: creates it, migrates, seeds and answers over real HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from registry.catalog import urls as catalog_urls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_serve_from_nothing(tmp_path: Path):
    port = free_port()
    db = tmp_path / "var" / "registry.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "REGISTRY_PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, health = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not answer /healthz within 60 s"
                time.sleep(0.1)
        assert status == 200 and health["status"] == "ok"
        assert db.exists()
        _, versions = get(f"http://127.0.0.1:{port}{catalog_urls.VERSIONS}")
        assert versions["total"] == 10
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert "server" not in response.headers  # no banner naming the server software
            assert response.headers["date"] and response.headers["x-content-type-options"] == "nosniff"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/schema" in output
    assert "imported 10 edition(s)" in output
