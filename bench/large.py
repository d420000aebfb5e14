"""A large registry for the growth benchmarks: the demo seed, then N verified providers, each with a
certification certificate (issued between 2022-12-30 and 2026, with its history: issued, some renewed,
some items added, a few suspended, reinstated, heard and revoked), certified items drawn from the
current catalogue edition, and registered panels totalling M panel items.

Rows are written in bulk into the registry's own tables (executemany on SQLite, COPY on PostgreSQL), as
`dtc-registry seed` would write them through the services, except that no audit or domain events are
recorded for them (they stand for records from before the registry, like an import). Each panel's verdict
and stored check are computed by the registry's own check of stored panels, as registering them would.

Run: .venv/bin/python bench/large.py DATABASE_URL [--providers 10000] [--panel-items 1000000]
     (the database is migrated and seeded first; a PostgreSQL database is created if missing)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field

from harness import ROOT, bench_environment, cli

sys.path.insert(0, str(ROOT))

D = dt.date.fromisoformat
REGIME_START = D("2022-12-30")  # certification (not pilot) from this day
LAST_ISSUE = D("2026-11-20")
TODAY = D("2026-11-26")
GENES = ["FTO", "VDR", "MC1R", "ALDH2", "ADH1B", "ACTN3", "LCT", "CYP1A2", "NEDD4", "SLC23A1", "APOE", "TAS2R38"]
MARKERS = ["rs9939609", "rs2228570", "rs1805007", "rs671", "rs1229984", "rs1815739", "rs4988235", "rs762551"]
# Korean and English name parts; "한빛"/"Hanbit" appears in about one provider in a thousand.
PARTS = [
    ("누리", "Nuri"), ("다온", "Daon"), ("바른", "Bareun"), ("미래", "Mirae"), ("하늘", "Haneul"),
    ("세움", "Seum"), ("가온", "Gaon"), ("든솔", "Deunsol"), ("온빛", "Onbit"), ("푸른", "Pureun"),
    ("새길", "Saegil"), ("단비", "Danbi"), ("여울", "Yeoul"), ("아라", "Ara"), ("초롱", "Chorong"),
]  # fmt: skip
KINDS = [("유전체", "Genomics"), ("진단", "Diagnostics"), ("바이오", "Bio"), ("헬스케어", "Healthcare"),
         ("유전자연구소", "Gene Lab"), ("랩", "Lab")]  # fmt: skip
REGIONS = ["서울특별시", "경기도", "부산광역시", "대전광역시", "인천광역시", "대구광역시", "광주광역시"]


@dataclass
class Generated:
    providers: list[tuple] = field(default_factory=list)
    certificates: list[tuple] = field(default_factory=list)
    items: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    panels: list[dict] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)


def catalogue_codes() -> list[str]:
    """Codes of the current edition's wellness items (disease-tier items need validation records)."""
    from registry.catalog.files import read_catalogue_dir
    from registry.catalog.model import Catalogue

    catalogue = Catalogue(e for _, e in read_catalogue_dir(ROOT / "rules" / "catalog").editions)
    return sorted(
        e.code
        for e in catalogue.editions[-1].content.items
        if e.status.value == "permitted" and e.tier.value == "wellness"
    )


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def name(i: int, rng: random.Random) -> tuple[str, str]:
    if i % 1000 == 7:
        part = ("한빛", "Hanbit")
    else:
        part = rng.choice(PARTS)
    kind = rng.choice(KINDS)
    return f"{part[0]}{kind[0]} 제{i}센터", f"{part[1]} {kind[1]} Center {i}"


