"""Rate limits: a token bucket per API key and one per tenant, as GCRA (one number per bucket),
kept in this process (`MemoryRateLimiter`) or in Redis (`RedisRateLimiter`), shared by every
process that uses the same Redis. See docs/api.md, "Rate limits".

    limiter = MemoryRateLimiter(Limits(key=Limit(1000, 2000), tenant=Limit(5000, 10000)))
    await limiter.admit(key_id, tenant)  # or strongroom.errors.RateLimited

Platform layer: imports only the core modules and strongroom.logging; strongroom.bootstrap
builds a limiter from the settings, strongroom.services.access calls it.
"""

from strongroom.ratelimit.base import Limits, RateLimiter
from strongroom.ratelimit.gcra import Limit
from strongroom.ratelimit.memory import MemoryRateLimiter
from strongroom.ratelimit.redis import RedisRateLimiter

__all__ = ["Limit", "Limits", "MemoryRateLimiter", "RateLimiter", "RedisRateLimiter"]
