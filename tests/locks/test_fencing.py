from __future__ import annotations

import pytest
import sqlalchemy as sa

from strongroom.locks import StaleToken, check_fence
from strongroom.store.connections import sqlalchemy_engine as create_engine
from strongroom.store.migrate import upgrade
from strongroom.store.urls import parse_url


async def test_tokens_at_least_the_highest_seen_are_accepted(db_url: str) -> None:
    url = parse_url(db_url)
    await upgrade(url)
    engine = create_engine(url)
    try:
        for token in (5, 7, 7):
            async with engine.begin() as connection:
                await check_fence(connection, "account:1", token)
        with pytest.raises(StaleToken) as refused:
            async with engine.begin() as connection:
                await check_fence(connection, "account:1", 6)
        assert refused.value.token == 6
        # Another resource has its own history.
        async with engine.begin() as connection:
            await check_fence(connection, "account:2", 1)
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT resource, token FROM fenced_writes ORDER BY resource")
            )
            assert rows.all() == [("account:1", 7), ("account:2", 1)]
    finally:
        await engine.dispose()


async def test_a_refused_token_rolls_back_the_guarded_write(db_url: str) -> None:
    url = parse_url(db_url)
    await upgrade(url)
    engine = create_engine(url)
    write = sa.text("INSERT INTO ledger_counters (name, value) VALUES ('guarded', :v)")

    async def guarded_write(token: int) -> None:
        async with engine.begin() as connection:
            await connection.execute(write, {"v": token})
            await check_fence(connection, "r", token)

    try:
        async with engine.begin() as connection:
            await check_fence(connection, "r", 3)
        with pytest.raises(StaleToken):
            await guarded_write(2)
        async with engine.connect() as connection:
            found = await connection.execute(
                sa.text("SELECT count(*) FROM ledger_counters WHERE name = 'guarded'")
            )
            assert found.scalar() == 0
    finally:
        await engine.dispose()
