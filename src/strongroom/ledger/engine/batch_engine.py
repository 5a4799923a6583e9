"""`BatchEngine`: group commit of concurrent create_transfers calls, run as named stages.

Callers' calls wait in the queue (queue.py) for a supervised worker (workers.py), which takes
them as one batch. The batch runs as attempts (attempt.py), each one transaction: admit the
batch, read and lock what its plan says (planning.py), run the rules (decision.py), write the
write set (writeset.py); or, on SQLite, one chained write whose rules ran before its admission
(chain.py). Then every caller gets its own slice of the results. A hot account is locked once
per batch instead of once per transfer; transient database failures rerun the whole batch and
never reach a caller. This module holds what the stages share between batches: the account
cache, the split accounts, the timestamps, the id-probing window and the figures.

Reads and writes through the ledger's ports; never imports the store.
"""

from __future__ import annotations

import asyncio
import math
import random
import uuid
from collections.abc import Sequence
from functools import partial
from typing import Final

from strongroom.clock import Clock
from strongroom.errors import StorageError, StrongroomError
from strongroom.ledger.buckets import BucketResize, BucketRow, SplitPolicy, group
from strongroom.ledger.engine.accounts import AccountCache
from strongroom.ledger.engine.attempt import (
    Attempt,
    Committed,
    Escalate,
    Outcome,
    Rerun,
    RollBack,
    RolledBack,
    Transient,
    backoff,
    classify,
    next_attempt,
    run_in_transaction,
)
from strongroom.ledger.engine.chain import Chain, Chains, Link, written
from strongroom.ledger.engine.decision import Decision, Timestamps, decide
from strongroom.ledger.engine.planning import Batch, plan
from strongroom.ledger.engine.queue import Call, CallQueue
from strongroom.ledger.engine.settings import EngineSettings
from strongroom.ledger.engine.spans import (
    batch_span,
    record_failure,
    record_outcome,
    submitter,
    write_span,
)
from strongroom.ledger.engine.workers import Workers
from strongroom.ledger.engine.writeset import deltas_overflowed, refused_ids, write_set
from strongroom.ledger.ports import (
    SEQ_BLOCK_BITS,
    Admission,
    ChainedResult,
    ChainedWrite,
    ChainedWriter,
    LedgerStore,
    LedgerTransaction,
    WriterOrder,
)
from strongroom.ledger.results import CreateTransferResult
from strongroom.ledger.stats import ContentionTracker, EngineStats
from strongroom.ledger.types import AccountFlags, Transfer
from strongroom.tracing import Actor

_HISTORY: Final = int(AccountFlags.HISTORY)


