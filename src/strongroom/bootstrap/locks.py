"""Choosing and opening the distributed lock manager for a URL."""

from __future__ import annotations

import asyncpg

from strongroom.errors import ConfigurationError
from strongroom.locks import LockManager, PostgresLockManager, RedisLockManager
from strongroom.store.connections import create_pg_pool
from strongroom.store.urls import parse_url

#: Lock sessions one process may hold at once: each held lock keeps its own connection.
LOCK_SESSIONS = 16


def open_locks(url: str) -> LockManager:
    """A lock manager for `url`: redis:// (or rediss://, unix://) selects Redis, a PostgreSQL
    URL session-level advisory locks, namespaced by the URL's schema."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisLockManager(url)
    parsed = parse_url(url)
    if parsed.kind != "postgresql":
        raise ConfigurationError(f"locks need a PostgreSQL or Redis URL, not {url!r}")

    async def create_pool() -> asyncpg.Pool:
        return await create_pg_pool(parsed, min_size=0, max_size=LOCK_SESSIONS)

    return PostgresLockManager(create_pool, namespace=parsed.schema or "")
