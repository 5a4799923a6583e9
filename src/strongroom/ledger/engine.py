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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from strongroom.clock import Clock
from strongroom.errors import StorageError, StrongroomError
from strongroom.ids import NIL
from strongroom.ledger import events
from strongroom.ledger.buckets import (
    ALL,
    BucketRow,
    BucketWrite,
    SplitPolicy,
    SplitSettings,
    choose,
    group,
    view,
    write_back,
)
from strongroom.ledger.chain import Chain, written
from strongroom.ledger.ports import (
    DELTA_CAP,
    SEQ_BLOCK_BITS,
    Admission,
    ChainedResult,
    ChainedWrite,
    ChainedWriter,
    DeltasRefused,
    LedgerStore,
    LedgerTransaction,
    OutboxRow,
    PostedDelta,
    WriterOrder,
)
from strongroom.ledger.results import CreateTransferResult as TR
from strongroom.ledger.rules import (
    BalanceState,
    BatchOutcome,
    BatchState,
    PendingRecord,
    apply_transfers,
)
from strongroom.ledger.stats import ContentionTracker, EngineStats
from strongroom.ledger.types import (
    STATUS_BY_VALUE,
    AccountFlags,
    AccountStatus,
    Transfer,
    TransferFlags,
)
from strongroom.money import AMOUNT_MAX
from strongroom.tracing import Actor

