"""ASGI entry point for process managers (uvicorn/gunicorn workers): `registry.asgi:app`."""

from registry.app import create_app

app = create_app()
