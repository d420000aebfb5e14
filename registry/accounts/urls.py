"""Paths of the accounts API, shared by the controller and the tests."""

AUTH = "/api/v1/auth"
TOKEN = f"{AUTH}/token"
LOGOUT = f"{AUTH}/logout"
ME = f"{AUTH}/me"