_RESOLVES = int(TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
_PENDING = int(TransferFlags.PENDING)
_HISTORY = int(AccountFlags.HISTORY)
_BALANCING = int(TransferFlags.BALANCING_DEBIT | TransferFlags.BALANCING_CREDIT)
#: Accounts whose rules read the counters (limits, history) are always locked and read.
_NEEDS_COUNTERS = int(
    AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    | AccountFlags.HISTORY
)
_OK = TR.OK
_OVERFLOWS = frozenset(r for r in TR if r.name.startswith("OVERFLOWS_"))
#: A transfer up to this amount cannot overflow a delta account's counters, which stay at most
#: DELTA_CAP; larger ones lock their accounts. So the rules' verdicts on delta accounts are
#: the exact ones whenever the deltas themselves do not overflow.
DELTA_SAFE_AMOUNT = AMOUNT_MAX - DELTA_CAP
_MAX_ATTEMPTS = 20
T = TypeVar("T")
#: BalanceState's arguments for an account with zero counters: how the engine caches accounts,
#: so that a batch builds a delta account's state with one call.
_ZeroState = tuple[uuid.UUID, str, int, int, AccountStatus, str, int, int, int, int]


@dataclass(frozen=True, slots=True)
class EngineSettings:
    #: Most transfers in one database transaction (several callers' calls together).
    max_batch: int = 8190 * 2
    #: Extra time a worker waits for more callers before it runs a small batch. Zero is best
    #: under load: callers that arrive while a batch is in flight form the next one anyway.
    max_wait: float = 0.0
    #: Batches in flight at once (one transaction and connection each).
    workers: int = 1
    #: With several workers free, each takes an equal share of the queue, but not less.
    min_share: int = 500
    #: Most due pending transfers one batch expires.
    expire_per_batch: int = 1000
    #: Splitting hot accounts over several bucket rows (strongroom.ledger.buckets).
    split: SplitSettings = field(default_factory=SplitSettings)
    #: How often the engine re-reads which accounts are split, in seconds.
    bucket_refresh_seconds: float = 1.0
    #: Most accounts whose static fields (ledger, flags, tenant, status) a process keeps.
    account_cache: int = 200_000
    #: After a batch reused a stored transfer id, batches look their ids up before the rules
    #: for this long (seconds); otherwise only refused transfers' ids are looked up, and the
    #: log's unique index catches the rest (docs/ledger-engine.md, "Idempotency").
    probe_ids_seconds: float = 10.0


def default_engine(kind: str) -> EngineSettings:
    """The engine settings a ledger on `kind` ("sqlite" or "postgresql") runs with."""
    if kind == "sqlite":
        # Two workers: one batch runs its rules while the other writes (strongroom.ledger.chain).
        # One writer: splitting an account cannot let two batches write at once there.
        return EngineSettings(workers=2, split=SplitSettings(enabled=False))
    return EngineSettings(workers=2)


@dataclass(slots=True)
class _Call:
    transfers: Sequence[Transfer]
    metadata_json: Sequence[bytes | None]
    trace_id: str | None
    actor: Actor | None
    future: asyncio.Future[list[TR]]


async def run_in_transaction(
    store: LedgerStore, work: Callable[[LedgerTransaction], Awaitable[T]]
) -> T:
    """Run `work` in one transaction, again on transient failures (deadlock, serialization,
    a concurrent writer of the same id); other database failures become StorageError."""
    attempt = 0
    while True:
        try:
            async with store.transaction() as tx:
                return await work(tx)
        except StrongroomError:
            raise
        except Exception as error:
            attempt += 1
            if not store.is_transient(error) or attempt >= _MAX_ATTEMPTS:
                raise StorageError(f"failed after {attempt} attempts: {error}") from error
            await asyncio.sleep(_backoff(attempt))


def _backoff(attempt: int) -> float:
    return random.uniform(0, 0.002 * min(attempt, 10))


def _uuid_int(value: uuid.UUID) -> int:
    return value.int


def _pair_key(pair: tuple[uuid.UUID, int]) -> tuple[int, int]:
    return (pair[0].int, pair[1])


def _delta_key(delta: PostedDelta) -> int:
    return delta[0].int


class _Escalate(Exception):
    """A single-bucket view refused a transfer the whole balance might allow."""

    def __init__(self, accounts: set[uuid.UUID]) -> None:
        super().__init__(f"{len(accounts)} accounts need all their buckets")
        self.accounts = accounts


class _StaleBuckets(Exception):
    """A bucket row this process expected is gone: another process merged the account."""


class _ChainMoved(Exception):
    """A batch's admission was not the one its early rules assumed (strongroom.ledger.chain)."""


class _ReusedIds(Exception):
    """A transfer the rules refused has an id already in the log: its result is `exists` (or
    a difference), which only a run with the ids looked up first can tell."""


@dataclass(slots=True)
class _Touched:
    """What a batch's transfers touch. Accounts are keyed by UUID.int (UUID.__hash__ is a
    Python-level method); `ids` gives back the UUID for the store and the metrics."""

    ids: dict[int, uuid.UUID] = field(default_factory=dict)
    #: How many of the batch's transfers name each account (hot accounts).
    touches: dict[int, int] = field(default_factory=dict)
    #: Accounts whose every bucket the batch locks (reservations live in bucket 0).
    whole: set[int] = field(default_factory=set)
    #: Accounts the rules must see with their real counters (balancing, huge amounts).
    exact: set[int] = field(default_factory=set)
    #: Pending transfers the batch posts or voids.
    pending_refs: set[uuid.UUID] = field(default_factory=set)


def _touched(transfers: Sequence[Transfer], escalated: set[uuid.UUID]) -> _Touched:
    out = _Touched(whole={a.int for a in escalated})
    ids, touches, whole, exact = out.ids, out.touches, out.whole, out.exact
    for t in transfers:
        flags = int(t.flags)
        if flags & _RESOLVES:
            if t.pending_id is not None:
                out.pending_refs.add(t.pending_id)
            continue
        debit = t.debit_account_id.int
        credit = t.credit_account_id.int
        ids[debit] = t.debit_account_id
        ids[credit] = t.credit_account_id
        touches[debit] = touches.get(debit, 0) + 1
        touches[credit] = touches.get(credit, 0) + 1
        if flags & _PENDING:
            # Reservations live in bucket 0 of a split account: see strongroom.ledger.buckets.
            whole.add(debit)
            whole.add(credit)
        elif flags & _BALANCING or t.amount > DELTA_SAFE_AMOUNT:
            exact.add(debit)
            exact.add(credit)
    return out


@dataclass(slots=True)
class _Plan:
    """Accounts a batch locks (bucket mode per account, and the lock lists in database order)
    and the zero-counter states of the accounts it only adds deltas to."""

    modes: dict[int, int] = field(default_factory=dict)
    whole: list[uuid.UUID] = field(default_factory=list)
    pairs: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    balances: dict[int, BalanceState] = field(default_factory=dict)


@dataclass(slots=True)
class _Decision:
    """A batch's rules and what they ran on."""

    transfers: list[Transfer]
    now: int
    plan: _Plan
    #: The bucket rows of the locked accounts, as the rules saw them.
    rows: dict[uuid.UUID, list[BucketRow]]
    balances: dict[int, BalanceState]
    outcome: BatchOutcome
    lock_wait: float = 0.0


@dataclass(frozen=True, slots=True)
class _Link:
    """A batch's place among a one-writer store's batches: the chain its predecessor leaves
    (None: none it can use), and the one it leaves itself."""

    previous: asyncio.Future[Chain | None]
    next: asyncio.Future[Chain | None]


def _flatten(calls: Sequence[_Call]) -> tuple[list[Transfer], list[bytes | None]]:
    transfers: list[Transfer] = []
    metadata: list[bytes | None] = []
    for call in calls:
        transfers.extend(call.transfers)
        metadata.extend(call.metadata_json)
    return transfers, metadata


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
        self._split = SplitPolicy(settings.split)
        self.contention = ContentionTracker()
        self._attempt_hot: list[uuid.UUID] = []
        self._buckets: dict[uuid.UUID, int] = {}
        self._split_by_int: dict[int, int] = {}
        self._buckets_read_at = -1.0
        self._accounts: dict[int, _ZeroState] = {}
        self._busy = 0
        self._status_epoch = -1
        #: Loop time until which batches look their transfer ids up before the rules.
        self._probe_until = 0.0
        #: What the latest batch to start leaves (strongroom.ledger.chain).
        self._chain_tail: asyncio.Future[Chain | None] | None = None
        #: Transactions of chained writes that rolled back after handing on their chain.
        self._dead_chains: deque[int] = deque(maxlen=64)
        # Workers of different processes start at different buckets of a split account.
        self._slot_base = random.randrange(1 << 16)

    def start(self) -> None:
        for n in range(self._settings.workers):
            self._workers.append(
                asyncio.create_task(self._work(self._slot_base + n), name=f"ledger-batcher-{n}")
            )

    @property
    def buckets(self) -> dict[uuid.UUID, int]:
        """Split accounts and their bucket counts, as this process last read them."""
        return dict(self._buckets)

    async def refresh_buckets(self) -> None:
        self._buckets = await self._store.bucket_counts()
        self._split_by_int = {a.int: k for a, k in self._buckets.items()}
        self._buckets_read_at = asyncio.get_running_loop().time()

    async def resize(self, account_id: uuid.UUID, buckets: int, cooldown: float = 0.0) -> bool:
        """Split an account over `buckets` rows (1 merges it back). False when another process
        resized it within `cooldown` seconds, or nothing changes."""
        now = self._clock.now_ns()
        done = await run_in_transaction(
            self._store,
            lambda tx: tx.resize_buckets(account_id, buckets, now, int(cooldown * 1e9)),
        )
        if done:
            self.stats.resizes += 1
        await self.refresh_buckets()
        return done

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

    async def _work(self, slot: int) -> None:
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
                self._busy += 1
                try:
                    await self._run(calls, slot)
                finally:
                    self._busy -= 1

    def _take(self) -> list[_Call]:
        """The next batch: the queue shared among the workers free to run one, so that one
        batch's database time overlaps the next one's Python time instead of idling."""
        queue = self._queue
        free = max(1, len(self._workers) - self._busy)
        limit = self._settings.max_batch
        if free > 1:
            limit = min(limit, max(self._settings.min_share, -(-self.queue_depth // free)))
        calls: list[_Call] = []
        size = 0
        while queue and (not calls or size + len(queue[0].transfers) <= limit):
            call = queue.popleft()
            calls.append(call)
            size += len(call.transfers)
        return calls

    async def _run(self, calls: list[_Call], slot: int) -> None:
        try:
            results, resizes = await self.execute(calls, slot)
        except Exception as error:
            if len(calls) > 1:
                # Keep one caller's unforeseen failure from failing its neighbours.
                for call in calls:
                    await self._run([call], slot)
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
        # After the callers have their results: a resize is a transaction of its own, and
        # resize() re-reads the bucket map itself, whether or not it resized.
        for account_id, buckets in resizes:
            await self.resize(account_id, buckets, self._settings.split.cooldown_seconds)

    async def execute(
        self, calls: Sequence[_Call], slot: int = 0
    ) -> tuple[list[TR], list[tuple[uuid.UUID, int]]]:
        """Run `calls` as one transaction, retrying transient failures: the batch's results,
        and the bucket resizes its contention asks for."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._buckets_read_at > self._settings.bucket_refresh_seconds:
            await self.refresh_buckets()
        escalated: set[uuid.UUID] = set()
        exact = False
        probe = loop.time() < self._probe_until
        attempt = 0
        writer = self._store.chained_writer
        link = self._link() if writer is not None else None
        try:
            early = None
            chain = None
            if link is not None:
                chain = await link.previous
                if chain is not None and not probe and not self._rolled_back(chain):
                    early = self._early(calls, slot, chain)
            while True:
                try:
                    if writer is not None and early is not None and chain is not None:
                        results, resizes = await self._write_early(
                            writer, calls, early, chain, link
                        )
                    else:
                        async with self._store.transaction() as tx:
                            results, resizes = await self._apply(
                                tx, calls, slot, escalated, exact, probe, link
                            )
                    break
                except _ChainMoved:
                    self.stats.chain_misses += 1
                except _ReusedIds:
                    self._probe_ids()
                    probe = True
                except DeltasRefused:
                    # An account past DELTA_CAP, or the batch's own moves past 2**63 - 1: rerun
                    # with every row locked, where the rules see the real counters.
                    exact = True
                    self.stats.retries += 1
                except _Escalate as escalation:
                    escalated |= escalation.accounts
                    self.stats.escalations += 1
                except _StaleBuckets:
                    await self.refresh_buckets()
                    self.stats.retries += 1
                except StrongroomError:
                    raise
                except Exception as error:
                    if not probe and self._store.is_duplicate(error):
                        # A transfer applied as new was stored already (retried by its caller).
                        self._probe_ids()
                        probe = True
                        continue
                    attempt += 1
                    if not self._store.is_transient(error) or attempt >= _MAX_ATTEMPTS:
                        raise StorageError(
                            f"batch failed after {attempt} attempts: {error}"
                        ) from error
                    self.stats.retries += 1
                    self.contention.record_retry(self._attempt_hot)
                    await asyncio.sleep(_backoff(attempt))
                finally:
                    # Rules run early hold for the first attempt only.
                    early = None
        finally:
            if link is not None and not link.next.done():
                link.next.set_result(None)
        return results, resizes

    def _rolled_back(self, chain: Chain) -> bool:
        """True when the transaction `chain` was left by is known to have rolled back."""
        return chain.order.transaction in self._dead_chains

    def _link(self) -> _Link:
        """This batch's place in the chain: its predecessor's chain, once known, and its own."""
        loop = asyncio.get_running_loop()
        previous = self._chain_tail
        mine: asyncio.Future[Chain | None] = loop.create_future()
        self._chain_tail = mine
        if previous is None:
            previous = loop.create_future()
            previous.set_result(None)
        return _Link(previous, mine)

    def _probe_ids(self) -> None:
        """A batch met a reused id: it reruns with its ids looked up first, and so do the next
        batches for a while, because callers that retry tend to retry many."""
        self.stats.reused_ids += 1
        self._probe_until = asyncio.get_running_loop().time() + self._settings.probe_ids_seconds

    def _early(self, calls: Sequence[_Call], slot: int, chain: Chain) -> _Decision | None:
        """The batch's rules run now, before its admission, on what `chain` leaves; None when
        the batch needs anything the chain does not tell (pending transfers, accounts not
        cached, rows the predecessor did not lock)."""
        transfers, metadata = _flatten(calls)
        touched = _touched(transfers, set())
        if touched.pending_refs or chain.status_epoch != self._status_epoch:
            return None
        touched.ids.pop(NIL.int, None)
        cache = self._accounts
        if any(a not in cache for a in touched.ids):
            return None
        hot = self._hot(touched, len(transfers))
        plan = self._plan(touched, cache, hot, slot, False)
        rows: dict[uuid.UUID, list[BucketRow]] = {}
        for a, mode in plan.modes.items():
            account_id = touched.ids[a]
            found = chain.rows_for(account_id, mode)
            if found is None:
                return None
            rows[account_id] = found
        now = self._clock.now_ns()
        try:
            return self._decide(
                transfers, metadata, touched, plan, rows, chain.block + 1, now, {}, {}, set()
            )
        except _Escalate:
            return None

    async def _write_early(
        self,
        writer: ChainedWriter,
        calls: Sequence[_Call],
        decision: _Decision,
        chain: Chain,
        link: _Link | None,
    ) -> tuple[list[TR], list[tuple[uuid.UUID, int]]]:
        """Write a batch whose rules ran on `chain`, in a transaction that checks the chain held."""
        outcome = decision.outcome
        if self._rolled_back(chain):
            # The batch before rolled back while these rules ran.
            raise _ChainMoved()
        outbox, writes, deltas = self._writes(calls, decision)
        block = chain.block + 1
        mine: list[int] = []
        left = written(decision.rows, writes)
        modes = decision.plan.modes

        def queued(order: WriterOrder) -> None:
            mine.append(order.transaction)
            if link is not None and not link.next.done():
                link.next.set_result(Chain(order, block, chain.status_epoch, modes, left))

        result: ChainedResult = "moved"
        try:
            result = await writer.write_chained(
                ChainedWrite(
                    after=chain.order.transaction,
                    data_version=chain.order.data_version,
                    block=block,
                    status_epoch=chain.status_epoch,
                    now=decision.now,
                    refused=self._refused(decision),
                    outcome=outcome,
                    buckets=writes,
                    deltas=deltas,
                    outbox=outbox,
                ),
                queued,
            )
        finally:
            if result != "written":
                # The chain handed on is dead: the batch after this one must not build on it.
                self._dead_chains.extend(mine)
        if result == "moved":
            raise _ChainMoved()
        if result == "reused":
            raise _ReusedIds()
        self.stats.chained += 1
        return outcome.results, self._count(decision)

    async def _apply(
        self,
        tx: LedgerTransaction,
        calls: Sequence[_Call],
        slot: int,
        escalated: set[uuid.UUID],
        exact: bool,
        probe: bool,
        link: _Link | None,
    ) -> tuple[list[TR], list[tuple[uuid.UUID, int]]]:
        now = self._clock.now_ns()
        # First: it admits the batch among the writers, after which no status can change.
        admission = await tx.admit_batch(now, self._settings.expire_per_batch)
        decision = await self._read_and_decide(
            tx, calls, slot, escalated, exact, probe, admission, now
        )
        if not probe:
            refused = self._refused(decision)
            if refused and await tx.load_transfers(refused):
                raise _ReusedIds()
        outbox, writes, deltas = self._writes(calls, decision)
        queued = None
        if link is not None and admission.order is not None and not link.next.done():
            # Once this batch's writes are queued, the next batch may run its rules while they
            # execute.
            queued = partial(
                link.next.set_result,
                Chain(
                    admission.order,
                    admission.block,
                    admission.status_epoch,
                    decision.plan.modes,
                    written(decision.rows, writes),
                ),
            )
        await tx.write_outcome(decision.outcome, writes, deltas, outbox, now, queued)
        return decision.outcome.results, self._count(decision)

    def _refused(self, decision: _Decision) -> list[uuid.UUID]:
        """Ids of the transfers the rules refused: one stored already means a reused id, whose
        answer only a run with the ids looked up first can give."""
        outcome = decision.outcome
        if len(outcome.transfers) == len(decision.transfers):
            return []
        return [
            t.id for t, r in zip(decision.transfers, outcome.results, strict=True) if r is not _OK
        ]

    def _writes(
        self, calls: Sequence[_Call], decision: _Decision
    ) -> tuple[OutboxRow | None, list[BucketWrite], list[PostedDelta]]:
        """The batch's outbox row, the bucket rows it sets and the deltas it adds."""
        outcome = decision.outcome
        balances = decision.balances
        modes = decision.plan.modes
        if len(balances) > len(modes) and not _OVERFLOWS.isdisjoint(outcome.results):
            # Only the batch's own moves added up past 2**63 - 1 (see DELTA_CAP): the real
            # counters tell which transfer overflows first, and which counter.
            raise DeltasRefused("an overflow within the batch's deltas")
        outbox = self._outbox(calls, outcome, decision.now)
        writes: list[BucketWrite] = []
        deltas: list[PostedDelta] = []
        for a, b in balances.items():
            if not b.changed:
                continue
            if a in modes:
                writes.extend(write_back(b, decision.rows[b.id], modes[a]))
            elif b.debits_pending or b.credits_pending:
                raise RuntimeError(f"delta account {b.id} changed a pending counter")
            else:
                deltas.append((b.id, b.debits_posted, b.credits_posted))
        # Sorted like the locks: concurrent batches add to shared rows in one order.
        deltas.sort(key=_delta_key)
        return outbox, writes, deltas

    def _count(self, decision: _Decision) -> list[tuple[uuid.UUID, int]]:
        """Account for a committed batch: its figures, and the bucket resizes they ask for."""
        size = len(decision.transfers)
        self.stats.batches += 1
        self.stats.transfers += size
        self.stats.expired += len(decision.outcome.expired)
        self.stats.lock_wait_seconds += decision.lock_wait
        self.stats.batch_sizes.append(size)
        self.contention.record_batch(self._attempt_hot, decision.lock_wait)
        unsplittable = {b.id for b in decision.balances.values() if b.flags & _HISTORY}
        return self._split.observe(
            self._attempt_hot,
            decision.lock_wait,
            asyncio.get_running_loop().time(),
            self._buckets,
            unsplittable,
        )

    async def _read_and_decide(
        self,
        tx: LedgerTransaction,
        calls: Sequence[_Call],
        slot: int,
        escalated: set[uuid.UUID],
        exact: bool,
        probe: bool,
        admission: Admission,
        now: int,
    ) -> _Decision:
        """The batch's rules on what it reads and locks in `tx`."""
        transfers, metadata = _flatten(calls)
        touched = _touched(transfers, escalated)
        ids = touched.ids
        pending_refs = touched.pending_refs
        due = admission.due
        if admission.status_epoch != self._status_epoch:
            self._accounts.clear()
            self._status_epoch = admission.status_epoch
        peeked = await tx.peek_pendings(list(pending_refs)) if pending_refs else []
        for p in (*due, *peeked):
            for account_id in (p.debit_account_id, p.credit_account_id):
                ids[account_id.int] = account_id
                touched.whole.add(account_id.int)
        ids.pop(NIL.int, None)
        hot = self._hot(touched, len(transfers))
        known = await self._account_meta(tx, ids)
        plan = self._plan(touched, known, hot, slot, exact)
        started = asyncio.get_running_loop().time()
        rows = group(await tx.lock_buckets(plan.whole, plan.pairs)) if plan.modes else {}
        lock_wait = asyncio.get_running_loop().time() - started
        for a, mode in plan.modes.items():
            if mode > 0 and ids[a] not in rows:
                raise _StaleBuckets(str(ids[a]))
        lock_ids = sorted({p.id for p in due} | {p.id for p in peeked})
        locked_pendings = await tx.lock_pendings(lock_ids) if lock_ids else {}
        pendings = {i.int: p for i, p in locked_pendings.items()}
        earlier = await tx.load_transfers([t.id for t in transfers]) if probe and transfers else {}
        existing = {i.int: t for i, t in earlier.items()}
        missing = [i for i in pending_refs if i.int not in pendings and i.int not in existing]
        not_pending = {i.int for i in await tx.load_transfers(missing)} if missing else set()
        decision = self._decide(
            transfers,
            metadata,
            touched,
            plan,
            rows,
            admission.block,
            now,
            existing,
            pendings,
            not_pending,
        )
        decision.lock_wait = lock_wait
        return decision

    def _hot(self, touched: _Touched, size: int) -> list[int]:
        """The accounts hot in this batch; their contention figures are kept."""
        threshold = max(self._settings.split.hot_min, self._settings.split.hot_share * size)
        hot = [a for a, n in touched.touches.items() if n >= threshold]
        self._attempt_hot = [touched.ids[a] for a in hot]
        return hot

    def _decide(
        self,
        transfers: list[Transfer],
        metadata: list[bytes | None],
        touched: _Touched,
        plan: _Plan,
        rows: dict[uuid.UUID, list[BucketRow]],
        block: int,
        now: int,
        existing: dict[int, Transfer],
        pendings: dict[int, PendingRecord],
        not_pending: set[int],
    ) -> _Decision:
        """Run the rules on the locked `rows` and the delta accounts' zero states."""
        balances = plan.balances
        for a, mode in plan.modes.items():
            found = rows.get(touched.ids[a])
            if found is not None:
                balances[a] = view(found, mode)
        # Reserve this batch's timestamps before the next await, so that concurrent workers of
        # this process never hand out the same nanosecond.
        first_timestamp = max(now, self._last_timestamp + 1)
        self._last_timestamp = (
            first_timestamp + len(transfers) + len(pendings) + len(touched.pending_refs)
        )
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
        if outcome.escalate:
            raise _Escalate(outcome.escalate)
        return _Decision(transfers, now, plan, rows, balances, outcome)

    def _outbox(self, calls: Sequence[_Call], outcome: BatchOutcome, now: int) -> OutboxRow | None:
        """The batch's outbox row: expiries as envelopes, created transfers by reference."""
        expired = events.encode(events.pending_expired(outcome.expired, now))
        created = outcome.transfers
        if not created:
            return OutboxRow(expired) if expired is not None else None
        counts = []
        position = 0
        for call in calls:
            end = position + len(call.transfers)
            counts.append((outcome.results[position:end].count(_OK), call.trace_id, call.actor))
            position = end
        return OutboxRow(
            expired or b"[]",
            (created[0].seq, created[-1].seq),
            events.created_origins(counts),
        )

    def _plan(
        self,
        touched: _Touched,
        known: dict[int, _ZeroState],
        hot: list[int],
        slot: int,
        exact: bool,
    ) -> _Plan:
        """Which accounts the batch locks and reads (and how many of their buckets), and which
        it only adds deltas to. Accounts missing from `known` do not exist: the rules answer
        `account_not_found` for them."""
        plan = _Plan()
        split = self._split_by_int
        locked = touched.exact | touched.whole
        locked.update(hot)
        for a, account_id in touched.ids.items():
            zero = known.get(a)
            if zero is None:
                continue
            k = split.get(a, 1) if split else 1
            if exact or k > 1 or zero[2] & _NEEDS_COUNTERS or a in locked:
                mode = choose(k, slot, a in touched.whole)
                plan.modes[a] = mode
                if mode == ALL:
                    plan.whole.append(account_id)
                else:
                    plan.pairs.append((account_id, mode))
            else:
                # Nothing in this batch depends on its counters: the rules see zeros, and the
                # write adds what they moved (see docs/ledger-engine.md, "Delta accounts").
                plan.balances[a] = BalanceState(*zero)
        # Sorting on .int is the database's byte order, without UUID.__lt__ in Python.
        plan.whole.sort(key=_uuid_int)
        plan.pairs.sort(key=_pair_key)
        return plan

    async def _account_meta(
        self, tx: LedgerTransaction, ids: dict[int, uuid.UUID]
    ) -> dict[int, _ZeroState]:
        """The existing accounts among `ids`, from this process's cache where it has them."""
        cache = self._accounts
        unknown = [account_id for a, account_id in ids.items() if a not in cache]
        if unknown:
            if len(cache) + len(unknown) > self._settings.account_cache:
                cache.clear()
            for m in await tx.account_meta(unknown):
                cache[m.id.int] = (
                    m.id,
                    m.ledger,
                    m.flags,
                    m.overdraft_limit,
                    STATUS_BY_VALUE[m.status],
                    m.tenant,
                    0,
                    0,
                    0,
                    0,
                )
        return cache
