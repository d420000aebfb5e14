"""Paths of the panels API, shared by the controllers and the tests; the functions give concrete paths."""

from datetime import date

from registry.catalog import urls as catalog

PANELS = "/api/v1/panels"
CHECK = f"{PANELS}/check"
BATCH = f"{PANELS}/check-batch"
PANEL = f"{PANELS}/{{panel_id:int}}"
RECHECK = f"{PANEL}/check"
IMPACT = f"{catalog.VERSION}/impact"


def panel(panel_id: int) -> str:
    return f"{PANELS}/{panel_id}"


def recheck(panel_id: int) -> str:
    return f"{panel(panel_id)}/check"


def impact(version: str | date) -> str:
    return f"{catalog.version(version)}/impact"
