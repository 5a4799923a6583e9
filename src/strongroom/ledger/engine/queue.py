"""The engine's queue: callers' calls waiting for a worker, and how a worker takes a batch.

A batch is a run of whole calls from the head of the queue, so a caller's transfers stay
contiguous and in order (a linked chain never spans two calls). Imports no other stage, and
nothing that reaches a database.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry.trace import SpanContext

from strongroom.errors import StorageError
from strongroom.ledger.results import CreateTransferResult
from strongroom.ledger.types import Transfer
from strongroom.tracing import Actor


@dataclass(slots=True)
class Call:
    """One `create_transfers` call waiting for its results."""

    transfers: Sequence[Transfer]
    metadata_json: Sequence[bytes | None]
    trace_id: str | None
    actor: Actor | None
    future: asyncio.Future[list[CreateTransferResult]]
    #: The span the call was queued from, when tracing (engine/spans.py).
    span: SpanContext | None = None

    def answer(self, results: list[CreateTransferResult]) -> None:
        if not self.future.done():
            self.future.set_result(results)

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class CallQueue:
    """Calls in arrival order; workers wait on it and take batches off its head."""

    def __init__(self) -> None:
        self._calls: deque[Call] = deque()
        self._wakeup = asyncio.Event()
        self.closed = False

    def __len__(self) -> int:
        return len(self._calls)

    @property
    def depth(self) -> int:
        """Transfers waiting."""
        return sum(len(c.transfers) for c in self._calls)

    def put(self, call: Call) -> None:
        if self.closed:
            raise StorageError("the ledger is closed")
        self._calls.append(call)
        self._wakeup.set()

    def close(self) -> None:
        """Refuse new calls; the workers drain the ones queued, then stop."""
        self.closed = True
        self._wakeup.set()

    async def wait(self) -> None:
        """Until a call arrives or the queue closes."""
        self._wakeup.clear()
        await self._wakeup.wait()

    def take(self, max_batch: int, free_workers: int, min_share: int) -> list[Call]:
        """The next batch: at most `max_batch` transfers (but at least one call), and with
        several workers free only an equal share of the queue (at least `min_share`), so that
        one batch's database time overlaps the next one's Python time instead of idling."""
        calls = self._calls
        limit = max_batch
        if free_workers > 1:
            limit = min(limit, max(min_share, -(-self.depth // free_workers)))
        batch: list[Call] = []
        size = 0
        while calls and (not batch or size + len(calls[0].transfers) <= limit):
            call = calls.popleft()
            batch.append(call)
            size += len(call.transfers)
        return batch
