"""The batching engine: group commit of concurrent create_transfers calls.

Callers enqueue their transfers and wait. A worker drains the queue into one batch (callers'
transfers stay contiguous and in arrival order), runs it in one database transaction, and
resolves every caller with its own slice of the results. A hot account is then locked once per
batch instead of once per transfer. Transient database failures retry the whole batch; they
never reach a caller.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from strongroom.clock import Clock
from strongroom.errors import StorageError
from strongroom.ids import NIL
from strongroom.ledger import events
from strongroom.ledger.results import CreateTransferResult as TR
from strongroom.ledger.rules import BatchState, apply_transfers
from strongroom.ledger.types import Transfer, TransferFlags
from strongroom.store.ledger_store import SEQ_BLOCK_BITS, LedgerStore, LedgerTransaction
from strongroom.tracing import Actor

_RESOLVES = TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING
_MAX_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class EngineSettings:
    #: Most transfers in one database transaction (several callers' calls together).
    max_batch: int = 8190 * 2
    #: Extra time a worker waits for more callers before it runs a small batch. Zero is best
    #: under load: callers that arrive while a batch is in flight form the next one anyway.
    max_wait: float = 0.0
    #: Batches in flight at once (one transaction and connection each).
    workers: int = 1
    #: Most due pending transfers one batch expires.
    expire_per_batch: int = 1000


@dataclass(slots=True)
class _Call:
    transfers: Sequence[Transfer]
    metadata_json: Sequence[bytes | None]
    trace_id: str | None
    actor: Actor | None
    future: asyncio.Future[list[TR]]


@dataclass(slots=True)
class EngineStats:
    batches: int = 0
    transfers: int = 0
    retries: int = 0
    expired: int = 0
    batch_sizes: deque[int] = field(default_factory=lambda: deque(maxlen=10_000))


class BatchEngine:
    def __init__(self, store: LedgerStore, clock: Clock, settings: EngineSettings) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._queue: deque[_Call] = deque()
        self._wakeup = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._last_timestamp = 0
        self._closing = False
        self.stats = EngineStats()

    def start(self) -> None:
        for n in range(self._settings.workers):
            self._workers.append(asyncio.create_task(self._work(), name=f"ledger-batcher-{n}"))

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()

    @property
    def queue_depth(self) -> int:
        return sum(len(c.transfers) for c in self._queue)

    async def submit(
        self,
        transfers: Sequence[Transfer],
        metadata_json: Sequence[bytes | None],
        trace_id: str | None,
        actor: Actor | None,
    ) -> list[TR]:
        if self._closing:
            raise StorageError("the ledger is closed")
        future: asyncio.Future[list[TR]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Call(transfers, metadata_json, trace_id, actor, future))
        self._wakeup.set()
        return await future

    async def _work(self) -> None:
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if self._settings.max_wait > 0:
                await asyncio.sleep(self._settings.max_wait)
            calls = self._take()
            if calls:
                await self._run(calls)

    def _take(self) -> list[_Call]:
        calls: list[_Call] = []
        size = 0
        queue = self._queue
        while queue and (not calls or size + len(queue[0].transfers) <= self._settings.max_batch):
            call = queue.popleft()
            calls.append(call)
            size += len(call.transfers)
        return calls

    async def _run(self, calls: list[_Call]) -> None:
        try:
            results = await self.execute(calls)
        except Exception as error:
            if len(calls) > 1:
                # Keep one caller's unforeseen failure from failing its neighbours.
                for call in calls:
                    await self._run([call])
                return
            if not calls[0].future.done():
                calls[0].future.set_exception(error)
            return
        start = 0
        for call in calls:
            end = start + len(call.transfers)
            if not call.future.done():
                call.future.set_result(results[start:end])
            start = end

    async def execute(self, calls: Sequence[_Call]) -> list[TR]:
        """Run `calls` as one transaction, retrying transient failures; the batch's results."""
        attempt = 0
        while True:
            try:
                async with self._store.transaction() as tx:
                    return await self._apply(tx, calls)
            except Exception as error:
                attempt += 1
                if not self._store.is_transient(error) or attempt >= _MAX_ATTEMPTS:
                    raise
                self.stats.retries += 1
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt, 10)))

    async def _apply(self, tx: LedgerTransaction, calls: Sequence[_Call]) -> list[TR]:
        transfers: list[Transfer] = []
        metadata: list[bytes | None] = []
        for call in calls:
            transfers.extend(call.transfers)
            metadata.extend(call.metadata_json)
        now = self._clock.now_ns()
        account_ids: set[uuid.UUID] = set()
        pending_refs: set[uuid.UUID] = set()
        for t in transfers:
            if t.flags & _RESOLVES:
                if t.pending_id is not None:
                    pending_refs.add(t.pending_id)
            else:
                account_ids.add(t.debit_account_id)
                account_ids.add(t.credit_account_id)
        due = await tx.due_pendings(now, self._settings.expire_per_batch)
        peeked = await tx.peek_pendings(list(pending_refs)) if pending_refs else []
        for p in (*due, *peeked):
            account_ids.add(p.debit_account_id)
            account_ids.add(p.credit_account_id)
        account_ids.discard(NIL)
        balances = await tx.lock_balances(sorted(account_ids)) if account_ids else {}
        lock_ids = sorted({p.id for p in due} | {p.id for p in peeked})
        pendings = await tx.lock_pendings(lock_ids) if lock_ids else {}
        existing = await tx.load_transfers([t.id for t in transfers]) if transfers else {}
        missing = [i for i in pending_refs if i not in pendings and i not in existing]
        not_pending = set((await tx.load_transfers(missing)).keys()) if missing else set()
        block = await tx.allocate_seq_block()
        first_timestamp = max(now, self._last_timestamp + 1)
        state = BatchState(
            balances=balances,
            existing=existing,
            pendings=pendings,
            not_pending=not_pending,
            now=now,
            first_seq=block << SEQ_BLOCK_BITS,
            first_timestamp=first_timestamp,
        )
        outcome = apply_transfers(transfers, metadata, state)
        envelopes = events.pending_expired(outcome.expired, now)
        created = iter(outcome.transfers)
        position = 0
        for call in calls:
            for result in outcome.results[position : position + len(call.transfers)]:
                if result is TR.OK:
                    envelopes.append(
                        events.transfer_created(next(created), call.trace_id, call.actor)
                    )
            position += len(call.transfers)
        changed = [b for b in balances.values() if b.changed]
        await tx.write_outcome(outcome, changed, events.encode(envelopes), now)
        self._last_timestamp = first_timestamp + len(outcome.transfers) + len(outcome.expired)
        self.stats.batches += 1
        self.stats.transfers += len(transfers)
        self.stats.expired += len(outcome.expired)
        self.stats.batch_sizes.append(len(transfers))
        return outcome.results
