"""The pages in a real browser: Debian's Chromium driven by Playwright, against the registry served by its
own `dtc-registry serve` (migrated, demo data seeded) on a loopback port, with a fresh SQLite database.

Without /usr/bin/chromium or the playwright package these tests are skipped and say why; with
REGISTRY_REQUIRE_BROWSER=1 (as CI sets it, `.ci/run`) they fail instead. The sync Playwright API runs in
plain `def` tests and fixtures: it refuses to run inside a running asyncio loop, and these never are.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from registry.settings import PROJECT_ROOT
from tests.web.browser.crawl import Report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REGISTRY_REQUIRE_BROWSER") == "1"
ARTEFACTS = PROJECT_ROOT / "artifacts" / "screenshots"
# The demo accounts `serve` seeds (README, "Demo accounts").
PROVIDER = ("lab@hanbit.example", "demo-hanbit-2026")
REGULATOR = ("regulator@mohw.example", "demo-regulator-2026")
REVIEWER = ("reviewer@konibp.example", "demo-reviewer-2026")
# A page that takes longer than this to answer on loopback is a failure, not something to wait for.
TIMEOUT_MS = 15_000


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install -e '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The registry as it is deployed: its own command in a process of its own; the base URL."""
    missing = _missing()
    if missing:
        if REQUIRE_BROWSER:
            pytest.fail(missing + " (REGISTRY_REQUIRE_BROWSER=1)")
        pytest.skip(missing)
    home = tmp_path_factory.mktemp("browser")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{home / 'registry.sqlite3'}",
        "REGISTRY_ENV": "development",
        # One browser makes every request from one address, sign-ins included: no limit to reach (0: none).
        "REGISTRY_RATE_LIMIT_READS": "0",
        "REGISTRY_RATE_LIMIT_SIGN_INS": "0",
        "REGISTRY_RATE_LIMIT_WRITES": "0",
        "REGISTRY_MAX_CONCURRENT_REQUESTS": "1000",
    }
    log_path = home / "serve.log"
    command = [sys.executable, "-m", "registry.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the registry did not start on {base}:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="package")
def browser(live_server: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Any]:
    """`new_page(locale="ko-KR")`: a page in a context of its own (cookies, language), closed after the test."""
    contexts = []

    def make(locale: str = "ko-KR") -> Page:
        context = browser.new_context(base_url=live_server, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="package")
def report() -> Iterator[Report]:
    """Screenshots and report.json under artifacts/screenshots/, emptied first so that no stale page stays."""
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    collected = Report(ARTEFACTS)
    yield collected
    collected.write()


def sign_in(page: Page, email: str, password: str) -> None:
    """Through the page form, as a person signs in."""
    page.goto("/portal/sign-in")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    refused = page.locator("[role=alert]")
    assert refused.count() == 0, f"{email} could not sign in: {refused.inner_text()}"
