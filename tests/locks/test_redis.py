from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from strongroom.locks import LockTimeout, RedisLockManager, check_fence
from strongroom.store.connections import sqlalchemy_engine as create_engine
from strongroom.store.urls import parse_url

from .conftest import Contend, StartStale


@pytest.fixture
def prefix() -> str:
    return f"strongroom:test:{uuid.uuid4().hex}"


@pytest.fixture
async def locks(redis_url: str, prefix: str) -> AsyncIterator[RedisLockManager]:
    manager = RedisLockManager(redis_url, prefix=prefix)
    yield manager
    leftovers = [key async for key in manager.client.scan_iter(f"{prefix}:*")]
    if leftovers:
        await manager.client.delete(*leftovers)
    await manager.close()


async def test_tokens_increase_with_each_acquisition(locks: RedisLockManager) -> None:
    tokens = []
    for _ in range(3):
        async with locks.hold("account:1", ttl=5) as lease:
            tokens.append(lease.token)
            assert await locks.client.get(locks.lock_key("account:1")) == lease.holder.encode()
    assert tokens == [1, 2, 3]
    assert await locks.client.exists(locks.lock_key("account:1")) == 0


async def test_a_held_key_times_out_for_others(locks: RedisLockManager) -> None:
    async with locks.hold("account:1", ttl=30):
        with pytest.raises(LockTimeout):
            async with locks.hold("account:1", wait=0.05):
                pass
        async with locks.hold("account:2", wait=0.05):
            pass


async def test_release_never_deletes_a_successors_lock(locks: RedisLockManager) -> None:
    async with locks.hold("account:1", ttl=30) as lease:
        # The lease expires and another holder takes the key meanwhile.
        await locks.client.set(locks.lock_key("account:1"), b"successor")
    assert await locks.client.get(locks.lock_key("account:1")) == b"successor"
    assert not await locks.renew(lease, 30)


async def test_renewal_extends_a_held_lease(locks: RedisLockManager) -> None:
    async with locks.hold("account:1", ttl=1) as lease:
        assert await locks.renew(lease, 60)
        assert await locks.client.pttl(locks.lock_key("account:1")) > 1000


@pytest.mark.slow
async def test_two_processes_exclude_each_other(redis_url: str, contend: Contend) -> None:
    key = f"account:{uuid.uuid4().hex}"
    # The contenders use the default prefix: their keys are unique through `key`.
    probe = RedisLockManager(redis_url)
    try:
        tokens = await contend("redis", redis_url, key, 40)
    finally:
        await probe.client.delete(probe.fence_key(key))
        await probe.close()
    assert len(tokens) == 80
    assert tokens == sorted(set(tokens))


@pytest.mark.slow
async def test_a_holder_paused_past_its_ttl_is_fenced_off(
    redis_url: str, sqlite_url: str, locks: RedisLockManager, start_stale: StartStale
) -> None:
    key = f"account:{uuid.uuid4().hex}"
    # The contender uses the default prefix: its keys are unique through `key`.
    probe = RedisLockManager(redis_url)
    stale = await start_stale("redis", redis_url, key, sqlite_url, key, 0.2)
    engine = create_engine(parse_url(sqlite_url))
    try:
        # Blocks until the paused holder's TTL runs out, then takes over.
        async with probe.hold(key, ttl=30, wait=30) as lease:
            assert lease.token > stale.token
            async with engine.begin() as connection:
                await check_fence(connection, key, lease.token)
        assert await stale.write() == "refused"
    finally:
        await probe.client.delete(probe.fence_key(key))
        await probe.close()
        await engine.dispose()
