"""HotConnections: connections lent one caller at a time, none lent again after a failure."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from strongroom.store.connections import HotConnections
from strongroom.store.urls import parse_url


async def test_a_connection_is_lent_again_once_returned(pg_url: str) -> None:
    hot = HotConnections(parse_url(pg_url))
    try:
        async with hot.connection() as first:
            pid = await first.fetchval("SELECT pg_backend_pid()")
            # The URL's schema is on the search path, as with every connection of Strongroom.
            assert await first.fetchval("SELECT current_schema()") == parse_url(pg_url).schema
        async with hot.connection() as second:
            assert await second.fetchval("SELECT pg_backend_pid()") == pid
    finally:
        await hot.close()


async def test_a_connection_a_statement_failed_on_is_not_lent_again(pg_url: str) -> None:
    hot = HotConnections(parse_url(pg_url))
    try:
        async with hot.connection() as broken:
            failed = await broken.fetchval("SELECT pg_backend_pid()")

        async def fail() -> None:
            async with hot.connection() as again:
                assert again is broken
                await again.fetch("SELECT * FROM no_such_table")

        with pytest.raises(asyncpg.UndefinedTableError):
            await fail()
        assert broken.is_closed()
        async with hot.connection() as fresh:
            assert await fresh.fetchval("SELECT pg_backend_pid()") != failed
    finally:
        await hot.close()


async def test_a_connection_left_in_a_transaction_is_not_lent_again(pg_url: str) -> None:
    hot = HotConnections(parse_url(pg_url))
    try:
        async with hot.connection() as careless:
            await careless.execute("BEGIN")
        assert careless.is_closed()
    finally:
        await hot.close()


async def test_at_most_max_size_are_lent_at_once(pg_url: str) -> None:
    hot = HotConnections(parse_url(pg_url), max_size=2)
    lent = 0
    most = 0

    async def use() -> None:
        nonlocal lent, most
        async with hot.connection() as connection:
            lent += 1
            most = max(most, lent)
            await connection.fetchval("SELECT pg_sleep(0.02)")
            lent -= 1

    try:
        await asyncio.gather(*(use() for _ in range(6)))
    finally:
        await hot.close()
    assert most == 2


async def test_closing_closes_every_connection(pg_url: str) -> None:
    hot = HotConnections(parse_url(pg_url))
    async with hot.connection() as connection:
        pass
    await hot.close()
    assert connection.is_closed()
