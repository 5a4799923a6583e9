"""Apply Alembic migrations to a database given by its Strongroom URL.

Migrations are the single description of the schema. Several feature areas add their own
revisions off the same root, so upgrades go to every head ("heads").
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.errors import StorageError
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.urls import DatabaseURL

MIGRATIONS = Path(__file__).with_name("migrations")

#: Page size of a new SQLite database (an existing one keeps its own). A batch dirties about one
#: random page per inserted transfer in each account index; 8 KiB pages hold twice the entries,
#: so a batch touches fewer of them and commits fewer WAL frames (docs/performance.md).
SQLITE_PAGE_SIZE = 8192


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def _connect(engine: AsyncEngine) -> AsyncConnection:
    """The first connection a command makes. A database it cannot reach (no such file or
    folder, nobody listening, no such database, refused credentials) is a StorageError saying
    so in one line, the URL shown without its password, not the driver's traceback."""
    try:
        return await engine.connect()
    except (OSError, DBAPIError) as error:
        reason = error.orig if isinstance(error, DBAPIError) else error
        shown = engine.url.render_as_string(hide_password=True)
        raise StorageError(f"cannot open the database {shown}: {reason}") from error


async def upgrade(url: DatabaseURL, revision: str = "heads") -> None:
    """Bring the schema at `url` up to `revision` (all heads by default). Idempotent."""
    engine = sqlalchemy_engine(url)
    if url.kind == "postgresql" and url.schema:
        schema = url.schema

        @event.listens_for(engine.sync_engine, "connect")
        def _create_schema(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cursor.close()

    if url.kind == "sqlite":
        # First, before WAL mode is set: the page size is fixed once the file is written.
        @event.listens_for(engine.sync_engine, "connect", insert=True)
        def _page_size(dbapi_connection: object, _record: object) -> None:
            # Takes effect only while the file holds no table yet.
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
            cursor.close()

    try:
        connection = await _connect(engine)
        try:
            async with connection.begin():
                await connection.run_sync(lambda sync: command.upgrade(_config(sync), revision))
        finally:
            await connection.close()
    finally:
        await engine.dispose()
