"""The registry's app with one extra trivial JSON endpoint, served by uvicorn (one worker): the server
the HTTP benchmark measures. Usage: http_server.py PORT (DATABASE_URL from the environment)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from litestar import get

from registry.app import create_app


@get("/bench/trivial", include_in_schema=False)
async def trivial() -> dict[str, bool]:
    return {"ok": True}


app = create_app()
app.register(trivial)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
