"""Re-checking every registered panel after a new edition: the time per 1,000,000 panel items, and how long
the event loop stood still meanwhile (a ticker task wakes every 10 ms and measures its own lateness).

The registry is bench/large.py's (built once per database file and reused): 10,000 providers and
registered panels totalling 1,000,000 items. A new edition changes every panel's stored check (its
edition), and some of their verdicts: to stand for that, every stored check is made stale before the
re-check and a share of the verdicts flipped, so the re-check writes every panel and records an audit
event per flipped verdict, as after a real edition.

Run: .venv/bin/python bench/recheck.py [DATABASE_URL] [--panel-items 1000000] [--flipped 0.05]
         [--rounds 1] [--profile FILE]
     (default: a SQLite file under the system's temporary directory, built if missing; a PostgreSQL
     URL is built when empty)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, bench_environment, cli
from large import build

sys.path.insert(0, str(ROOT))

TICK = 0.010  # seconds between the ticker's wake-ups


async def _stale(flipped: float) -> int:
    """Every stored check made stale (as a new edition makes them), and every n-th verdict flipped."""
    from registry.panels.tables import Panel

    every = max(1, round(1 / flipped)) if flipped > 0 else 0
    await Panel.raw("UPDATE panel SET last_check = ''")
    if every:
        await Panel.raw(
            "UPDATE panel SET verdict = CASE verdict WHEN 'permitted' THEN 'not_permitted' ELSE 'permitted' END "
            f"WHERE id % {every} = 0"
        )
        rows = await Panel.raw(f"SELECT COUNT(*) AS n FROM panel WHERE id % {every} = 0")
        return rows[0]["n"]
    return 0


async def _recheck(reason: str, profile: cProfile.Profile | None) -> dict:
    from registry.audit.tables import AuditEvent
    from registry.panels.rules import current_rules
    from registry.panels.service import recheck_panels
    from registry.panels.tables import Panel

    items = await Panel.raw("SELECT COUNT(*) AS n FROM panel")
    await current_rules()  # built before: the re-check after an edition finds them built by the listener
    events_before = await AuditEvent.count()
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not done.is_set():
            due = loop.time() + TICK
            await asyncio.sleep(TICK)
            stalls.append(loop.time() - due)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(TICK * 2)
    if profile is not None:
        profile.enable()
    started = time.perf_counter()
    checked = await recheck_panels(reason=reason)
    seconds = time.perf_counter() - started
    if profile is not None:
        profile.disable()
    done.set()
    await ticking
    stalls.sort()
    return {
        "panels": items[0]["n"],
        "checked": checked,
        "seconds": seconds,
        "audit_events": await AuditEvent.count() - events_before,
        "worst_stall_ms": stalls[-1] * 1000,
        "p99_stall_ms": stalls[int(len(stalls) * 0.99)] * 1000,
        "ticks": len(stalls),
    }


async def _items(sqlite: bool) -> int:
    from registry.panels.tables import Panel

    items = "items" if sqlite else "CAST(items AS json)"
    rows = await Panel.raw(f"SELECT SUM(json_array_length({items})) AS n FROM panel")
    return int(rows[0]["n"])


def run(url: str, flipped: float, profile: cProfile.Profile | None) -> dict:
    from registry.cli.common import run_with_database
    from registry.settings import Settings

    settings = Settings.from_env({**bench_environment(url, 8), "REGISTRY_DISPATCH_EVENTS": "0"})

    async def work() -> dict:
        flips = await _stale(flipped)
        items = await _items(url.startswith("sqlite:"))
        figures = await _recheck("bench: new edition", profile)
        return {**figures, "panel_items": items, "verdicts_flipped": flips}

    return run_with_database(settings, work)


def ensure_registry(url: str, panel_items: int) -> None:
    """Build bench/large.py's registry unless the database already holds its panels."""
    if url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            with sqlite3.connect(path) as db:
                if db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'panel'").fetchone()[0]:
                    if db.execute("SELECT COUNT(*) FROM panel").fetchone()[0]:
                        return
        providers = max(1, panel_items // 100)
        print(json.dumps(build(url, providers, panel_items)), file=sys.stderr)
        return
    cli(bench_environment(url, 8), "db", "create")
    import asyncpg

    async def count() -> int:
        db = await asyncpg.connect(url)
        try:
            return await db.fetchval("SELECT COUNT(*) FROM panel")
        except asyncpg.UndefinedTableError:
            return 0
        finally:
            await db.close()

    if not asyncio.run(count()):
        print(json.dumps(build(url, max(1, panel_items // 100), panel_items)), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = f"sqlite:///{Path(tempfile.gettempdir()) / 'registry-bench-recheck.db'}"
    parser.add_argument("database_url", nargs="?", default=default)
    parser.add_argument("--panel-items", type=int, default=1_000_000)
    parser.add_argument("--flipped", type=float, default=0.05, help="share of verdicts made stale")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", help="write the re-check's cProfile statistics to this file")
    args = parser.parse_args()
    ensure_registry(args.database_url, args.panel_items)
    for n in range(args.rounds):
        profile = cProfile.Profile() if args.profile else None
        figures = run(args.database_url, args.flipped, profile)
        per_million = figures["seconds"] * 1_000_000 / figures["panel_items"]
        print(
            json.dumps(
                {
                    "round": n + 1,
                    **{k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()},
                    "seconds_per_1m_items": round(per_million, 2),
                }
            )
        )
        if profile is not None:
            profile.dump_stats(args.profile)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    os.environ.setdefault("REGISTRY_LOG_LEVEL", "WARNING")
    main()
