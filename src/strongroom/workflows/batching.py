"""Many callers, one round trip. `GroupCommit`: writes applied by one transaction, each caller
awaiting its own outcome; while one batch commits the next one gathers, so batches grow with the
load and a lone caller waits for one transaction only. `Coalescer`: the same for reads, with no
task of its own to start or stop.

Imports the standard library only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Calls `write(items)` with what `submit` queued (at most `max_batch` at once, from
    `writers` concurrent writers); `write` returns one result per item, in order, or raises,
    which every caller of that batch then gets."""

    def __init__(
        self,
        name: str,
        write: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = 1000,
        writers: int = 1,
    ) -> None:
        self.name = name
        self._write = write
        self._max_batch = max_batch
        self._writers = writers
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0
        #: Batches written, and items in them.
        self.batches = 0
        self.items = 0

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._run(), name=f"{self.name}-writer-{n}")
                for n in range(self._writers)
            ]

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        while self._queue or self._busy:
            self._ready.set()
            await asyncio.sleep(0.001)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def submit(self, item: T) -> R:
        if not self._tasks:
            raise RuntimeError(f"{self.name}: not started")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        self._ready.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._ready.wait()
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            if not self._queue:
                self._ready.clear()
            if not batch:
                continue
            self._busy += 1
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            finally:
                self._busy -= 1
            self.batches += 1
            self.items += len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


class Coalescer(Generic[T, R]):
    """Concurrent `get(item)` calls share calls of `fetch(items)`, which returns one result per
    item, in order: the first caller fetches at once, those arriving meanwhile wait for the next
    fetch together."""

    def __init__(
        self, fetch: Callable[[Sequence[T]], Awaitable[Sequence[R]]], *, max_batch: int = 1000
    ) -> None:
        self._fetch = fetch
        self._max_batch = max_batch
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def get(self, item: T) -> R:
        return await self.request(item)

    def request(self, item: T) -> asyncio.Future[R]:
        """`get` begun now, awaited later: the fetch goes as soon as the caller yields, so the
        caller can do other work while it is under way."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                try:
                    results = await self._fetch([item for item, _ in batch])
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._task = None
