"""`dtc-registry serve`: migrate, seed and serve the registry."""

from __future__ import annotations

import dataclasses

import rich_click as click

from registry.cli.common import load_settings, run_with_database
from registry.cli.db import upgrade_schema
from registry.cli.seed import seed_registry


@click.command(epilog="Example: dtc-registry serve --host 0.0.0.0 --port 8000")
@click.option("--host", help="Interface to listen on (default REGISTRY_HOST or 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default REGISTRY_PORT or 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Migrate, seed (idempotent) and serve the registry."""
    import uvicorn

    from registry.app import create_app
    from registry.db.engine import describe, engine_from_url

    settings = load_settings()
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    click.echo(f"database: {describe(engine_from_url(settings.database_url))}")

    async def prepare() -> None:
        await upgrade_schema()
        await seed_registry(settings)

    run_with_database(settings, prepare)
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"DTC registry on {base}  (API docs: {base}/schema, health: {base}/healthz)")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,  # no "server: uvicorn" banner
        date_header=True,
    )
