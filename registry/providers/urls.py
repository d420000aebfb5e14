"""Paths of the providers API, shared by the controller and the tests."""

BASE = "/api/v1/providers"
REGISTER = f"{BASE}/register"
PROVIDER = f"{BASE}/{{provider_id:int}}"
VERIFY = f"{BASE}/{{provider_id:int}}/verify"
