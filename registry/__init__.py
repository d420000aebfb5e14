"""DTC registry: certification of direct-to-consumer genetic-test providers."""

__version__ = "0.1.0"
