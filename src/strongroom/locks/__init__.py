"""Distributed locks with fencing tokens: PostgreSQL advisory locks (default) or Redis.

    async with locks.hold("account:123", ttl=10) as lease:
        async with engine.begin() as connection:
            await check_fence(connection, "account:123", lease.token)
            ...  # the guarded write

See docs/locks.md. Platform layer: must not import services, api or cli; from the store it uses
only strongroom.store.urls.
"""

from strongroom.locks.base import Lease, LockManager, LockTimeout, StaleToken
from strongroom.locks.fencing import check_fence
from strongroom.locks.postgres import PostgresLockManager
from strongroom.locks.redis import RedisLockManager
from strongroom.store.urls import parse_url


def open_lock_manager(url: str) -> LockManager:
    """A lock manager for `url`: redis:// (or rediss://) selects Redis, a PostgreSQL URL the
    advisory-lock backend."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisLockManager(url)
    return PostgresLockManager(parse_url(url))


__all__ = [
    "Lease",
    "LockManager",
    "LockTimeout",
    "PostgresLockManager",
    "RedisLockManager",
    "StaleToken",
    "check_fence",
    "open_lock_manager",
]
