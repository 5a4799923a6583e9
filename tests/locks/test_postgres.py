from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from strongroom.bootstrap import open_locks
from strongroom.locks import LockTimeout, PostgresLockManager, check_fence
from strongroom.locks.postgres import lock_id
from strongroom.store.connections import sqlalchemy_engine as create_engine
from strongroom.store.urls import parse_url

from .conftest import Contend, StartStale


@pytest.fixture
async def locks(pg_url: str) -> AsyncIterator[PostgresLockManager]:
    manager = open_locks(pg_url)
    assert isinstance(manager, PostgresLockManager)
    yield manager
    await manager.close()


async def test_tokens_increase_with_each_acquisition(locks: PostgresLockManager) -> None:
    tokens = []
    for _ in range(3):
        async with locks.hold("account:1") as lease:
            tokens.append(lease.token)
            assert lease.holder.startswith("pg:")
    async with locks.hold("account:2") as other:
        assert other.token == 1
    assert tokens == [1, 2, 3]


async def test_a_held_key_times_out_for_others_and_frees_on_exit(
    locks: PostgresLockManager,
) -> None:
    async with locks.hold("account:1"):
        with pytest.raises(LockTimeout):
            async with locks.hold("account:1", wait=0.05):
                pass
        async with locks.hold("account:2", wait=0.05):
            pass
    async with locks.hold("account:1", wait=0.05) as lease:
        assert lease.token == 2


def test_lock_ids_are_namespaced() -> None:
    assert lock_id("a", "k") == lock_id("a", "k")
    assert lock_id("a", "k") != lock_id("b", "k")
    assert -(2**63) <= lock_id("a", "k") < 2**63


@pytest.mark.slow
async def test_two_processes_exclude_each_other(pg_url: str, contend: Contend) -> None:
    tokens = await contend("postgresql", pg_url, "account:1", 40)
    # Every read-modify-write survived, and tokens rose in the order the writes happened.
    assert len(tokens) == 80
    assert tokens == sorted(set(tokens))


@pytest.mark.slow
async def test_a_holder_whose_session_died_is_fenced_off(
    pg_url: str, locks: PostgresLockManager, start_stale: StartStale
) -> None:
    key = f"account:{uuid.uuid4().hex}"
    stale = await start_stale("postgresql", pg_url, key, pg_url, key, 30)
    # Cut the holder's session, as a network partition or a server-side kill would.
    admin = await asyncpg.connect(parse_url(pg_url).target)
    try:
        await admin.fetchval("SELECT pg_terminate_backend($1)", int(stale.holder[3:]))
    finally:
        await admin.close()
    engine = create_engine(parse_url(pg_url))
    try:
        async with locks.hold(key, wait=30) as lease:
            assert lease.token > stale.token
            async with engine.begin() as connection:
                await check_fence(connection, key, lease.token)
    finally:
        await engine.dispose()
    assert await stale.write() == "refused"
