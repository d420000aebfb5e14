"""Paths of the pseudonymisation API, shared by the controller and the tests."""

from registry.http.paths import concrete

BASE = "/api/v1/pseudonymisation"
VERSIONS = f"{BASE}/versions"
VERSION = f"{BASE}/versions/{{version:str}}"
CURRENT = f"{BASE}/current"
DIFF = f"{BASE}/diff"
KINDS = f"{BASE}/kinds"
CHECK = f"{BASE}/check"
BATCH = f"{BASE}/check/batch"

version = concrete(VERSION)
