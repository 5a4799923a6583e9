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


async def gather_statistics(url: str) -> None:
    """ANALYZE the tables of a throwaway PostgreSQL schema. (SQLite's planner, without statistics,
    takes every table for a large one and uses its indexes: nothing to do there.)

    A server's tables get their statistics from autovacuum within a minute or so of filling;
    a benchmark on a fresh schema is over before that. Until then the planner takes each table
    for ten pages, and the generic plans that the pool's prepared statements keep from those
    first moments stay in use while the tables grow (a checkpoint's update joined `intents` by a
    sequential scan, its cost growing with every intent submitted). A benchmark calls this
    after its warm-up, so that it measures the plans of a server that has run a minute."""
    target = parse_url(url)
    if target.kind != "postgresql" or target.schema is None:
        return
    engine = sqlalchemy_engine(target)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            tables = await connection.scalars(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"),
                {"schema": target.schema},
            )
            for table in list(tables):
                await connection.execute(sa.text(f'ANALYZE "{target.schema}"."{table}"'))
    finally:
        await engine.dispose()
