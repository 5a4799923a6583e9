"""Snapshots at a watermark, and point-in-time balances checked against the history oracle."""

from __future__ import annotations

import asyncio
import uuid
from random import Random

import asyncpg
import pytest

from strongroom.bootstrap import open_ledger, open_snapshots
from strongroom.clock import ManualClock
from strongroom.ledger import (
    AccountFlags,
    HistoryQuery,
    Ledger,
    Transfer,
    TransferFlags,
    TransferQuery,
)
from strongroom.ledger.ports import SEQ_BLOCK_BITS
from strongroom.ledger.snapshots import Snapshots, WatermarkBusy
from strongroom.store.admin_db import AdminDb
from strongroom.store.postgres import SEQ_LOCK_KEY
from strongroom.store.snapshots import SnapshotTransaction
from strongroom.store.urls import parse_url
from tests.ledger.helpers import account, open_accounts, results, transfer

Counters = tuple[int, int, int, int]


async def history_oracle(ledger: Ledger, account_id: uuid.UUID) -> list[tuple[int, Counters]]:
    """The engine's own record of the account after every change (accounts with HISTORY)."""
    rows: list[tuple[int, Counters]] = []
    cursor = None
    while True:
        page = await ledger.get_account_balances(HistoryQuery(account_id, limit=500, cursor=cursor))
        rows.extend(
            (b.seq, (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted))
            for b in page.items
        )
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


def as_of(history: list[tuple[int, Counters]], seq: int) -> Counters:
    found: Counters = (0, 0, 0, 0)
    for at, counters in history:
        if at > seq:
            break
        found = counters
    return found


async def random_workload(
    ledger: Ledger, clock: ManualClock, snapshots: Snapshots, rng: Random, ids: list[uuid.UUID]
) -> list[Transfer]:
    """Payments, reservations posted, voided or left to expire, with snapshots in between."""
    held: list[Transfer] = []
    stored: list[Transfer] = []
    for round_ in range(12):
        batch: list[Transfer] = []
        for _ in range(rng.randint(1, 8)):
            debit, credit = rng.sample(ids, 2)
            kind = rng.random()
            if kind < 0.5:
                batch.append(transfer(debit, credit, rng.randint(1, 500)))
            elif kind < 0.8:
                t = transfer(debit, credit, rng.randint(1, 500), TransferFlags.PENDING, timeout=5)
                batch.append(t)
                held.append(t)
            elif held:
                p = held.pop(rng.randrange(len(held)))
                flag = rng.choice([TransferFlags.POST_PENDING, TransferFlags.VOID_PENDING])
                amount = rng.randint(1, p.amount) if flag is TransferFlags.POST_PENDING else 0
                batch.append(Transfer(id=uuid.uuid4(), pending_id=p.id, flags=flag, amount=amount))
        await ledger.create_transfers(batch)
        if round_ % 4 == 3:
            clock.advance(6)
            await ledger.expire_pending()
        if rng.random() < 0.4:
            await snapshots.take()
        clock.advance(0.001)
    for t in ids:
        page = await ledger.get_account_transfers(TransferQuery(t, limit=8190))
        stored.extend(page.items)
    return stored


async def test_balance_at_equals_the_history_fold(
    ledger: Ledger, db_url: str, clock: ManualClock
) -> None:
    rng = Random(20240611)
    ids = await open_accounts(ledger, *(account(flags=AccountFlags.HISTORY) for _ in range(5)))
    async with await open_snapshots(db_url, clock=clock) as snapshots:
        stored = await random_workload(ledger, clock, snapshots, rng, ids)
        taken = await snapshots.list()
        assert taken, "the workload took snapshots"
        histories = {i: await history_oracle(ledger, i) for i in ids}
        points = {0, *(s.seq for s in taken)}
        for rows in histories.values():
            for at, _ in rows:
                points.update({at - 1, at, at + 1})
        for point in sorted(rng.sample(sorted(points), min(60, len(points)))):
            for account_id in ids:
                got = await snapshots.balance_at(account_id, seq=point)
                want = as_of(histories[account_id], point)
                assert (
                    got.debits_pending,
                    got.debits_posted,
                    got.credits_pending,
                    got.credits_posted,
                ) == want, (account_id, point, got.from_snapshot)
        # One process stamps in seq order, so a transfer's timestamp resolves to its seq.
        for t in rng.sample(stored, 10):
            got = await snapshots.balance_at(t.debit_account_id, timestamp=t.timestamp)
            assert got.seq == t.seq
            want = as_of(histories[t.debit_account_id], t.seq)
            assert (got.debits_pending, got.debits_posted) == want[:2]
        now = await snapshots.balance_at(ids[0])
        (live,) = await ledger.lookup_accounts([ids[0]])
        assert (now.debits_posted, now.credits_posted) == (
            live.debits_posted,
            live.credits_posted,
        )


