"""The registry's app (`registry.asgi:app`) plus one trivial JSON endpoint, `GET /api/bench/trivial`: the
reference every HTTP benchmark row is divided by. Served like the registry itself, e.g.
`uvicorn app:app --app-dir bench --workers 2 --http registry.http.limits:HeaderTimeoutProtocol`."""

from litestar import get

from registry.asgi import app


# Under /api/, so that it is served as the JSON API is (no page's CSRF cookie): the fair reference.
@get("/api/bench/trivial", include_in_schema=False)
async def trivial() -> dict[str, bool]:
    return {"ok": True}


app.register(trivial)
