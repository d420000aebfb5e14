"""Paths of the providers API, shared by the controller and the tests; the functions give concrete paths."""

BASE = "/api/v1/providers"
REGISTER = f"{BASE}/register"
PROVIDER = f"{BASE}/{{provider_id:int}}"
VERIFY = f"{BASE}/{{provider_id:int}}/verify"


def provider(provider_id: int) -> str:
    return f"{BASE}/{provider_id}"


def verify(provider_id: int) -> str:
    return f"{provider(provider_id)}/verify"
