"""A clock tests move by hand, in microseconds, for the limiters that take one, and what a
limiter decides as the reference model says it."""

from __future__ import annotations

from strongroom.errors import RateLimited
from strongroom.ratelimit import RateLimiter

#: An epoch in microseconds, as Redis's TIME gives: the Lua script's doubles must stay exact.
EPOCH_US = 1_800_000_000 * 1_000_000


class FakeClock:
    def __init__(self, start: int = EPOCH_US) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += round(seconds * 1_000_000)


async def outcome(limiter: RateLimiter, key: str, tenant: str) -> tuple[str, int] | None:
    """None: admitted; else the refusal's scope and whole seconds."""
    try:
        await limiter.admit(key, tenant)
    except RateLimited as refused:
        return refused.scope, refused.retry_after
    return None
