"""`Ledger`: the public, asyncio API of the double-entry ledger (see docs/ledger.md)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec

from strongroom.clock import Clock
from strongroom.errors import BatchTooLarge, Conflict, NotFound, ValidationError
from strongroom.health import Periodic
from strongroom.ledger import events
from strongroom.ledger.buckets import ALL, view
from strongroom.ledger.engine import BatchEngine, EngineSettings, run_in_transaction
from strongroom.ledger.invariants import InvariantReport, check_invariants
from strongroom.ledger.ports import LedgerStore, LedgerTransaction
from strongroom.ledger.queries import AccountFilter, HistoryQuery, TransferQuery, encode_cursor
from strongroom.ledger.results import CreateAccountResult, CreateTransferResult
from strongroom.ledger.rules import BATCH_MAX, apply_accounts
from strongroom.ledger.snapshots import SNAPSHOT_LOCK_TIMEOUT, PointBalance, Snapshots
from strongroom.ledger.types import (
    Account,
    AccountBalance,
    AccountFlags,
    AccountStatus,
    DebitActivity,
    Page,
    PendingState,
    PendingTransfer,
    Transfer,
    TransferFlags,
)
from strongroom.logging import get_logger
from strongroom.tracing import current_actor, current_span_id, current_trace_id

_log = get_logger(__name__)
_encode_json = msgspec.json.Encoder().encode


def _metadata_json(items: Sequence[Account | Transfer], kind: str) -> list[bytes | None]:
    encoded: list[bytes | None] = []
    for index, item in enumerate(items):
        if item.metadata is None:
            encoded.append(None)
            continue
        try:
            encoded.append(_encode_json(item.metadata))
        except (TypeError, ValueError, OverflowError) as error:
            raise ValidationError(f"{kind}[{index}].metadata", f"not JSON: {error}") from None
    return encoded


def _check_batch(items: Sequence[object], kind: type, name: str) -> None:
    if len(items) > BATCH_MAX:
        raise BatchTooLarge(len(items), BATCH_MAX)
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            raise ValidationError(f"{name}[{index}]", f"expected {kind.__name__}")


def _open_chain_results(transfers: Sequence[Transfer]) -> int:
    """Length of the prefix that can be submitted: a trailing chain never closed is not."""
    if not transfers or not transfers[-1].flags & TransferFlags.LINKED:
        return len(transfers)
    start = len(transfers) - 1
    while start > 0 and transfers[start - 1].flags & TransferFlags.LINKED:
        start -= 1
    return start


class Ledger:
    """A double-entry ledger on SQLite (embedded) or PostgreSQL.

    Open one with `await strongroom.bootstrap.open_ledger(url)`."""

    def __init__(
        self,
        store: LedgerStore,
        *,
        clock: Clock,
        engine: EngineSettings,
        open_snapshots: Callable[[], Awaitable[Snapshots]],
    ) -> None:
        """Start the batch engine on `store`. Build one with `strongroom.bootstrap.open_ledger`,
        which opens the store for a database URL.

        `open_snapshots` opens the snapshot store the first time `snapshots()` is called. The
        background tasks (`sweeper()`, `snapshot_task()`) run only once started.
        """
        self._store = store
        self._clock = clock
        self._engine = BatchEngine(store, clock, engine)
        self._engine.start()
        self._open_snapshots = open_snapshots
        self._snapshots: Snapshots | None = None
        self._snapshot_task: Periodic | None = None
        self._sweeper: Periodic | None = None

    def sweeper(self, interval: float) -> Periodic:
        """The task that releases expired pending transfers every `interval` seconds (one per
        ledger; the interval of the first call holds). Not started: `await it.start()`."""
        if self._sweeper is None:
            self._sweeper = Periodic("sweeper", interval, self.expire_pending)
        return self._sweeper

    async def snapshot_task(self, interval: float) -> Periodic:
        """The task that takes a balance snapshot every `interval` seconds (one per ledger; the
        interval of the first call holds). Not started: `await it.start()`."""
        if self._snapshot_task is None:
            snapshots = await self.snapshots()

            async def take() -> None:
                await snapshots.take(SNAPSHOT_LOCK_TIMEOUT)

            self._snapshot_task = Periodic("snapshots", interval, take)
        return self._snapshot_task

    @property
    def store(self) -> LedgerStore:
        return self._store

    @property
    def engine(self) -> BatchEngine:
        return self._engine

    async def close(self) -> None:
        if self._snapshot_task is not None:
            await self._snapshot_task.stop()
        if self._snapshots is not None:
            await self._snapshots.close()
        if self._sweeper is not None:
            await self._sweeper.stop()
        await self._engine.close()
        await self._store.close()

    async def __aenter__(self) -> Ledger:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- writes ---------------------------------------------------------------------------

    async def create_accounts(self, accounts: Sequence[Account]) -> list[CreateAccountResult]:
        """Create accounts; one result per account, in order. Accounts are independent."""
        _check_batch(accounts, Account, "accounts")
        metadata = _metadata_json(accounts, "accounts")
        if not accounts:
            return []
        trace_id, actor, span_id = current_trace_id(), current_actor(), current_span_id()

        async def create(tx: LedgerTransaction) -> list[CreateAccountResult]:
            existing = await tx.load_accounts(list({a.id for a in accounts}))
            now = self._clock.now_ns()
            results, created = apply_accounts(accounts, metadata, existing, now)
            if created:
                await tx.insert_accounts(created)
                envelopes = [
                    events.account_created(a, trace_id, actor, span_id) for a, _ in created
                ]
                await tx.write_events(events.encode(envelopes) or b"[]", now)
            return results

        return await run_in_transaction(self._store, create)

    async def create_transfers(self, transfers: Sequence[Transfer]) -> list[CreateTransferResult]:
        """Apply transfers in order; one result per transfer (see docs/ledger.md).

        Concurrent calls are committed together (group commit); each call's transfers stay
        contiguous and in order, and a linked chain never spans two calls.
        """
        _check_batch(transfers, Transfer, "transfers")
        metadata = _metadata_json(transfers, "transfers")
        closed = _open_chain_results(transfers)
        results: list[CreateTransferResult] = []
        if closed:
            results = await self._engine.submit(
                transfers[:closed], metadata[:closed], current_trace_id(), current_actor()
            )
        if closed < len(transfers):
            tail = len(transfers) - closed
            results.extend([CreateTransferResult.LINKED_EVENT_FAILED] * (tail - 1))
            results.append(CreateTransferResult.LINKED_EVENT_CHAIN_OPEN)
        return results

    async def expire_pending(self) -> int:
        """Release pending transfers past their timeout now; returns how many were released."""
        before = self._engine.stats.expired
        await self._engine.submit([], [], current_trace_id(), current_actor())
        return self._engine.stats.expired - before

    async def set_account_status(
        self, account_id: uuid.UUID, status: AccountStatus, *, tenant: str | None = None
    ) -> Account:
        """Freeze, unfreeze or close an account. Closing needs no pending and a zero balance."""
        status = AccountStatus(status)
        if status is AccountStatus.CLOSED:
            # A reservation past its timeout no longer holds money: release it first.
            await self.expire_pending()

        async def change(tx: LedgerTransaction) -> Account:
            # Batches add to unlocked balance rows of accounts they believe open: a status
            # changes only while no batch runs (see docs/ledger-engine.md, "Delta accounts").
            await tx.exclude_writers()
            rows = await tx.lock_buckets([account_id], [])
            account = (await tx.load_accounts([account_id])).get(account_id)
            if account is None or not rows or (tenant is not None and account.tenant != tenant):
                raise NotFound(f"account {account_id} not found")
            if account.status is status:
                return account
            if account.status is AccountStatus.CLOSED:
                raise Conflict(f"account {account_id} is closed for good")
            b = view(rows, ALL)
            if status is AccountStatus.CLOSED and (
                b.debits_pending or b.credits_pending or b.debits_posted != b.credits_posted
            ):
                raise Conflict(
                    f"account {account_id} still holds money or reservations; "
                    "move them out before closing it"
                )
            now = self._clock.now_ns()
            await tx.set_status(account_id, status)
            envelope = events.status_changed(
                account, status, now, current_trace_id(), current_actor(), current_span_id()
            )
            await tx.write_events(events.encode([envelope]) or b"[]", now)
            return dataclasses.replace(
                account,
                status=status,
                debits_pending=b.debits_pending,
                debits_posted=b.debits_posted,
                credits_pending=b.credits_pending,
                credits_posted=b.credits_posted,
            )

        return await run_in_transaction(self._store, change)

    async def split_account(
        self, account_id: uuid.UUID, buckets: int, *, pin: bool = False
    ) -> bool:
        """Spread an account's balance over `buckets` rows (1 merges it back), by hand; True
        when its bucket count changed.

        The engine does this by itself for accounts it finds contended, and merges them back
        once no process has found them hot for a while (see docs/ledger-engine.md). With
        `pin`, the engine leaves the account at `buckets` until it is resized by hand again
        (which, without `pin`, unpins it). Accounts with the history flag are never split.
        """
        if type(buckets) is not int or not 1 <= buckets <= 64:
            raise ValidationError("buckets", "must be an integer from 1 to 64")
        found = await self.lookup_accounts([account_id])
        if not found:
            raise NotFound(f"account {account_id} not found")
        if buckets > 1 and found[0].flags & AccountFlags.HISTORY:
            raise Conflict("accounts with the history flag keep one bucket")
        return await self._engine.resize(account_id, buckets, pin=pin)

    # -- reads ----------------------------------------------------------------------------

    async def lookup_accounts(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Account]:
        """The accounts found, in the order asked; unknown ids are left out."""
        if not ids:
            return []
        now = self._clock.now_ns()
        found = {a.id: a for a in await self._store.get_accounts(list(ids), now, tenant=tenant)}
        return [found[i] for i in ids if i in found]

    async def list_accounts(
        self, query: AccountFilter | None = None, *, tenant: str | None = None
    ) -> Page[Account]:
        """Accounts in id order, one page at a time; all of them without a `query`."""
        query = query or AccountFilter()
        items = await self._store.list_accounts(query, self._clock.now_ns(), tenant=tenant)
        more = len(items) > query.limit
        items = items[: query.limit]
        return Page(items, str(items[-1].id) if more else None)

    async def lookup_transfers(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Transfer]:
        if not ids:
            return []
        found = {t.id: t for t in await self._store.get_transfers(list(ids), tenant=tenant)}
        return [found[i] for i in ids if i in found]

    async def lookup_pending_transfers(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[PendingTransfer]:
        """Pending transfers and their state now: one past its timeout reads `expired` even
        before the sweeper has released it."""
        if not ids:
            return []
        now = self._clock.now_ns()
        found = {p.id: p for p in await self._store.get_pendings(list(ids), tenant=tenant)}
        out = []
        for i in ids:
            p = found.get(i)
            if p is None:
                continue
            state = PendingState.EXPIRED if p.is_due(now) else p.state
            out.append(
                PendingTransfer(
                    p.id,
                    p.debit_account_id,
                    p.credit_account_id,
                    p.amount,
                    p.ledger,
                    p.code,
                    p.tenant,
                    p.expires_at,
                    state,
                )
            )
        return out

    async def get_account_transfers(self, query: TransferQuery) -> Page[Transfer]:
        """Transfers that debit and/or credit the account, in seq order, one page at a time."""
        return _page(await self._store.account_transfers(query), query.limit)

    async def debit_activity(
        self, account_id: uuid.UUID, *, codes: Sequence[int], since: int, split: int
    ) -> list[DebitActivity]:
        """The account's debits with a code in `codes` from timestamp `since`, net of voids,
        summed by code and by side of `split` (DebitActivity): added up by the database, so a
        busy account's month costs one row per (code, side), not one per transfer."""
        if not codes:
            return []
        return await self._store.debit_activity(account_id, codes, since, split)

    async def get_account_balances(self, query: HistoryQuery) -> Page[AccountBalance]:
        """The account's counters after each change, for accounts with the `history` flag."""
        return _page(await self._store.account_history(query), query.limit)

    async def check_invariants(self) -> InvariantReport:
        """Recompute every account from the log and check DESIGN.md's invariants."""
        return await check_invariants(self._store)

    async def snapshots(self) -> Snapshots:
        """Balance snapshots and point-in-time balances (docs/ledger-engine.md)."""
        if self._snapshots is None:
            self._snapshots = await self._open_snapshots()
        return self._snapshots

    async def balance_at(
        self, account_id: uuid.UUID, *, seq: int | None = None, timestamp: int | None = None
    ) -> PointBalance:
        """The account's counters as of `seq` (or the last seq at or before `timestamp`)."""
        snapshots = await self.snapshots()
        return await snapshots.balance_at(account_id, seq=seq, timestamp=timestamp)


def _page(items: list[Any], limit: int) -> Page[Any]:
    """A page of `limit` items of a listing the store read one item past."""
    more = len(items) > limit
    items = items[:limit]
    return Page(items, encode_cursor(items[-1].seq) if more else None)
