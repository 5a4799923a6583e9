"""Storage adapters: the SQLite and PostgreSQL implementations of the ports the domain, the
services and the platform declare (ledger/ports.py, products/ports.py, events/ports.py, ...),
the connection settings (connections.py), the table descriptions (tables.py) and the migrations.

Owns every SQL string in Strongroom except the lock primitives of strongroom.locks. Imports the
ports it implements and the types that cross them; never api or cli, and only
strongroom.bootstrap (and the benchmarks) import it.
"""

from strongroom.store.urls import DatabaseURL, parse_url

__all__ = ["DatabaseURL", "parse_url"]
