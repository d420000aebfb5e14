"""Paths of the open-data API, shared by the controller and the tests; the functions give concrete paths."""

from registry.http.paths import concrete

EXPORTS = "/api/v1/export"
MANIFEST = f"{EXPORTS}/manifest.json"
EXPORT = f"{EXPORTS}/{{file:str}}"  # {dataset}.{format}
CHANGES = "/api/v1/changes"
FEED = "/feed.atom"

export = concrete(EXPORT)
