"""`dtc-registry serve`: migrate, seed and serve the registry."""

from __future__ import annotations

import dataclasses

import rich_click as click

from registry.cli.common import REFUSED, fail, load_settings, run_with_database
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
    from registry.http.limits import HeaderTimeoutProtocol

    settings = load_settings()
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    click.echo(f"database: {describe(engine_from_url(settings.database_url))}")

    from registry.app import UnsafeProductionSettings, refuse_unsafe_production

    if settings.is_production and settings.production_problems():
        fail("REGISTRY_ENV=production refuses to start: " + "; ".join(settings.production_problems()), REFUSED)

    async def prepare() -> str | None:
        await upgrade_schema()
        await seed_registry(settings)
        if settings.is_production:
            try:
                await refuse_unsafe_production(settings)  # the app's start-up checks, before uvicorn runs
            except UnsafeProductionSettings as exc:
                return str(exc)
        return None

    refused = run_with_database(settings, prepare)
    if refused:
        fail(refused, REFUSED)
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"DTC registry on {base}  (API docs: {base}/schema, health: {base}/healthz)")
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,  # no "server: uvicorn" banner
        date_header=True,
        # The client address is the peer's; REGISTRY_TRUSTED_PROXIES says whose X-Forwarded-For counts.
        proxy_headers=False,
        http=HeaderTimeoutProtocol,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits 3 when it cannot bind or start the app
        fail("the server could not start (see above)", REFUSED if exc.code else 0)
    if not server.started:
        fail("the server could not start (see above)", REFUSED)