def generate(
    providers: int, panel_items: int, codes: list[str], first_provider: int, first_certificate: int, serials: dict
) -> Generated:
    """Rows for the tables, deterministic for a given size; ids continue after the seeded ones."""
    from registry.kernel.text import search_keys

    rng = random.Random(2026)
    out = Generated()
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    per_provider = panel_items // providers
    extra = panel_items - per_provider * providers
    for n in range(providers):
        pid = first_provider + n
        cid = first_certificate + n
        name_ko, name_en = name(n, rng)
        out.providers.append(
            (pid, name_ko, name_en, search_keys(name_ko, name_en), f"{500 + n // 100000}-86-{n % 100000:05d}",
             f"BENCH-{n:05d}",
             f"대표{n}", f"office{n}@provider{n}.example", f"02-{n // 10000:04d}-{n % 10000:04d}",
             f"{rng.choice(REGIONS)} (가상 주소)", "verified", now, now, False)
        )  # fmt: skip
        valid_from = REGIME_START + dt.timedelta(days=rng.randrange((LAST_ISSUE - REGIME_START).days))
        valid_until = years_later(valid_from, 3) - dt.timedelta(days=1)
        series = f"DTC-{valid_from.year}"
        serials[series] = serials.get(series, 0) + 1
        number = f"{series}-{serials[series]:04d}"
        out.certificates.append((cid, number, pid, "certification", valid_from, valid_until, "import", now, 1))
        held = rng.sample(codes, rng.randint(5, min(30, len(codes) - 5)))
        out.items += [(cid, c, valid_from, None, None) for c in held]

        def event(kind: str, day: dt.date, cid: int = cid, **values) -> None:
            out.events.append(
                (cid, kind, day, values.get("valid_until"), values.get("ground"), values.get("ends_on"), None,
                 values.get("outcome"), values.get("reason", ""), json.dumps(values.get("items", [])),
                 None, "bench: generated registry", now)
            )  # fmt: skip

        event("issued", valid_from, valid_until=valid_until, items=held, reason="recorded from before the registry")
        history_end = min(valid_until, TODAY)
        if rng.random() < 0.3 and (history_end - valid_from).days > 60:
            day = valid_from + dt.timedelta(days=rng.randrange(30, (history_end - valid_from).days))
            added = rng.sample([c for c in codes if c not in held], rng.randint(1, 3))
            out.items += [(cid, c, day, None, None) for c in added]
            held += added
            event("items_added", day, items=added, reason="change certification")
        if valid_until - dt.timedelta(days=30) <= TODAY and rng.random() < 0.7:
            renewed_until = years_later(valid_until, 3)
            event("renewed", valid_until - dt.timedelta(days=30), valid_until=renewed_until, reason="re-certification")
            history_end = min(renewed_until, TODAY)
        fate = rng.random()
        span = (history_end - valid_from).days
        if fate < 0.04 and span > 200:
            day = valid_from + dt.timedelta(days=rng.randrange(100, span - 90))
            ends = day + dt.timedelta(days=rng.choice([30, 60, 90]))
            event("suspended", day, ground=rng.randint(1, 5), ends_on=ends, reason="a business suspension")
            if fate < 0.015:
                event("reinstated", day + dt.timedelta(days=10), reason="corrected early")
        elif fate < 0.05 and span > 200:
            day = valid_from + dt.timedelta(days=rng.randrange(100, span - 30))
            event("hearing", day, outcome="held", reason="hearing before revocation")
            event("revoked", day + dt.timedelta(days=14), ground=rng.randint(1, 5), reason="revoked")
        # Registered panels: about ten per provider, items from what the provider is certified for.
        budget = per_provider + (1 if n < extra else 0)
        p = 0
        while budget > 0:
            size = min(budget, rng.randint(5, 15))
            chosen = [rng.choice(held) if rng.random() > 0.03 else rng.choice(codes) for _ in range(size)]
            items = [
                {
                    "code": c,
                    "genes": [rng.choice(GENES)],
                    "markers": [rng.choice(MARKERS)] if rng.random() < 0.5 else [],
                }
                for c in chosen
            ]
            claims = "Know your tendencies." if rng.random() > 0.01 else "Prevents disease."
            out.panels.append(
                {"provider": pid, "name": f"패널 {p + 1} / Panel {p + 1}", "target": "adult", "claims": claims,
                 "items": json.dumps(items, ensure_ascii=False)}
            )  # fmt: skip
            budget -= size
            p += 1
    out.counters = serials
    return out


PROVIDER_COLUMNS = (
    "id", "name_ko", "name_en", "name_key", "business_number", "institution_report_number", "representative",
    "contact_email", "contact_phone", "address", "status", "verified_at", "created_at", "is_demo",
)  # fmt: skip
CERTIFICATE_COLUMNS = (
    "id",
    "number",
    "provider",
    "kind",
    "valid_from",
    "valid_until",
    "source",
    "created_at",
    "version",
)
ITEM_COLUMNS = ("certificate", "code", "certified_from", "certified_until", "application_number")
EVENT_COLUMNS = (
    "certificate", "kind", "effective_date", "valid_until", "ground", "ends_on", "amount", "outcome", "reason",
    "items", "application_number", "actor", "created_at",
)  # fmt: skip
PANEL_COLUMNS = ("provider", "name", "target", "claims", "items", "created_at", "checked_at", "verdict", "last_check")


class Writer:
    """Bulk inserts and a few reads on the raw driver of either engine."""

    def __init__(self, url: str):
        self.url = url
        self.sqlite = url.startswith("sqlite:")

    async def __aenter__(self) -> Writer:
        if self.sqlite:
            self.db = sqlite3.connect(self.url.removeprefix("sqlite:///"), detect_types=0)
        else:
            import asyncpg

            self.db = await asyncpg.connect(self.url)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.sqlite:
            self.db.commit()
            self.db.close()
        else:
            await self.db.close()

    async def scalar(self, sql: str):
        if self.sqlite:
            return self.db.execute(sql).fetchone()[0]
        return await self.db.fetchval(sql)

    async def rows(self, sql: str) -> list[tuple]:
        if self.sqlite:
            return self.db.execute(sql).fetchall()
        return [tuple(r) for r in await self.db.fetch(sql)]

    async def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            quoted = ", ".join(f'"{c}"' for c in columns)
            self.db.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", [_sqlite(r) for r in rows])
            self.db.commit()
        else:
            await self.db.copy_records_to_table(table, records=rows, columns=list(columns))

    async def execute(self, sql: str) -> None:
        if self.sqlite:
            self.db.execute(sql)
            self.db.commit()
        else:
            await self.db.execute(sql)


