"""SQLAlchemy async engines for a Strongroom database URL (SQLite via aiosqlite, PostgreSQL via
asyncpg), with the URL's schema applied to every PostgreSQL connection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from strongroom.store.urls import DatabaseURL

#: Seconds a SQLite writer waits for another writer's lock before failing.
SQLITE_BUSY_TIMEOUT_S = 30


def create_engine(url: DatabaseURL) -> AsyncEngine:
    connect_args: dict[str, object] = {}
    if url.kind == "postgresql" and url.schema:
        connect_args["server_settings"] = {"search_path": url.schema}
    if url.kind == "sqlite":
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
    return create_async_engine(url.sqlalchemy_url(), connect_args=connect_args)
