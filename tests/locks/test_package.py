from __future__ import annotations

from strongroom.bootstrap import open_locks as open_lock_manager
from strongroom.locks import PostgresLockManager, RedisLockManager


async def test_the_url_scheme_picks_the_backend(redis_url: str, pg_url: str) -> None:
    redis_locks = open_lock_manager(redis_url)
    pg_locks = open_lock_manager(pg_url)
    try:
        assert isinstance(redis_locks, RedisLockManager)
        assert isinstance(pg_locks, PostgresLockManager)
        assert pg_locks.namespace == pg_url.rsplit("schema=", 1)[1]
    finally:
        await redis_locks.close()
        await pg_locks.close()
