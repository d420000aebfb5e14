"""Paths of the panels API, shared by the controllers and the tests; the functions give concrete paths."""

from registry.catalog import urls as catalog
from registry.http.paths import concrete

PANELS = "/api/v1/panels"
CHECK = f"{PANELS}/check"
BATCH = f"{PANELS}/check-batch"
PANEL = f"{PANELS}/{{panel_id:int}}"
RECHECK = f"{PANEL}/check"
IMPACT = f"{catalog.VERSION}/impact"

panel = concrete(PANEL)
recheck = concrete(RECHECK)
impact = concrete(IMPACT)
