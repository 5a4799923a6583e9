"""Strongroom: a double-entry core-banking ledger and the banking services built on it."""

__version__ = "0.1.0"
