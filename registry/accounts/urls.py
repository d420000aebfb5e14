"""Paths of the accounts API, shared by the controller and the tests; the functions give concrete paths."""

from registry.http.paths import concrete

AUTH = "/api/v1/auth"
TOKEN = f"{AUTH}/token"
LOGOUT = f"{AUTH}/logout"
ME = f"{AUTH}/me"
USERS = "/api/v1/users"
DISABLE = f"{USERS}/{{user_id:int}}/disable"
ENABLE = f"{USERS}/{{user_id:int}}/enable"

disable = concrete(DISABLE)
enable = concrete(ENABLE)
