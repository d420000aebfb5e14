"""`python -m registry.cli`, as `dtc-registry`."""

from registry.cli import main

main()
