"""The lock interface shared by every backend: a lease on a key, with a fencing token.

A lease can outlive its holder's knowledge (a process paused past a Redis TTL, a PostgreSQL
session cut off): mutual exclusion alone does not make a write safe. Each lease therefore carries
a fencing token, strictly greater than every token handed out before for that key; a guarded
resource accepts a write only with a token at least as high as the highest it has seen
(strongroom.locks.fencing).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from strongroom.errors import Conflict


@dataclass(frozen=True, slots=True)
class Lease:
    key: str
    #: Fencing token: increases by one with every acquisition of `key`.
    token: int
    #: Who holds it: the random value stored in Redis, or the PostgreSQL backend pid.
    holder: str


class LockTimeout(Conflict):
    """The lock was not acquired within the caller's timeout."""

    code = "lock_timeout"

    def __init__(self, key: str, wait: float) -> None:
        super().__init__(f"lock {key!r} not acquired within {wait} s")
        self.key = key
        self.wait = wait


class StaleToken(Conflict):
    """A write fenced with a token lower than one the resource has already seen: the writer's
    lease was lost (expired or taken over) and the write is refused."""

    code = "stale_fencing_token"

    def __init__(self, resource: str, token: int) -> None:
        super().__init__(f"fencing token {token} for {resource!r} is stale: the lease was lost")
        self.resource = resource
        self.token = token


class LockManager(Protocol):
    def hold(
        self, key: str, *, ttl: float = 30.0, wait: float | None = None
    ) -> AbstractAsyncContextManager[Lease]:
        """Acquire `key` (waiting at most `wait` seconds, forever if None), yield the lease,
        release on exit. `ttl` bounds how long a lease outlives a holder that stops renewing
        (Redis); on PostgreSQL the lease lives as long as the holder's session."""
        ...

    async def close(self) -> None: ...
