"""Paths of the catalogue API, shared by the controller and the tests."""

BASE = "/api/v1/catalog"
VERSIONS = f"{BASE}/versions"
VERSION = f"{BASE}/versions/{{version:str}}"
CURRENT = f"{BASE}/current"
DIFF = f"{BASE}/diff"
ITEM = f"{BASE}/items/{{code:str}}"
