"""Providers: the institutions' registration, verification by a regulator, and the public lookup."""
