"""Throwaway benchmark databases: dropped afterwards, and their statistics gathered on demand
(what autovacuum gives a server's tables within a minute)."""

from __future__ import annotations

import asyncpg

from strongroom.bench.scratch import gather_statistics, throwaway_database
from strongroom.store.urls import parse_url
from tests.conftest import server_url


async def test_statistics_are_gathered_for_the_schema_and_the_schema_is_dropped() -> None:
    base = server_url("STRONGROOM_TEST_PG_URL", "PostgreSQL")
    connection = await asyncpg.connect(base)
    try:
        async with throwaway_database(base) as url:
            schema = parse_url(url).schema
            await connection.execute(
                f'INSERT INTO "{schema}".intent_workers (name, started_at, lease_until)'
                " SELECT 'w' || n, n, n FROM generate_series(1, 300) AS n"
            )
            planned = """SELECT c.reltuples FROM pg_class c JOIN pg_namespace n
                ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'intent_workers'"""
            # Never analysed: the planner guesses (PostgreSQL says -1).
            assert await connection.fetchval(planned, schema) == -1
            await gather_statistics(url)
            assert await connection.fetchval(planned, schema) == 300
        gone = "SELECT count(*) FROM pg_namespace WHERE nspname = $1"
        assert await connection.fetchval(gone, schema) == 0
    finally:
        await connection.close()


async def test_sqlite_has_nothing_to_gather() -> None:
    async with throwaway_database(None) as url:
        await gather_statistics(url)