def _sqlite(row: tuple) -> tuple:
    """Values as Piccolo stores them in SQLite (dates and times as ISO text, booleans as 0/1)."""
    return tuple(
        str(v) if isinstance(v, dt.datetime) else v.isoformat() if isinstance(v, dt.date) else
        int(v) if isinstance(v, bool) else v
        for v in row
    )  # fmt: skip


async def write_records(url: str, providers: int, panel_items: int) -> tuple[Generated, float]:
    started = time.perf_counter()
    async with Writer(url) as db:
        first_provider = (await db.scalar("SELECT COALESCE(MAX(id), 0) FROM provider")) + 1
        first_certificate = (await db.scalar("SELECT COALESCE(MAX(id), 0) FROM certificate")) + 1
        serials: dict[str, int] = {}
        for (number,) in await db.rows("SELECT number FROM certificate WHERE number NOT LIKE 'DTC-P%'"):
            series, serial = number.rsplit("-", 1)
            serials[series] = max(serials.get(series, 0), int(serial))
        data = generate(providers, panel_items, catalogue_codes(), first_provider, first_certificate, serials)
        await db.insert("provider", PROVIDER_COLUMNS, data.providers)
        await db.insert("certificate", CERTIFICATE_COLUMNS, data.certificates)
        await db.insert("certificate_item", ITEM_COLUMNS, data.items)
        await db.insert("certificate_event", EVENT_COLUMNS, data.events)
        # The number counters continue after the generated certificates, as `allocate_number` expects.
        for series, last in data.counters.items():
            await db.execute(
                f"INSERT INTO number_counter (series, last) VALUES ('{series}', {last}) "
                f"ON CONFLICT (series) DO UPDATE SET last = {last}"
            )
        if not db.sqlite:
            for table in ("provider", "certificate"):
                await db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
    return data, time.perf_counter() - started


def check_panels(url: str, panels: list[dict]) -> dict[str, dict]:
    """Each panel's stored check, by the registry's own check of stored panels on today's rules."""
    from registry.cli.common import run_with_database
    from registry.kernel.clock import today_in_korea
    from registry.panels.rules import current_rules
    from registry.panels.service import check_stored
    from registry.settings import Settings

    async def work() -> dict[str, dict]:
        rules, _ = await current_rules()
        rows = [{**p, "id": i} for i, p in enumerate(panels)]
        return await asyncio.to_thread(check_stored, rows, today_in_korea(), rules)

    settings = Settings.from_env({**os.environ, "DATABASE_URL": url, "REGISTRY_DISPATCH_EVENTS": "0"})
    return run_with_database(settings, work)


async def write_panels(url: str, panels: list[dict], checked: dict[str, dict]) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i, p in enumerate(panels):
        latest = checked[str(i)]
        rows.append(
            (p["provider"], p["name"], p["target"], p["claims"], p["items"], now, now, latest["verdict"],
             json.dumps(latest, ensure_ascii=False))
        )  # fmt: skip
    async with Writer(url) as db:
        for start in range(0, len(rows), 20_000):
            await db.insert("panel", PANEL_COLUMNS, rows[start : start + 20_000])


def build(url: str, providers: int, panel_items: int, prepare: bool = True) -> dict:
    """Migrate and seed `url` (unless done), then add the generated registry; returns what it wrote."""
    started = time.perf_counter()
    if prepare:
        env = bench_environment(url, 8)
        cli(env, "db", "upgrade")
        cli(env, "seed")
    seeded = time.perf_counter()
    data, records = asyncio.run(write_records(url, providers, panel_items))
    check_started = time.perf_counter()
    checked = check_panels(url, data.panels)
    check_seconds = time.perf_counter() - check_started
    write_started = time.perf_counter()
    asyncio.run(write_panels(url, data.panels, checked))
    permitted = sum(1 for c in checked.values() if c["verdict"] == "permitted")
    return {
        "providers": len(data.providers),
        "certificates": len(data.certificates),
        "certificate_items": len(data.items),
        "certificate_events": len(data.events),
        "panels": len(data.panels),
        "panels_permitted": permitted,
        "panel_items": sum(len(json.loads(p["items"])) for p in data.panels),
        "seconds_migrate_seed": round(seeded - started, 1),
        "seconds_records": round(records, 1),
        "seconds_check_panels": round(check_seconds, 1),
        "seconds_write_panels": round(time.perf_counter() - write_started, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--panel-items", type=int, default=1_000_000)
    args = parser.parse_args()
    if not args.database_url.startswith("sqlite:"):
        cli(bench_environment(args.database_url, 8), "db", "create")
    print(json.dumps(build(args.database_url, args.providers, args.panel_items), indent=2))


if __name__ == "__main__":
    main()
