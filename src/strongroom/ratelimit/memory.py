"""Buckets kept in this process: each server process enforces its own limits.

One dict entry per API key and per tenant that has made a request. Only authenticated callers
reach the limiter, so the entries are bounded by the keys and tenants that exist; an entry whose
TAT has passed is a full bucket, as a missing one is.
"""

from __future__ import annotations

from collections.abc import Callable

from strongroom.errors import RateLimited
from strongroom.ratelimit.base import Limits, monotonic_us
from strongroom.ratelimit.gcra import MICROSECONDS, step


class MemoryRateLimiter:
    def __init__(self, limits: Limits, now_us: Callable[[], int] = monotonic_us) -> None:
        """`now_us`: the clock, in microseconds (tests pass a fake one)."""
        self.limits = limits
        self._now_us = now_us
        self._keys: dict[str, int] = {}
        self._tenants: dict[str, int] = {}

    async def admit(self, key: str, tenant: str) -> None:
        self.spend(key, tenant, self._now_us())

    def spend(self, key: str, tenant: str, now: int) -> None:
        """`admit` at `now`. Synchronous: no other request runs between the checks and the
        writes, so both buckets are spent or neither."""
        key_limit, tenant_limit = self.limits.key, self.limits.tenant
        key_tat = 0
        if key_limit is not None:
            key_tat, wait = step(self._keys.get(key, 0), now, key_limit)
            if wait:
                raise RateLimited("API key", wait / MICROSECONDS)
        if tenant_limit is not None:
            tenant_tat, wait = step(self._tenants.get(tenant, 0), now, tenant_limit)
            if wait:
                raise RateLimited("tenant", wait / MICROSECONDS)
            self._tenants[tenant] = tenant_tat
        if key_limit is not None:
            self._keys[key] = key_tat

    async def close(self) -> None:
        """Nothing to release; here to be closed as any limiter is."""
