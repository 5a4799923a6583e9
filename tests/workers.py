"""Worker processes for failure-injection tests: `strongroom worker intents` started, SIGKILLed
and restarted from a test, running the code under test; and a plain connection to a test's
PostgreSQL schema for reading tables whole."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import sys
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg

import strongroom

STRONGROOM = str(Path(sys.executable).parent / "strongroom")
#: The src directory this test imports strongroom from: the workers must run the same code.
SOURCE = str(Path(strongroom.__file__).resolve().parents[1])


class Worker:
    """One `strongroom worker intents` process, restarted after each kill."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ready.clear()
        self.process = await asyncio.create_subprocess_exec(
            STRONGROOM,
            "worker",
            "intents",
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self._reader = asyncio.create_task(self._read(self.process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        line = await process.stdout.readline()
        if line.startswith(b"running"):
            self.ready.set()
        # Keep draining, so a chatty worker never blocks on a full pipe.
        while await process.stdout.readline():
            pass

    async def kill(self) -> None:
        assert self.process is not None
        self.ready.clear()
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        if self._reader is not None:
            await self._reader

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            await self.kill()
        if self._reader is not None:
            await self._reader


async def kill_while_working(
    workers: list[Worker],
    rng: random.Random,
    progress: Callable[[], Awaitable[float]],
    *,
    seconds: float,
    at_least: int,
    stop_at: float = 0.9,
) -> int:
    """SIGKILL one of the running `workers` every 200-500 ms (restarting it) for at most
    `seconds`, until `progress()` (the fraction of the work done) reaches `stop_at` and `at_least`
    kills have happened, or the work is all done; the number of kills.

    Until `at_least` kills, any running worker may be the victim, even the last one: the work
    finishing before the kills land would make the test prove nothing. After that one worker is
    kept alive between kills, as a process takes seconds to start and the queue would not move
    with every one of them starting."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    kills = 0
    while loop.time() < until:
        done = await progress()
        if done >= 1 or (done >= stop_at and kills >= at_least):
            break
        await asyncio.sleep(rng.uniform(0.2, 0.5))
        ready = [w for w in workers if w.ready.is_set()]
        if len(ready) >= 2 or (ready and kills < at_least):
            victim = rng.choice(ready)
            await victim.kill()
            kills += 1
            await victim.start()
    return kills


@contextlib.asynccontextmanager
async def database(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection to the test's schema, for reading the tables whole."""
    parts = urllib.parse.urlsplit(url)
    schema = urllib.parse.parse_qs(parts.query)["schema"][0]
    base = urllib.parse.urlunsplit(parts._replace(query=""))
    connection = await asyncpg.connect(base, server_settings={"search_path": schema})
    try:
        yield connection
    finally:
        await connection.close()
