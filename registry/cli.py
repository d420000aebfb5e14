"""`dtc-registry`: serve, migrate, seed, and validate the reviewed catalogue files."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from registry.settings import Settings, SettingsError


def _with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    from registry.db.engine import engine_from_url, prepare_engine, release_engine, use_engine

    async def run() -> int:
        engine = engine_from_url(settings.database_url)
        use_engine(engine)
        await prepare_engine(engine, pool_max=2)
        try:
            return await work()
        finally:
            await release_engine(engine)

    return asyncio.run(run())


async def _upgrade() -> int:
    from registry.db.schema import upgrade

    applied = await upgrade()
    if applied:
        print(f"database: applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print("database: schema is current, no migrations to apply")
    return 0


async def _create(settings: Settings) -> int:
    from registry.db.schema import create_database

    if settings.is_sqlite:
        print("database: SQLite, the file is created on first use; nothing to do")
    elif await create_database(settings.database_url):
        print("database: created")
    else:
        print("database: already exists; nothing to do")
    return 0


def _seed(settings: Settings) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        from registry.catalog.service import CatalogueImportError, import_catalogue

        try:
            report = await import_catalogue(settings.rules_dir / "catalog")
        except CatalogueImportError as exc:
            print("seed: refused, nothing was written:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        if report.imported:
            print(
                f"seed: catalogue: imported {len(report.imported)} edition(s): {', '.join(report.imported)}"
                + (f"; {len(report.unchanged)} already present" if report.unchanged else "")
            )
        else:
            print(f"seed: catalogue: all {len(report.unchanged)} editions already present; nothing changed")
        return 0

    return run


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from registry.catalog.files import read_catalogue_dir

    path = Path(args.path) if args.path else settings.rules_dir / "catalog"
    result = read_catalogue_dir(path)
    for problem in result.problems:
        print(f"error: {problem}", file=sys.stderr)
    if result.problems:
        print(f"{len(result.problems)} error(s) in {path}", file=sys.stderr)
        if not result.sequence_checked:
            print("checks across editions run once every file reads cleanly", file=sys.stderr)
        return 1
    total_items = sum(len(e.items) for _, e in result.editions)
    print(f"ok: {len(result.editions)} edition(s), {total_items} entries, no errors ({path})")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    import uvicorn

    from registry.app import create_app
    from registry.db.engine import describe, engine_from_url

    settings = dataclasses.replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    print(f"database: {describe(engine_from_url(settings.database_url))}")

    async def prepare() -> int:
        await _upgrade()
        return await _seed(settings)()

    if _with_database(settings, prepare) != 0:
        return 1
    base = f"http://{settings.host}:{settings.port}"
    print(f"DTC registry on {base}  (API docs: {base}/schema, health: {base}/healthz)", flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dtc-registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, seed and serve the registry")
    serve.add_argument("--host", help="interface to listen on (default REGISTRY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default REGISTRY_PORT or 8000)")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")
    db_sub.add_parser("create", help="create the PostgreSQL database DATABASE_URL names, if missing")

    sub.add_parser("seed", help="import rules/ and seeds/ (idempotent)")

    catalog = sub.add_parser("catalog", help="the permitted-item list")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    validate = catalog_sub.add_parser("validate", help="check edition files; exit 1 on any error")
    validate.add_argument("path", nargs="?", help="a directory of edition files or one file (default rules/catalog)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return cmd_serve(args, settings)
    if args.command == "db" and args.db_command == "create":
        return asyncio.run(_create(settings))
    if args.command == "db":
        return _with_database(settings, _upgrade)
    if args.command == "seed":
        return _with_database(settings, _seed(settings))
    if args.command == "catalog":
        return cmd_validate(args, settings)
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