class BatchEngine:
    """Group commit for one ledger: `submit` queues a call and returns its results once its
    batch committed; `start` runs the workers, `close` drains the queue and stops them."""

    def __init__(self, store: LedgerStore, clock: Clock, settings: EngineSettings) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._queue = CallQueue()
        # Workers of different processes start at different buckets of a split account.
        self._workers = Workers(self._queue, self._run, settings, random.randrange(1 << 16))
        self._accounts = AccountCache(settings.account_cache)
        self._timestamps = Timestamps()
        self._chains = Chains()
        self.stats = EngineStats()
        self.contention = ContentionTracker()
        self._split = SplitPolicy(settings.split)
        self._buckets: dict[uuid.UUID, int] = {}
        self._split_by_int: dict[int, int] = {}
        self._buckets_read_at = -math.inf
        #: Loop time until which batches look their transfer ids up before the rules.
        self._probe_until = 0.0

    def start(self) -> None:
        self._workers.start()

    async def close(self) -> None:
        await self._workers.close()

    @property
    def buckets(self) -> dict[uuid.UUID, int]:
        """Split accounts and their bucket counts, as this process last read them."""
        return dict(self._buckets)

    async def refresh_buckets(self) -> None:
        """Read the split state all processes share: the bucket map the batches plan with, and
        what the split policy merges from."""
        accounts = await self._store.split_accounts()
        self._buckets = {a: s.buckets for a, s in accounts.items() if s.buckets > 1}
        self._split_by_int = {a.int: k for a, k in self._buckets.items()}
        self._buckets_read_at = asyncio.get_running_loop().time()
        self._split.refreshed(accounts, self._clock.now_ns())

    async def resize(
        self,
        account_id: uuid.UUID,
        buckets: int,
        cooldown: float = 0.0,
        *,
        pin: bool | None = None,
    ) -> bool:
        """Split an account over `buckets` rows (1 merges it back). By hand when `pin` is given:
        whatever the account's pin, which it sets (True) or clears (False). False when the
        account was resized within `cooldown` seconds, is pinned and `pin` is None, or its
        bucket count does not change."""
        return await self._resize(BucketResize(account_id, buckets, round(cooldown * 1e9), pin=pin))

    async def _resize(self, resize: BucketResize) -> bool:
        """Apply `resize` in a transaction of its own, then re-read the bucket map (whether or
        not it resized: another process may have)."""
        now = self._clock.now_ns()
        done = await run_in_transaction(self._store, lambda tx: tx.resize_buckets(resize, now))
        if done:
            self.stats.resizes += 1
        await self.refresh_buckets()
        return done

    @property
    def queue_depth(self) -> int:
        return self._queue.depth

    async def submit(
        self,
        transfers: Sequence[Transfer],
        metadata_json: Sequence[bytes | None],
        trace_id: str | None,
        actor: Actor | None,
    ) -> list[CreateTransferResult]:
        future: asyncio.Future[list[CreateTransferResult]]
        future = asyncio.get_running_loop().create_future()
        self._queue.put(Call(transfers, metadata_json, trace_id, actor, future, submitter()))
        return await future

    # -- a worker's batch -------------------------------------------------------------------

    async def _run(self, calls: list[Call], slot: int) -> None:
        """Run `calls` as one batch and answer them; then, after the callers have their results,
        record the split accounts found hot that are due (buckets.SplitPolicy) and apply the
        resizes the split policy asks for, each in a transaction of its own."""
        with batch_span(calls, slot):
            resizes = await self._answer(calls, slot)
        hot_at = self._split.due_hot()
        if hot_at:
            await run_in_transaction(self._store, lambda tx: tx.record_hot(hot_at))
        for resize in resizes:
            await self._resize(resize)

    async def _answer(self, calls: Sequence[Call], slot: int) -> list[BucketResize]:
        try:
            results, resizes = await self._execute(calls, slot)
        except StrongroomError as error:
            if len(calls) == 1:
                record_failure(error)
                calls[0].fail(error)
                return []
            # Keep one caller's unforeseen failure from failing its neighbours.
            resizes = []
            for call in calls:
                resizes.extend(await self._answer([call], slot))
            return resizes
        start = 0
        for call in calls:
            end = start + len(call.transfers)
            call.answer(results[start:end])
            start = end
        return resizes

    async def _execute(
        self, calls: Sequence[Call], slot: int
    ) -> tuple[list[CreateTransferResult], list[BucketResize]]:
        """Run `calls` as one batch, attempt after attempt until one commits: the results, and
        the bucket resizes its contention asks for."""
        batch = Batch.of(calls, self._settings.split)
        attempt = Attempt(probe=asyncio.get_running_loop().time() < self._probe_until)
        link = self._chains.link() if self._store.chained_writer is not None else None
        try:
            while True:
                outcome = await self._attempt(batch, slot, attempt, link)
                if isinstance(outcome, Committed):
                    break
                following = next_attempt(attempt, outcome)
                if isinstance(following, StorageError):
                    raise following
                await self._prepare(outcome, following, batch)
                attempt = following
        finally:
            if link is not None:
                link.hand_on(None)
        decision = outcome.decision
        return decision.outcome.results, self._count(decision, batch)

    async def _prepare(self, outcome: RolledBack, following: Attempt, batch: Batch) -> None:
        """Count a rolled-back attempt, and set up what the next one needs."""
        match outcome:
            case Rerun.CHAIN_MOVED:
                self.stats.chain_misses += 1
            case Rerun.REUSED_IDS:
                self._probe_ids()
            case Rerun.DELTAS_REFUSED:
                self.stats.retries += 1
            case Rerun.STALE_BUCKETS:
                self.stats.retries += 1
                self._buckets_read_at = -math.inf
            case Escalate():
                self.stats.escalations += 1
            case Transient():
                self.stats.retries += 1
                self.contention.record_retry(batch.hot_ids)
                await asyncio.sleep(backoff(following.failures))

    def _probe_ids(self) -> None:
        """A batch met a reused id: it reruns with its ids looked up first, and so do the next
        batches for a while, because callers that retry tend to retry many."""
        self.stats.reused_ids += 1
        self._probe_until = asyncio.get_running_loop().time() + self._settings.probe_ids_seconds

    def _count(self, decision: Decision, batch: Batch) -> list[BucketResize]:
        """Account for a committed batch: its figures, and the bucket resizes they ask for."""
        size = len(decision.transfers)
        self.stats.batches += 1
        self.stats.transfers += size
        self.stats.expired += len(decision.outcome.expired)
        self.stats.lock_wait_seconds += decision.lock_wait
        self.stats.batch_sizes.append(size)
        self.contention.record_batch(batch.hot_ids, decision.lock_wait)
        # Of the hot accounts only, so that a batch's split bookkeeping is O(hot accounts):
        # history accounts, and accounts that do not exist.
        balances = decision.balances
        unsplittable = set()
        for account in batch.hot_ids:
            state = balances.get(account.int)
            if state is None or state.flags & _HISTORY:
                unsplittable.add(account)
        return self._split.observe(batch.hot_ids, decision.lock_wait, decision.now, unsplittable)

    # -- an attempt ---------------------------------------------------------------------------

    async def _attempt(
        self, batch: Batch, slot: int, attempt: Attempt, link: Link | None
    ) -> Outcome:
        """One attempt at `batch`: chained behind the batch before when its rules can run on
        what that one leaves (first attempts only), else in a transaction of its own."""
        try:
            loop = asyncio.get_running_loop()
            if loop.time() - self._buckets_read_at > self._settings.bucket_refresh_seconds:
                await self.refresh_buckets()
            writer = self._store.chained_writer
            if link is not None and writer is not None and attempt.number == 0:
                chain = await link.previous
                if chain is not None and not attempt.probe and not self._chains.rolled_back(chain):
                    decision = self._decide_on_chain(batch, slot, chain)
                    if decision is not None:
                        with write_span(attempt, chained=True) as span:
                            outcome = await self._write_chained(
                                writer, batch, decision, chain, link
                            )
                            record_outcome(span, outcome)
                            return outcome
            with write_span(attempt, chained=False) as span:
                outcome = await self._in_transaction(batch, slot, attempt, link)
                record_outcome(span, outcome)
                return outcome
        except StrongroomError:
            raise
        except Exception as error:
            return classify(error, self._store, attempt.probe)

    async def _in_transaction(
        self, batch: Batch, slot: int, attempt: Attempt, link: Link | None
    ) -> Outcome:
        try:
            async with self._store.transaction() as tx:
                outcome = await self._admitted(tx, batch, slot, attempt, link)
                if not isinstance(outcome, Committed):
                    raise RollBack(outcome)
        except RollBack as rolled_back:
            return rolled_back.outcome
        return outcome

    async def _admitted(
        self,
        tx: LedgerTransaction,
        batch: Batch,
        slot: int,
        attempt: Attempt,
        link: Link | None,
    ) -> Outcome:
        """The attempt inside its transaction: admit, read and lock, decide, write."""
        now = self._clock.now_ns()
        # First: it admits the batch among the writers, after which no status can change.
        admission = await tx.admit_batch(now, self._settings.expire_per_batch)
        decided = await self._read_and_decide(tx, batch, slot, attempt, admission, now)
        if not isinstance(decided, Decision):
            return decided
        if decided.outcome.escalate:
            return Escalate(frozenset(decided.outcome.escalate))
        if not attempt.probe:
            refused = refused_ids(decided)
            if refused and await tx.load_transfers(refused):
                return Rerun.REUSED_IDS
        if deltas_overflowed(decided):
            return Rerun.DELTAS_REFUSED
        writes = write_set(batch.calls, decided)
        queued = None
        if link is not None and admission.order is not None and not link.next.done():
            # Once this batch's writes are queued, the next batch may run its rules while they
            # execute.
            left = Chain(
                admission.order,
                admission.block,
                admission.status_epoch,
                decided.plan.modes,
                written(decided.rows, writes.buckets),
            )
            queued = partial(link.hand_on, left)
        await tx.write_outcome(writes, now, queued)
        return Committed(decided)

    async def _read_and_decide(
        self,
        tx: LedgerTransaction,
        batch: Batch,
        slot: int,
        attempt: Attempt,
        admission: Admission,
        now: int,
    ) -> Decision | Rerun:
        """The batch's rules on what it reads and locks in `tx`."""
        self._accounts.follow(admission.status_epoch)
        refs = batch.touched.pending_refs
        peeked = await tx.peek_pendings(list(refs)) if refs else []
        touched = batch.touched.including([*admission.due, *peeked], attempt.escalated)
        await self._accounts.load(tx, touched.ids)
        planned = plan(
            touched,
            self._accounts.templates,
            batch.hot,
            self._split_by_int,
            slot,
            attempt.exact,
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        rows = group(await tx.lock_buckets(planned.whole, planned.pairs)) if planned.modes else {}
        lock_wait = loop.time() - started
        if planned.stale(rows):
            return Rerun.STALE_BUCKETS
        lock_ids = sorted({p.id for p in admission.due} | {p.id for p in peeked})
        locked = await tx.lock_pendings(lock_ids) if lock_ids else {}
        pendings = {i.int: p for i, p in locked.items()}
        transfers = batch.transfers
        probing = attempt.probe and transfers
        earlier = await tx.load_transfers([t.id for t in transfers]) if probing else {}
        existing = {i.int: t for i, t in earlier.items()}
        missing = [i for i in refs if i.int not in pendings and i.int not in existing]
        not_pending = {i.int for i in await tx.load_transfers(missing)} if missing else set()
        # Reserved with no await before the rules: concurrent workers of this process never
        # hand out the same nanosecond.
        first_timestamp = self._timestamps.reserve(now, len(transfers) + len(pendings) + len(refs))
        return decide(
            batch,
            planned,
            rows,
            now=now,
            first_seq=admission.block << SEQ_BLOCK_BITS,
            first_timestamp=first_timestamp,
            existing=existing,
            pendings=pendings,
            not_pending=not_pending,
            lock_wait=lock_wait,
        )

    # -- a chained attempt (engine/chain.py) ------------------------------------------------

    def _decide_on_chain(self, batch: Batch, slot: int, chain: Chain) -> Decision | None:
        """The batch's rules run now, before its admission, on what `chain` leaves; None when
        the batch needs anything the chain does not tell (pending transfers, accounts not
        cached, rows the predecessor did not lock) or a bucket it would not lock."""
        touched = batch.touched
        accounts = self._accounts
        if touched.pending_refs or chain.status_epoch != accounts.status_epoch:
            return None
        if not accounts.covers(touched.ids):
            return None
        planned = plan(touched, accounts.templates, batch.hot, self._split_by_int, slot, False)
        rows: dict[uuid.UUID, list[BucketRow]] = {}
        for a, mode in planned.modes.items():
            account_id = touched.ids[a]
            found = chain.rows_for(account_id, mode)
            if found is None:
                return None
            rows[account_id] = found
        now = self._clock.now_ns()
        decision = decide(
            batch,
            planned,
            rows,
            now=now,
            first_seq=(chain.block + 1) << SEQ_BLOCK_BITS,
            first_timestamp=self._timestamps.reserve(now, len(batch.transfers)),
            existing={},
            pendings={},
            not_pending=set(),
        )
        return None if decision.outcome.escalate else decision

    async def _write_chained(
        self,
        writer: ChainedWriter,
        batch: Batch,
        decision: Decision,
        chain: Chain,
        link: Link,
    ) -> Outcome:
        """Write a batch whose rules ran on `chain`, in a transaction that checks the chain held."""
        if self._chains.rolled_back(chain):
            # The batch before rolled back while these rules ran.
            return Rerun.CHAIN_MOVED
        if deltas_overflowed(decision):
            return Rerun.DELTAS_REFUSED
        writes = write_set(batch.calls, decision)
        block = chain.block + 1
        mine: list[int] = []
        left = written(decision.rows, writes.buckets)
        modes = decision.plan.modes

        def queued(order: WriterOrder) -> None:
            mine.append(order.transaction)
            link.hand_on(Chain(order, block, chain.status_epoch, modes, left))

        result: ChainedResult = "moved"
        try:
            result = await writer.write_chained(
                ChainedWrite(
                    after=chain.order.transaction,
                    data_version=chain.order.data_version,
                    block=block,
                    status_epoch=chain.status_epoch,
                    now=decision.now,
                    refused=refused_ids(decision),
                    writes=writes,
                ),
                queued,
            )
        finally:
            if result != "written":
                # The chain handed on is dead: the batch after this one must not build on it.
                self._chains.roll_back(mine)
        if result == "moved":
            return Rerun.CHAIN_MOVED
        if result == "reused":
            return Rerun.REUSED_IDS
        self.stats.chained += 1
        return Committed(decision)
