"""Supervised workers: the tasks that take batches off the queue and run them.

Each worker has a slot (a per-process random base plus its number), which picks its bucket of
every split account (strongroom.ledger.buckets). A worker outlives whatever its batch raises:
an error that escapes a batch (a failed bucket resize after the callers had their results, or
a bug) is logged, the callers the batch had not answered get a StorageError, and the worker
starts over with the next batch. Otherwise the error would end the worker's task while the
queue still counted it as free, and once every worker had died, callers would wait forever.

Imports the queue and the settings; never the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from strongroom.errors import StorageError
from strongroom.ledger.engine.queue import Call, CallQueue
from strongroom.ledger.engine.settings import EngineSettings
from strongroom.logging import get_logger

_log = get_logger(__name__)

#: Runs one batch and answers its callers: the engine's part of a worker.
RunBatch = Callable[[list[Call], int], Awaitable[None]]


class Workers:
    """`settings.workers` tasks taking batches off `queue` and handing them to `run`."""

    def __init__(
        self, queue: CallQueue, run: RunBatch, settings: EngineSettings, slot_base: int
    ) -> None:
        self._queue = queue
        self._run = run
        self._settings = settings
        self._slot_base = slot_base
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0

    def start(self) -> None:
        for n in range(self._settings.workers):
            self._tasks.append(
                asyncio.create_task(self._work(self._slot_base + n), name=f"ledger-batcher-{n}")
            )

    async def close(self) -> None:
        """Refuse new calls, and return once the queued ones are answered."""
        self._queue.close()
        await asyncio.gather(*self._tasks)
        self._tasks.clear()

    async def _work(self, slot: int) -> None:
        queue = self._queue
        settings = self._settings
        while True:
            if not queue:
                if queue.closed:
                    return
                await queue.wait()
                continue
            if settings.max_wait > 0:
                await asyncio.sleep(settings.max_wait)
            free = max(1, len(self._tasks) - self._busy)
            calls = queue.take(settings.max_batch, free, settings.min_share)
            if not calls:
                continue
            self._busy += 1
            try:
                await self._run(calls, slot)
            except Exception as error:
                _log.exception("ledger batch failed unexpectedly", worker=slot, calls=len(calls))
                for call in calls:
                    failure = StorageError(f"the batch failed: {error}")
                    failure.__cause__ = error
                    call.fail(failure)
            finally:
                self._busy -= 1
