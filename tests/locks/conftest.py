"""Run lock contenders (tests/locks/contender.py) as separate OS processes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

CONTENDER = Path(__file__).with_name("contender.py")

Contend = Callable[[str, str, str, int], Awaitable[list[int]]]


@pytest.fixture
def contend(tmp_path: Path) -> Contend:
    """`await contend(backend, lock_url, key, rounds)`: two processes each take the lock `key`
    `rounds` times and append their token to one shared file; returns the file's final list."""

    async def run(backend: str, lock_url: str, key: str, rounds: int) -> list[int]:
        shared = tmp_path / "tokens.json"
        shared.write_text("[]")
        args = [str(CONTENDER), "count", backend, lock_url, key, str(shared), str(rounds)]
        processes = [await asyncio.create_subprocess_exec(sys.executable, *args) for _ in "ab"]
        codes = await asyncio.gather(*(process.wait() for process in processes))
        assert codes == [0, 0]
        tokens: list[int] = json.loads(shared.read_text())
        return tokens

    return run


class Stale:
    """A contender process that takes the lock, then pauses until told to write."""

    def __init__(self, process: asyncio.subprocess.Process, token: int, holder: str) -> None:
        self.process = process
        self.token = token
        self.holder = holder

    async def write(self) -> str:
        """Resume the paused holder: it attempts its fenced write; returns its verdict."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()
        verdict = (await self.process.stdout.readline()).decode().strip()
        assert await self.process.wait() == 0
        return verdict


StartStale = Callable[[str, str, str, str, str, float], Awaitable[Stale]]


@pytest.fixture
def start_stale() -> StartStale:
    """`await start_stale(backend, lock_url, key, db_url, resource, ttl)` -> a paused holder."""

    async def start(
        backend: str, lock_url: str, key: str, db_url: str, resource: str, ttl: float
    ) -> Stale:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CONTENDER),
            "stale",
            backend,
            lock_url,
            key,
            db_url,
            resource,
            str(ttl),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        word, token, holder = (await process.stdout.readline()).decode().split()
        assert word == "acquired"
        return Stale(process, int(token), holder)

    return start