async def test_a_snapshot_holds_exactly_the_log_below_its_seq(
    ledger: Ledger, db_url: str, clock: ManualClock
) -> None:
    a, b = await open_accounts(ledger, account(), account())
    await ledger.create_transfers([transfer(a, b, 7)])
    async with await open_snapshots(db_url, clock=clock) as snapshots:
        first = await snapshots.take()
        assert await snapshots.take() == first, "nothing moved: the same snapshot"
        await ledger.create_transfers([transfer(a, b, 5)])
        second = await snapshots.take()
        assert second.seq > first.seq
    async with await AdminDb.open(parse_url(db_url)) as db, db.transaction("read") as conn:
        rows = SnapshotTransaction(conn)
        assert await rows.snapshot_rows(first.seq) == {a: (0, 7, 0, 0), b: (0, 0, 0, 7)}
        assert (await rows.snapshot_rows(second.seq))[a] == (0, 12, 0, 0)


async def test_balance_at_refuses_seq_and_timestamp_together(db_url: str) -> None:
    async with await open_ledger(db_url, sweep_interval=None), await open_snapshots(db_url) as s:
        with pytest.raises(Exception, match="not both"):
            await s.balance_at(uuid.uuid4(), seq=1, timestamp=1)


async def test_the_snapshot_task_takes_snapshots_in_the_background(db_url: str) -> None:
    async with await open_ledger(db_url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        await ledger.create_transfers([transfer(a, b, 3)])
        task = await ledger.snapshot_task(0.01)
        assert task.health().status == "stopped"
        await task.start()
        for _ in range(1000):
            if task.runs >= 2:
                break
            await asyncio.sleep(0.01)
        await task.stop()
        assert task.failures == 0
        snapshots = await ledger.snapshots()
        latest = await snapshots.latest()
        assert latest is not None
        assert (await snapshots.balance_at(a, seq=latest.seq)).debits_posted == 3


async def test_the_watermark_never_passes_an_open_batch(pg_url: str) -> None:
    """A batch that drew its block but has not committed holds every snapshot below it."""
    url = parse_url(pg_url)
    async with await open_ledger(pg_url, sweep_interval=None) as ledger:
        a, b, c, d = await open_accounts(ledger, *(account() for _ in range(4)))
        await ledger.create_transfers([transfer(a, b, 1)])
        raw = await asyncpg.connect(url.target, server_settings={"search_path": url.schema})
        try:
            open_batch = raw.transaction()
            await open_batch.start()
            block = await raw.fetchval(
                "SELECT nextval('transfer_block_seq')"
                " FROM (SELECT pg_advisory_xact_lock_shared($1)) AS w",
                SEQ_LOCK_KEY,
            )
            open_seq = block << SEQ_BLOCK_BITS
            await raw.execute(
                "INSERT INTO transfers (seq, id, tenant, debit_account_id, credit_account_id,"
                " amount, ledger, code, flags, timeout, timestamp)"
                " VALUES ($1, $2, 'default', $3, $4, 40, 'USD', 1, 0, 0, 1)",
                open_seq,
                uuid.uuid4(),
                c,
                d,
            )
            await raw.execute(
                "UPDATE account_balances SET debits_posted = debits_posted + 40"
                " WHERE account_id = $1 AND bucket = 0",
                c,
            )
            await raw.execute(
                "UPDATE account_balances SET credits_posted = credits_posted + 40"
                " WHERE account_id = $1 AND bucket = 0",
                d,
            )
            # Later batches commit around the open one, with higher seqs.
            for _ in range(3):
                await ledger.create_transfers([transfer(a, b, 2)])
            later = (
                await ledger.get_account_transfers(TransferQuery(a, reverse=True, limit=1))
            ).items[0]
            assert later.seq > open_seq
            async with await open_snapshots(pg_url) as snapshots:
                with pytest.raises(WatermarkBusy):
                    await snapshots.take(lock_timeout=0.2)
                assert await snapshots.list() == []
                waiting = asyncio.create_task(snapshots.take())
                # The snapshot queues for the lock behind the open batch, and stays queued.
                for _ in range(1000):
                    if await raw.fetchval(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND NOT granted AND objid = $1",
                        SEQ_LOCK_KEY & 0xFFFFFFFF,
                    ):
                        break
                    await asyncio.sleep(0.01)
                else:
                    pytest.fail("the snapshot never queued for the watermark lock")
                assert not waiting.done()
                await open_batch.commit()
                snapshot = await waiting
                assert snapshot.seq >= later.seq > open_seq
                assert (await snapshots.balance_at(c, seq=snapshot.seq)).debits_posted == 40
                async with await AdminDb.open(url) as db, db.transaction("read") as conn:
                    rows = await SnapshotTransaction(conn).snapshot_rows(snapshot.seq)
                assert rows[c] == (0, 40, 0, 0)
                assert rows[a] == (0, 7, 0, 0)
        finally:
            await raw.close()


async def test_the_ledger_answers_point_in_time_balances(sqlite_url: str) -> None:
    ledger = await open_ledger(sqlite_url, sweep_interval=None, snapshot_interval=0.05)
    try:
        a, b = await open_accounts(ledger, account(), account())
        first = transfer(a, b, 5)
        assert await results(ledger, first) == ["ok"]
        await asyncio.sleep(0.2)
        assert await results(ledger, transfer(a, b, 7)) == ["ok"]
        (stored,) = await ledger.lookup_transfers([first.id])
        then = await ledger.balance_at(b, seq=stored.seq)
        assert (then.debits_posted, then.credits_posted) == (0, 5)
        now = await ledger.balance_at(b)
        assert now.credits_posted == 12
        assert (await (await ledger.snapshots()).latest()) is not None
    finally:
        await ledger.close()
