"""Distributed locks with fencing tokens: PostgreSQL advisory locks (default) or Redis.

    async with locks.hold("account:123", ttl=10) as lease:
        async with engine.begin() as connection:
            await check_fence(connection, "account:123", lease.token)
            ...  # the guarded write

See docs/locks.md. Platform layer: imports nothing above it; `strongroom.bootstrap.open_locks`
builds a manager from a URL.
"""

from strongroom.locks.base import Lease, LockManager, LockTimeout, StaleToken
from strongroom.locks.fencing import check_fence
from strongroom.locks.postgres import PostgresLockManager
from strongroom.locks.redis import RedisLockManager

__all__ = [
    "Lease",
    "LockManager",
    "LockTimeout",
    "PostgresLockManager",
    "RedisLockManager",
    "StaleToken",
    "check_fence",
]
