"""Opening the database the events package works on, from a Strongroom URL.

Imports strongroom.store.urls only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from strongroom.store.urls import DatabaseURL, parse_url

#: Seconds a SQLite connection waits for another writer before failing with "database is locked".
SQLITE_BUSY_TIMEOUT = 30.0


def open_engine(url: str | DatabaseURL, *, pooled: bool = True) -> AsyncEngine:
    """An async engine for `url`; PostgreSQL connections use the URL's schema when it has one.

    `pooled=False` gives every connect() its own server session, closed on release: what a
    holder of session-level advisory locks needs.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    connect_args: dict[str, object] = {}
    if parsed.kind == "postgresql":
        if parsed.schema:
            connect_args["server_settings"] = {"search_path": parsed.schema}
    else:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT
    options: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
    engine = create_async_engine(parsed.sqlalchemy_url(), connect_args=connect_args, **options)
    if parsed.kind == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # The ledger's settings (strongroom.store.sqlite): WAL lets the relay read while the ledger
    # writes; FULL keeps a committed consumer effect through a power loss.
    cursor = dbapi_connection.cursor()
    for pragma in ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"):
        cursor.execute(pragma)
    cursor.close()
