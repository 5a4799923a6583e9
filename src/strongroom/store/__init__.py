"""Storage: schema migrations and the SQLite and PostgreSQL backends behind one interface.

Owns every SQL string in Strongroom. May import strongroom.errors, strongroom.ids and the ledger's
plain data types (strongroom.ledger.types / rules records); never services, api or cli.
"""

from strongroom.store.urls import DatabaseURL, parse_url

__all__ = ["DatabaseURL", "parse_url"]
