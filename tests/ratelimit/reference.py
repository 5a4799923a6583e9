"""The reference model the limiters are checked against: a token bucket as textbooks state it,
a token count refilled continuously, in exact fractions."""

from __future__ import annotations

import math
from fractions import Fraction

from strongroom.ratelimit.gcra import MICROSECONDS


class TokenBucket:
    """`burst` tokens, one coming back every `1 / rate` s (rounded up to a whole µs, as the
    limiters document); a request takes one."""

    def __init__(self, rate: float, burst: int) -> None:
        self.per_token = math.ceil(MICROSECONDS / rate)
        self.burst = burst
        self.tokens = Fraction(burst)
        self.last: int | None = None

    def wait(self, now: int) -> int:
        """Microseconds until a request at `now` would find a token; 0: one is there."""
        if self.last is not None:
            self.tokens = min(
                Fraction(self.burst), self.tokens + Fraction(now - self.last, self.per_token)
            )
        self.last = now
        return 0 if self.tokens >= 1 else math.ceil((1 - self.tokens) * self.per_token)

    def take(self) -> None:
        self.tokens -= 1


class Tenancy:
    """A bucket per key and one per tenant; a request takes from both or from neither."""

    def __init__(self, key: tuple[float, int], tenant: tuple[float, int]) -> None:
        self.key_limit, self.tenant_limit = key, tenant
        self.keys: dict[str, TokenBucket] = {}
        self.tenants: dict[str, TokenBucket] = {}

    def request(self, key: str, tenant: str, now: int) -> tuple[str, int] | None:
        """None: admitted; else what `RateLimited` should say: the scope, whole seconds."""
        key_bucket = self.keys.setdefault(key, TokenBucket(*self.key_limit))
        tenant_bucket = self.tenants.setdefault(tenant, TokenBucket(*self.tenant_limit))
        for scope, bucket in (("API key", key_bucket), ("tenant", tenant_bucket)):
            wait = bucket.wait(now)
            if wait:
                return scope, math.ceil(Fraction(wait, MICROSECONDS))
        key_bucket.take()
        tenant_bucket.take()
        return None
