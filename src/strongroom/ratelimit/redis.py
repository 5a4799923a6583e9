"""Buckets kept in Redis: every server process that shares the URL enforces one limit.

One Lua script (EVALSHA; redis-py loads it again after a Redis restart) runs the GCRA of
strongroom.ratelimit.gcra on both buckets of a request atomically, with the time read from
Redis's own clock (`TIME`): processes whose clocks disagree still see one time. Each bucket is
one string key holding its TAT, expiring once the bucket is full again (nothing to remember).
The two keys share a hash tag, the tenant, so that they live in one Redis Cluster slot.

If Redis cannot be reached or fails, the limits are not lost and the bank does not stop: the
request is counted in this process's own buckets (strongroom.ratelimit.memory) with a warning,
and Redis is tried again `retry_interval` seconds later. Meanwhile each process enforces the
limits alone, so N processes admit up to N times the limit; a short timeout keeps a Redis that
hangs from holding requests.

Must not import anything above the platform layer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from strongroom.errors import RateLimited
from strongroom.logging import get_logger
from strongroom.ratelimit.base import Limits, monotonic_us
from strongroom.ratelimit.gcra import MICROSECONDS, Limit
from strongroom.ratelimit.memory import MemoryRateLimiter

#: KEYS: the key's bucket, the tenant's. ARGV: the emission and tolerance of each (µs; an
#: emission of 0: unlimited), the time in µs ('': Redis's clock), the milliseconds a bucket is
#: kept past the time it is full again. Returns {0, 0} when both buckets admit (and spends
#: both), else {1 (the key) or 2 (the tenant), µs to wait}.
ADMIT = """
local now
if ARGV[5] == '' then
    local time = redis.call('TIME')
    now = tonumber(time[1]) * 1000000 + tonumber(time[2])
else
    now = tonumber(ARGV[5])
end
local tats = {}
for i = 1, 2 do
    local emission = tonumber(ARGV[2 * i - 1])
    if emission > 0 then
        local tat = tonumber(redis.call('GET', KEYS[i]) or 0)
        local new_tat = math.max(tat, now) + emission
        local wait = new_tat - tonumber(ARGV[2 * i]) - now
        if wait > 0 then
            return {i, wait}
        end
        tats[i] = new_tat
    end
end
for i, tat in pairs(tats) do
    -- %.0f: Lua's default formatting keeps 14 digits, fewer than an epoch in microseconds has.
    local ttl = math.ceil((tat - now) / 1000) + tonumber(ARGV[6])
    redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', ttl)
end
return {0, 0}
"""

_SCOPES = {1: "API key", 2: "tenant"}

#: Seconds a Redis call may take (waiting for a connection, connecting, answering) before the
#: request is counted in-process instead. On a healthy network Redis answers in well under a
#: millisecond.
TIMEOUT_S = 0.25
#: Connections to Redis per process. More requests than this in flight wait for one (up to
#: TIMEOUT_S) instead of failing: redis-py's default pool refuses the 101st at once.
CONNECTIONS = 64
#: Seconds after a failure before Redis is asked again.
RETRY_INTERVAL_S = 1.0

log = get_logger(__name__)


def _arguments(limit: Limit | None) -> list[int]:
    return [0, 0] if limit is None else [limit.emission, limit.tolerance]


class RedisRateLimiter:
    def __init__(
        self,
        url: str,
        limits: Limits,
        *,
        prefix: str = "strongroom:ratelimit",
        now_us: Callable[[], int] | None = None,
        timeout: float = TIMEOUT_S,
        retry_interval: float = RETRY_INTERVAL_S,
    ) -> None:
        """`now_us`: a clock in microseconds for tests; None (the default): Redis's clock."""
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=CONNECTIONS,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        self.client: aioredis.Redis = aioredis.Redis.from_pool(pool)
        self.limits = limits
        self.prefix = prefix
        self._admit = self.client.register_script(ADMIT)
        self._limits = [*_arguments(limits.key), *_arguments(limits.tenant)]
        self._now_us = now_us
        # Redis expires a bucket by its own clock. A caller's clock (a test's) may run slower
        # than Redis's: keep its buckets a minute longer, lest one vanish before it is full.
        # Kept longer, a bucket decides the same: once full, a TAT in the past is no TAT.
        self._slack_ms = 1 if now_us is None else 60_000
        self._retry_interval = retry_interval
        self._local = MemoryRateLimiter(limits, now_us or monotonic_us)
        #: While Redis is failing: the monotonic time to ask it again at.
        self._down_until: float | None = None

    def bucket_keys(self, key: str, tenant: str) -> list[str]:
        return [f"{self.prefix}:{{{tenant}}}:key:{key}", f"{self.prefix}:{{{tenant}}}:tenant"]

    async def admit(self, key: str, tenant: str) -> None:
        # Past its retry time after a failure, this request finds out whether Redis is back.
        down_until = self._down_until
        probe = down_until is not None
        if down_until is not None and time.monotonic() < down_until:
            await self._local.admit(key, tenant)
            return
        now = "" if self._now_us is None else str(self._now_us())
        try:
            scope, wait = await self._admit(
                keys=self.bucket_keys(key, tenant), args=[*self._limits, now, self._slack_ms]
            )
        except (RedisError, OSError) as error:
            # redis-py raises its TimeoutError and ConnectionError (RedisError), and lets some
            # socket errors through as they are.
            self._failed(error)
            await self._local.admit(key, tenant)
            return
        # Only a probe ends an outage: a request sent before another one failed says nothing
        # of Redis now (and would make the log flap under load).
        if probe and self._down_until is not None:
            self._down_until = None
            log.info("rate limits: Redis answers again; the buckets are shared once more")
        if scope:
            raise RateLimited(_SCOPES[scope], wait / MICROSECONDS)

    def _failed(self, error: Exception) -> None:
        if self._down_until is None:
            log.warning(
                "rate limits: Redis failed; each process counts its own requests until it"
                " answers again",
                error=repr(error),
                retry_in_s=self._retry_interval,
            )
        self._down_until = time.monotonic() + self._retry_interval

    async def close(self) -> None:
        await self.client.aclose()
