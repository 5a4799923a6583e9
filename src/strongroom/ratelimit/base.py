"""What every rate limiter is: the limits it enforces, and the one call a request makes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from strongroom.ratelimit.gcra import Limit


@dataclass(frozen=True, slots=True)
class Limits:
    """The limit of each API key and the one all the keys of a tenant share; None: unlimited."""

    key: Limit | None
    tenant: Limit | None


class RateLimiter(Protocol):
    async def admit(self, key: str, tenant: str) -> None:
        """Spend one request from the bucket of API key `key` and from that of `tenant`: from
        both or, when one is empty, from neither (strongroom.errors.RateLimited, naming the
        empty one; the key's is checked first)."""
        ...

    async def close(self) -> None: ...


def monotonic_us() -> int:
    """The clock of the buckets one process keeps: monotonic, so that setting the wall clock
    back does not hold every bucket shut until it catches up."""
    return time.monotonic_ns() // 1000
