"""Moving a test database between migration revisions."""

from __future__ import annotations

from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from strongroom.store.migrate import _config
from strongroom.store.urls import parse_url


async def migrate(url: str, direction: str, revision: str) -> None:
    """Run Alembic's `direction` ("upgrade" or "downgrade") to `revision` on `url`."""
    engine = create_async_engine(parse_url(url).sqlalchemy_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: getattr(command, direction)(_config(sync), revision)
            )
    finally:
        await engine.dispose()
