"""Paths of the catalogue API, shared by the controller and the tests; the functions give concrete paths."""

from datetime import date

BASE = "/api/v1/catalog"
VERSIONS = f"{BASE}/versions"
VERSION = f"{BASE}/versions/{{version:str}}"
PUBLISH = f"{VERSION}/publish"
CURRENT = f"{BASE}/current"
DIFF = f"{BASE}/diff"
ITEM = f"{BASE}/items/{{code:str}}"
DRAFTS = f"{BASE}/drafts"
DRAFT = f"{DRAFTS}/{{version:str}}"


def version(version: str | date) -> str:
    return f"{VERSIONS}/{version}"


def publish(version: str | date) -> str:
    return f"{VERSIONS}/{version}/publish"


def item(code: str) -> str:
    return f"{BASE}/items/{code}"


def draft(version: str | date) -> str:
    return f"{DRAFTS}/{version}"
