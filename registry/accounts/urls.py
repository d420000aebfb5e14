"""Paths of the accounts API, shared by the controller and the tests; the functions give concrete paths."""

AUTH = "/api/v1/auth"
TOKEN = f"{AUTH}/token"
LOGOUT = f"{AUTH}/logout"
ME = f"{AUTH}/me"
USERS = "/api/v1/users"
DISABLE = f"{USERS}/{{user_id:int}}/disable"
ENABLE = f"{USERS}/{{user_id:int}}/enable"


def disable(user_id: int) -> str:
    return f"{USERS}/{user_id}/disable"


def enable(user_id: int) -> str:
    return f"{USERS}/{user_id}/enable"
