"""A lock contender run as its own OS process by the lock tests.

contender.py count BACKEND LOCK_URL KEY FILE ROUNDS
    ROUNDS times: under the lock, read a JSON list from FILE, yield, append the lease's
    token, write it back (a non-atomic read-modify-write that only the lock makes safe).
contender.py stale BACKEND LOCK_URL KEY DB_URL RESOURCE TTL
    Take the lock, print "acquired TOKEN HOLDER", wait for a line on stdin (paused: the lease
    may expire or be cut off meanwhile), then try a fenced write and print "accepted" or
    "refused".
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from strongroom.bootstrap import open_locks
from strongroom.locks import LockManager, StaleToken
from strongroom.locks.fencing import check_fence
from strongroom.store.connections import sqlalchemy_engine as create_engine
from strongroom.store.urls import parse_url


def read_tokens(file: Path) -> list[int]:
    tokens: list[int] = json.loads(file.read_text())
    return tokens


def write_tokens(file: Path, tokens: list[int]) -> None:
    file.write_text(json.dumps(tokens))


async def count(locks: LockManager, key: str, file: Path, rounds: int) -> None:
    for _ in range(rounds):
        async with locks.hold(key, ttl=30, wait=60) as lease:
            tokens = read_tokens(file)
            await asyncio.sleep(0.001)  # widen the window a missing lock would let through
            write_tokens(file, [*tokens, lease.token])


async def stale(locks: LockManager, key: str, db_url: str, resource: str, ttl: float) -> None:
    engine = create_engine(parse_url(db_url))
    try:
        async with locks.hold(key, ttl=ttl, wait=30) as lease:
            print("acquired", lease.token, lease.holder, flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            try:
                async with engine.begin() as connection:
                    await check_fence(connection, resource, lease.token)
                print("accepted", flush=True)
            except StaleToken:
                print("refused", flush=True)
    finally:
        await engine.dispose()


async def main(argv: list[str]) -> None:
    # argv[1] names the backend for the reader of a process list; the URL selects it.
    mode, _backend, url, key = argv[:4]
    locks = open_locks(url)
    try:
        if mode == "count":
            await count(locks, key, Path(argv[4]), int(argv[5]))
        else:
            await stale(locks, key, argv[4], argv[5], float(argv[6]))
    finally:
        await locks.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
