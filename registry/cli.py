"""`dtc-registry`: serve, migrate, seed, and validate the reviewed catalogue files."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from registry.settings import Settings, SettingsError


def _with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    from registry import wiring
    from registry.db.engine import engine_from_url, prepare_engine, release_engine

    async def run() -> int:
        engine = engine_from_url(settings.database_url)
        wiring.bind(engine)
        await prepare_engine(engine, pool_max=2)
        relay = wiring.relay()
        try:
            code = await work()
            await relay.drain()  # what the command announced is handled before it exits
            return code
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
        if settings.is_production:
            print("seed: demo data skipped (REGISTRY_ENV=production)")
            return 0
        from registry.demo import load_demo

        said = await load_demo(settings.seeds_dir)
        for line in said:
            print(f"seed: demo: {line}")
        if not said:
            print("seed: demo: already present; nothing changed")
        return 0

    return run


def _users_create(args: argparse.Namespace) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        import getpass

        from registry.accounts.model import Role
        from registry.accounts.service import create_user

        password = os.environ.get("REGISTRY_NEW_USER_PASSWORD") or getpass.getpass("password for the new user: ")
        try:
            user_id = await create_user(args.email, args.name, Role(args.role), password)
        except ValueError as exc:
            print(f"users: refused: {exc}", file=sys.stderr)
            return 1
        print(f"users: created {args.role} {args.email} (id {user_id})")
        return 0

    return run


def _certificates_import(path: Path) -> Callable[[], Awaitable[int]]:
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        message = f"import: cannot read {path}: {exc}"
        document = None

    async def run() -> int:
        from registry.certification.history_import import import_history
        from registry.http.problems import render
        from registry.kernel.errors import DomainError

        if document is None:
            print(message, file=sys.stderr)
            return 1
        try:
            recorded = await import_history(document)
        except DomainError as exc:
            print(f"import: refused, nothing was written: {render(exc)[1]}", file=sys.stderr)
            for error in exc.errors:
                print(f"  {error.field}: {error.reason}", file=sys.stderr)
            return 1
        print(f"import: recorded {len(recorded)} certificate(s)" + (f": {', '.join(recorded)}" if recorded else ""))
        return 0

    return run


async def _audit_verify() -> int:
    from registry.audit.service import verify

    report = await verify()
    if report.intact:
        print(f"audit: intact: {report.events} event(s), head {report.head_hash[:16]}...")
        return 0
    broken = report.first_break
    print(f"audit: BROKEN at event {broken.seq}: {broken.reason_en}", file=sys.stderr)
    return 1


def _panels_check(args: argparse.Namespace) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        import datetime as dt
        import time

        import anyio
        import polars as pl

        from registry.panels.batch import (
            BatchError,
            batch_output,
            prepare_batch,
            read_batch,
            write_batch,
        )
        from registry.panels.engine import check

        path: Path = args.file
        fmt = _format_of(path)
        out_path: Path | None = args.output
        out_fmt = _format_of(out_path) if out_path else fmt
        if fmt is None or out_fmt is None:
            print("panels: files are .csv, .parquet or .jsonl", file=sys.stderr)
            return 2
        try:
            as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
        except ValueError:
            print(f"panels: --as-of must be YYYY-MM-DD, not {args.as_of!r}", file=sys.stderr)
            return 2
        started = time.perf_counter()
        try:
            frame = read_batch(await anyio.Path(path).read_bytes(), fmt)
            from registry.kernel.clock import today_in_korea

            rows, claims = prepare_batch(frame, default_provider=args.provider, default_as_of=as_of or today_in_korea())
        except (OSError, BatchError) as exc:
            print(f"panels: cannot check {path}: {exc}", file=sys.stderr)
            return 1
        from registry.panels.rules import current_rules

        rules, _ = await current_rules()
        total = rows.height
        show = sys.stderr.isatty() or total >= 100_000
        panel_ids = claims["panel_id"]
        results, done = [], 0
        # Chunks of whole panels, so a progress bar can move on large files.
        per_chunk = max(1, len(panel_ids) * 200_000 // max(total, 1))
        for start in range(0, len(panel_ids), per_chunk):
            ids = panel_ids.slice(start, per_chunk)
            part_rows = rows.filter(pl.col("panel_id").is_in(ids.implode()))
            result = check(part_rows, claims.filter(pl.col("panel_id").is_in(ids.implode())), rules)
            results.append(batch_output(result))
            done += part_rows.height
            if show:
                filled = int(30 * done / max(total, 1))
                print(
                    f"\r  [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} rows",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
        if show:
            print(file=sys.stderr)
        output = pl.concat(results) if results else pl.DataFrame()
        if out_path:
            await anyio.Path(out_path).write_bytes(write_batch(output, out_fmt))
        else:
            sys.stdout.write(write_batch(output, out_fmt).decode() if out_fmt != "parquet" else "")
        panels = output.unique("panel_id")
        permitted = panels.filter(pl.col("verdict") == "permitted").height
        counts = (
            output.filter(pl.col("code").is_not_null()).group_by("code", "severity").len().sort("len", descending=True)
        )
        elapsed = time.perf_counter() - started
        table = [
            ("panels", f"{panels.height:,}"),
            ("  permitted", f"{permitted:,}"),
            ("  not permitted", f"{panels.height - permitted:,}"),
            ("panel-item rows", f"{total:,}"),
        ]
        table += [(f"  {code} ({severity})", f"{n:,}") for code, severity, n in counts.iter_rows()]
        table.append(("seconds", f"{elapsed:.2f}"))
        width = max(len(label) for label, _ in table) + 2
        print(file=sys.stderr)
        for label, value in table:
            print(f"{label:<{width}}{value:>12}", file=sys.stderr)
        return 0

    return run


def _format_of(path: Path | None) -> str | None:
    if path is None:
        return None
    suffix = path.suffix.lower().lstrip(".")
    return {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl", "ndjson": "jsonl"}.get(suffix)


def _catalog_export(args: argparse.Namespace, settings: Settings) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        import anyio

        from registry.catalog.files import edition_toml, read_edition_file
        from registry.catalog.queries import published_catalogue

        catalogue = await published_catalogue()
        versions = [e.version for e in catalogue.editions] if args.version == "all" else [args.version]
        directory = args.output or settings.rules_dir / "catalog"
        for version in versions:
            edition = catalogue.get(version)
            if edition is None:
                print(f"export: no published edition {version}", file=sys.stderr)
                return 1
            target = anyio.Path(directory) / f"{version}.toml"
            if await target.exists():
                existing, _ = read_edition_file(Path(str(target)))
                if existing is not None and existing.content_hash() == edition.content.content_hash():
                    print(f"export: {target} already holds edition {version}")
                    continue
                print(f"export: {target} exists with other content; refusing to overwrite it", file=sys.stderr)
                return 1
            await anyio.Path(directory).mkdir(parents=True, exist_ok=True)
            await target.write_text(edition_toml(edition.content), encoding="utf-8")
            print(f"export: wrote {target}")
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

    sub.add_parser("seed", help="import rules/ and seeds/ (idempotent; demo data only outside production)")

    users = sub.add_parser("users", help="accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser(
        "create", help="create a staff account (password asked, or REGISTRY_NEW_USER_PASSWORD)"
    )
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--role", required=True, choices=["reviewer", "regulator"])

    certificates = sub.add_parser("certificates", help="certificates")
    certificates_sub = certificates.add_subparsers(dest="certificates_command", required=True)
    imp = certificates_sub.add_parser("import", help="record certifications granted before the registry (TOML file)")
    imp.add_argument("file", type=Path)

    panels = sub.add_parser("panels", help="panel checks")
    panels_sub = panels.add_subparsers(dest="panels_command", required=True)
    pc = panels_sub.add_parser("check", help="check a file of panel-item rows (CSV, Parquet, JSON lines)")
    pc.add_argument("file", type=Path)
    pc.add_argument("--provider", type=int, help="provider id for rows without provider_id")
    pc.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD for rows without as_of (default today in Korea)")
    pc.add_argument("--output", type=Path, help="results file (.csv, .parquet, .jsonl); default: standard output")

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the hash chain; exit 1 and name the first broken event")

    catalog = sub.add_parser("catalog", help="the permitted-item list")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    validate = catalog_sub.add_parser("validate", help="check edition files; exit 1 on any error")
    validate.add_argument("path", nargs="?", help="a directory of edition files or one file (default rules/catalog)")
    export = catalog_sub.add_parser(
        "export", help="write a published edition as a reviewed file (for editions published in the registry)"
    )
    export.add_argument("version", help="an edition's version, or 'all'")
    export.add_argument("--output", type=Path, help="directory (default rules/catalog)")
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
    if args.command == "catalog" and args.catalog_command == "export":
        return _with_database(settings, _catalog_export(args, settings))
    if args.command == "catalog":
        return cmd_validate(args, settings)
    if args.command == "users":
        return _with_database(settings, _users_create(args))
    if args.command == "certificates":
        return _with_database(settings, _certificates_import(args.file))
    if args.command == "panels":
        return _with_database(settings, _panels_check(args))
    if args.command == "audit":
        return _with_database(settings, _audit_verify)
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
