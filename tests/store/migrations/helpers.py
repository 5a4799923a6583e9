"""Moving a test database between migration revisions, and looking at what they made."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command

from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.migrate import _config
from strongroom.store.urls import parse_url


async def migrate(url: str, direction: str, revision: str) -> None:
    """Run Alembic's `direction` ("upgrade" or "downgrade") to `revision` on `url` (on
    PostgreSQL, in the URL's schema)."""
    engine = sqlalchemy_engine(parse_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: getattr(command, direction)(_config(sync), revision)
            )
    finally:
        await engine.dispose()


async def columns(url: str, table: str) -> dict[str, dict[str, Any]]:
    """The columns of `table` at `url`, by name, as SQLAlchemy's inspector describes them."""
    engine = sqlalchemy_engine(parse_url(url))
    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(lambda sync: sa.inspect(sync).get_columns(table))
    finally:
        await engine.dispose()
    return {c["name"]: dict(c) for c in found}
