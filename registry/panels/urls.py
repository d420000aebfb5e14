"""Paths of the panels API, shared by the controllers and the tests."""

PANELS = "/api/v1/panels"
CHECK = f"{PANELS}/check"
BATCH = f"{PANELS}/check-batch"
PANEL = f"{PANELS}/{{panel_id:int}}"
IMPACT = "/api/v1/catalog/versions/{version:str}/impact"
