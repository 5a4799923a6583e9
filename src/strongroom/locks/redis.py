"""Redis locks: SET NX PX with a random holder value, a fencing token from INCR on a per-key
counter (in the same Lua script, so no lease is ever handed out without its token), release by
compare-and-delete, renewal by compare-and-expire.

The counter must survive Redis restarts (AOF or RDB persistence) for tokens to keep increasing;
see docs/locks.md. Keys use a hash tag so a lock and its counter share a cluster slot.

Must not import the store or anything above the platform layer.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from strongroom.locks.base import Lease, LockTimeout
from strongroom.logging import get_logger

ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return redis.call('INCR', KEYS[2])
end
return false
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

#: Polling between attempts while another holder has the key: grows from MIN to MAX.
RETRY_MIN_S = 0.005
RETRY_MAX_S = 0.1

log = get_logger(__name__)


class RedisLockManager:
    def __init__(self, url: str, *, prefix: str = "strongroom:lock") -> None:
        self.client: aioredis.Redis = aioredis.Redis.from_url(url)
        self.prefix = prefix
        self._acquire = self.client.register_script(ACQUIRE)
        self._release = self.client.register_script(RELEASE)
        self._renew = self.client.register_script(RENEW)

    def lock_key(self, key: str) -> str:
        return f"{self.prefix}:{{{key}}}"

    def fence_key(self, key: str) -> str:
        return f"{self.prefix}:{{{key}}}:fence"

    @asynccontextmanager
    async def hold(
        self, key: str, *, ttl: float = 30.0, wait: float | None = None
    ) -> AsyncIterator[Lease]:
        holder = os.urandom(16).hex()
        ttl_ms = max(1, int(ttl * 1000))
        keys = [self.lock_key(key), self.fence_key(key)]
        deadline = None if wait is None else time.monotonic() + wait
        pause = RETRY_MIN_S
        while (token := await self._acquire(keys=keys, args=[holder, ttl_ms])) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(key, wait or 0)
            # Jitter keeps contenders from retrying in lockstep.
            await asyncio.sleep(pause * random.uniform(0.5, 1.0))
            pause = min(pause * 2, RETRY_MAX_S)
        try:
            yield Lease(key, int(token), holder)
        finally:
            released = await self._release(keys=[self.lock_key(key)], args=[holder])
            if not released:
                log.warning("lock lease expired before release", key=key, token=int(token))

    async def renew(self, lease: Lease, ttl: float) -> bool:
        """Extend a lease still held; False if it already expired (and may belong to another)."""
        extended = await self._renew(
            keys=[self.lock_key(lease.key)], args=[lease.holder, max(1, int(ttl * 1000))]
        )
        return bool(extended)

    async def close(self) -> None:
        await self.client.aclose()
