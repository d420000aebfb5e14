"""Paths of the catalogue API, shared by the controller and the tests; the functions give concrete paths."""

from registry.http.paths import concrete

BASE = "/api/v1/catalog"
VERSIONS = f"{BASE}/versions"
VERSION = f"{BASE}/versions/{{version:str}}"
PUBLISH = f"{VERSION}/publish"
CURRENT = f"{BASE}/current"
DIFF = f"{BASE}/diff"
ITEMS = f"{BASE}/items"
ITEM = f"{ITEMS}/{{code:str}}"
DRAFTS = f"{BASE}/drafts"
DRAFT = f"{DRAFTS}/{{version:str}}"

version = concrete(VERSION)
publish = concrete(PUBLISH)
item = concrete(ITEM)
draft = concrete(DRAFT)
