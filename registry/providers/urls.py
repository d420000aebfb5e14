"""Paths of the providers API, shared by the controller and the tests; the functions give concrete paths."""

from registry.http.paths import concrete

BASE = "/api/v1/providers"
REGISTER = f"{BASE}/register"
PROVIDER = f"{BASE}/{{provider_id:int}}"
VERIFY = f"{BASE}/{{provider_id:int}}/verify"

provider = concrete(PROVIDER)
verify = concrete(VERIFY)
