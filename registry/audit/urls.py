"""Paths of the audit API, shared by the controller and the tests."""

EVENTS = "/api/v1/audit"
VERIFY = f"{EVENTS}/verify"
