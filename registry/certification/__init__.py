"""Providers, applications, review and decisions, certificates."""
