"""Throwaway databases for the benchmarks: a fresh schema in the given PostgreSQL database,
dropped afterwards, or a temporary SQLite file. A benchmark never touches real data."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa

from strongroom.errors import ConfigurationError
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.migrate import upgrade
from strongroom.store.urls import DatabaseURL, parse_url


@asynccontextmanager
async def throwaway_database(postgres: str | None) -> AsyncIterator[str]:
    """The URL of a migrated database that is removed afterwards."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            await upgrade(parse_url(url))
            yield url
        return
    base = parse_url(postgres)
    if base.kind != "postgresql":
        raise ConfigurationError(f"not a PostgreSQL URL: {postgres!r}")
    schema = f"strongroom_bench_{uuid.uuid4().hex[:12]}"
    url = f"{base.target}{'&' if '?' in base.target else '?'}schema={schema}"
    try:
        await upgrade(parse_url(url))
        yield url
    finally:
        engine = sqlalchemy_engine(DatabaseURL("postgresql", base.target))
        async with engine.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()
