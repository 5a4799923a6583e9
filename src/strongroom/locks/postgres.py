"""PostgreSQL locks: a session-level advisory lock on a dedicated connection, plus a per-key
counter row (`lock_fences`) incremented in the same statement for the fencing token.

The lock lives exactly as long as the session: it is released on exit, or by the server when
the connection dies, so `ttl` does not apply here. Advisory lock ids are database-wide, so the
key is hashed together with a namespace (the URL's schema by default) to keep two deployments
sharing one database apart. The SQL lives here rather than in strongroom.store because it
drives a database primitive, not the schema; the tables come from migration 0002_security.

Opens no connection of its own making: the composition root (strongroom.bootstrap) hands it a
function that creates the pool, so connection settings stay in strongroom.store.connections.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg

from strongroom.locks.base import Lease, LockTimeout

# The CTE takes the advisory lock before the counter row is touched, in one round trip.
ACQUIRE = """
WITH held AS (SELECT pg_advisory_lock($1))
INSERT INTO lock_fences (key, token) SELECT $2, 1 FROM held
ON CONFLICT (key) DO UPDATE SET token = lock_fences.token + 1
RETURNING token
"""


def lock_id(namespace: str, key: str) -> int:
    """A signed 64-bit advisory lock id. A collision only makes two keys contend, never share."""
    digest = hashlib.sha256(f"{namespace}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLockManager:
    def __init__(self, create_pool: Callable[[], Awaitable[asyncpg.Pool]], namespace: str) -> None:
        """`create_pool` opens the pool of lock sessions on first use (one connection per lock
        held); `namespace` keeps deployments sharing one database apart (bootstrap passes the
        URL's schema)."""
        self.namespace = namespace
        self._create_pool = create_pool
        self._pool: asyncpg.Pool | None = None

    async def _connections(self) -> asyncpg.Pool:
        if self._pool is None:
            self._pool = await self._create_pool()
        return self._pool

    @asynccontextmanager
    async def hold(
        self, key: str, *, ttl: float = 30.0, wait: float | None = None
    ) -> AsyncIterator[Lease]:
        pool = await self._connections()
        connection = await pool.acquire()
        advisory = lock_id(self.namespace, key)
        try:
            # Bounded wait: lock_timeout applies to advisory locks too (0 means wait forever).
            milliseconds = 0 if wait is None else max(1, int(wait * 1000))
            await connection.execute(f"SET lock_timeout = {milliseconds}")
            token = await connection.fetchval(ACQUIRE, advisory, key)
        except asyncpg.exceptions.LockNotAvailableError:
            await pool.release(connection)
            raise LockTimeout(key, wait or 0) from None
        except BaseException:
            # Releasing resets the session (pg_advisory_unlock_all), so no lock can leak.
            await pool.release(connection)
            raise
        try:
            yield Lease(key, int(token), f"pg:{connection.get_server_pid()}")
        finally:
            # If the session is gone, the server released its locks with it, and the pool
            # drops the dead connection on release.
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await connection.execute("SELECT pg_advisory_unlock($1)", advisory)
            await pool.release(connection)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
