"""Bucket-partitioned balances: exact limits, hidden in the API, grown under contention."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from strongroom.bootstrap import open_ledger
from strongroom.clock import ManualClock
from strongroom.errors import Conflict
from strongroom.ids import new_id
from strongroom.ledger import AccountFlags, EngineSettings, Ledger, Transfer, TransferFlags
from strongroom.ledger.buckets import (
    ALL,
    AccountSplit,
    BucketResize,
    BucketRow,
    SplitPolicy,
    SplitSettings,
    view,
    write_back,
)
from strongroom.ledger.engine import run_in_transaction
from tests.ledger.helpers import account, counters, open_accounts, results, transfer

DMNEC = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
CMNED = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
S = 10**9
#: Merge after 60 s cold everywhere, recorded at most every 5 s; 10 s between resizes.
POLICY = SplitSettings(lock_wait_seconds=0.0, strikes=1, cooldown_seconds=10.0)
T0 = 1_700_000_000 * S


@st.composite
def split_account(draw: st.DrawFn) -> tuple[list[BucketRow], tuple[int, int, int, int]]:
    """Bucket rows that respect the per-bucket rule, and new totals within the limit."""
    flags = draw(st.sampled_from([0, DMNEC, CMNED]))
    overdraft = draw(st.integers(0, 1000)) if flags else 0
    k = draw(st.integers(2, 8))
    account_id = uuid.uuid4()
    rows = []
    for b in range(k):
        room = overdraft if b == 0 else 0
        credits = draw(st.integers(0, 10_000))
        debits = draw(st.integers(0, credits + room if flags == DMNEC else 10_000))
        if flags == CMNED:
            credits = draw(st.integers(0, debits + room))
        # Reservations sit in bucket 0 and count against its limit like posted amounts.
        held_debit = held_credit = 0
        if b == 0:
            held_debit = draw(st.integers(0, max(0, credits + room - debits)))
            held_credit = draw(st.integers(0, max(0, debits + room - credits)))
            if flags == DMNEC:
                held_credit = draw(st.integers(0, 500))
            elif flags == CMNED:
                held_debit = draw(st.integers(0, 500))
        counters_ = (held_debit, debits, held_credit, credits)
        rows.append(BucketRow(account_id, b, "USD", flags, overdraft, "open", "t", *counters_))
    total = view(rows, ALL)
    held_debits, debits, held_credits, credits = total.counters()
    extra_in = draw(st.integers(0, 5_000))
    if flags == DMNEC:
        credits += extra_in
        debits += draw(st.integers(0, max(0, credits + overdraft - debits - held_debits)))
    elif flags == CMNED:
        debits += extra_in
        credits += draw(st.integers(0, max(0, debits + overdraft - credits - held_credits)))
    else:
        debits += extra_in
        credits += draw(st.integers(0, 5_000))
    return rows, (held_debits, debits, held_credits, credits)


@given(split_account())
def test_write_back_keeps_totals_and_every_bucket_within_its_limit(
    case: tuple[list[BucketRow], tuple[int, int, int, int]],
) -> None:
    rows, totals = case
    state = view(rows, ALL)
    state.debits_pending, state.debits_posted, state.credits_pending, state.credits_posted = totals
    writes = write_back(state, rows, ALL)
    assert sorted(w.bucket for w in writes) == [r.bucket for r in rows]
    assert (
        sum(w.debits_pending for w in writes),
        sum(w.debits_posted for w in writes),
        sum(w.credits_pending for w in writes),
        sum(w.credits_posted for w in writes),
    ) == totals
    for w in writes:
        assert min(w.debits_pending, w.debits_posted, w.credits_pending, w.credits_posted) >= 0
        room = state.overdraft_limit if w.bucket == 0 else 0
        if state.flags & DMNEC:
            assert w.debits_pending + w.debits_posted <= w.credits_posted + room
        if state.flags & CMNED:
            assert w.credits_pending + w.credits_posted <= w.debits_posted + room
        if w.bucket:
            assert w.debits_pending == w.credits_pending == 0


async def test_a_split_account_keeps_its_limit_exact(ledger: Ledger) -> None:
    bank, hot, other = await open_accounts(
        ledger, account(), account(flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS), account()
    )
    assert await results(ledger, transfer(bank, hot, 1_000)) == ["ok"]
    assert await ledger.split_account(hot, 4)
    assert ledger.engine.buckets[hot] == 4
    # Each bucket holds at most a share of the money: a debit bigger than any one bucket
    # must still pass, by looking at all of them.
    assert await results(ledger, transfer(hot, other, 900)) == ["ok"]
    assert await results(ledger, transfer(hot, other, 101)) == ["exceeds_credits"]
    assert await results(ledger, transfer(hot, other, 100)) == ["ok"]
    assert await counters(ledger, hot) == (0, 1_000, 0, 1_000)
    assert await results(ledger, transfer(bank, hot, 500)) == ["ok"]
    hold = transfer(hot, other, 300, TransferFlags.PENDING)
    assert await results(ledger, hold) == ["ok"]
    post = Transfer(id=new_id(), pending_id=hold.id, flags=TransferFlags.POST_PENDING, amount=200)
    assert await results(
        ledger, post, transfer(hot, other, 300, TransferFlags.BALANCING_DEBIT)
    ) == [
        "ok",
        "ok",
    ]
    assert await counters(ledger, hot) == (0, 1_500, 0, 1_500)
    assert await ledger.split_account(hot, 1)
    assert hot not in ledger.engine.buckets
    assert await counters(ledger, hot) == (0, 1_500, 0, 1_500)


async def test_history_accounts_are_never_split(ledger: Ledger) -> None:
    (h,) = await open_accounts(ledger, account(flags=AccountFlags.HISTORY))
    try:
        await ledger.split_account(h, 2)
    except Conflict:
        pass
    else:
        raise AssertionError("a history account was split")


async def test_resizes_respect_the_cooldown(ledger: Ledger) -> None:
    (a,) = await open_accounts(ledger, account())
    assert await ledger.engine.resize(a, 2, cooldown=60)
    # Another resize inside the cooldown is refused, whichever process asks.
    assert not await ledger.engine.resize(a, 4, cooldown=60)
    assert ledger.engine.buckets[a] == 2


async def test_random_traffic_on_split_accounts_matches_unsplit_totals(db_url: str) -> None:
    ledger = await open_ledger(db_url, clock=ManualClock(), sweep_interval=None)
    try:
        bank, *ids = await open_accounts(
            ledger,
            account(),
            *(account(flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS) for _ in range(4)),
        )
        for i in ids:
            assert await results(ledger, transfer(bank, i, 2_000)) == ["ok"]
        for i, k in zip(ids, (2, 3, 5, 8), strict=True):
            assert await ledger.split_account(i, k)
        rng = random.Random(5)
        expected = dict.fromkeys(ids, 2000)
        for _ in range(40):
            batch = []
            for _ in range(20):
                a, b = rng.sample(ids, 2)
                batch.append(transfer(a, b, rng.randint(1, 700)))
            outcome = await results(ledger, *batch)
            for t, r in zip(batch, outcome, strict=True):
                assert r in ("ok", "exceeds_credits")
                # Refusals must be exact: the debit really did not fit in the whole balance.
                if r == "exceeds_credits":
                    assert expected[t.debit_account_id] < t.amount
                else:
                    expected[t.debit_account_id] -= t.amount
                    expected[t.credit_account_id] += t.amount
        for i in ids:
            _, debits, _, credits = await counters(ledger, i)
            assert credits - debits == expected[i]
        report = await ledger.check_invariants()
        assert report.ok, report.violations
    finally:
        await ledger.close()


async def test_contention_splits_a_hot_account(pg_url: str) -> None:
    settings = EngineSettings(
        workers=4,
        split=SplitSettings(lock_wait_seconds=0.0, strikes=2, cooldown_seconds=0.0),
    )
    ledger = await open_ledger(pg_url, sweep_interval=None, engine=settings, pool_size=8)
    try:
        hot, *others = await open_accounts(ledger, account(), *(account() for _ in range(50)))

        async def submitter(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(20):
                await ledger.create_transfers(
                    [transfer(rng.choice(others), hot, 1) for _ in range(50)]
                )

        await asyncio.gather(*(submitter(s) for s in range(8)))
        assert ledger.engine.buckets.get(hot, 1) > 1
        assert ledger.engine.stats.resizes >= 1
        assert await counters(ledger, hot) == (0, 0, 0, 8 * 20 * 50)
        report = await ledger.check_invariants()
        assert report.ok, report.violations
    finally:
        await ledger.close()


# -- the split policy, without a database -----------------------------------------------------


def test_a_process_that_never_found_an_account_hot_keeps_it_split_while_it_is_hot_elsewhere() -> (
    None
):
    """The shared record decides: this process has no memory of the account being hot."""
    a = uuid.uuid4()
    policy = SplitPolicy(POLICY)
    policy.refreshed({a: AccountSplit(4, resized_at=T0, hot_at=T0 + 50 * S)}, T0 + 100 * S)
    assert policy.observe([], 0.0, T0 + 100 * S, set()) == []
    # Cold everywhere for 60 s, plus the 5 s a sighting may wait to be recorded: merged.
    policy.refreshed({a: AccountSplit(4, resized_at=T0, hot_at=T0 + 50 * S)}, T0 + 116 * S)
    assert policy.observe([], 0.0, T0 + 116 * S, set()) == [
        BucketResize(a, 1, cooldown_ns=10 * S, cold_ns=65 * S)
    ]
    # Asked once per refresh.
    assert policy.observe([], 0.0, T0 + 116 * S, set()) == []


def test_a_merge_waits_for_the_cooldown_and_not_for_an_account_hot_in_the_batch() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    policy = SplitPolicy(replace(POLICY, lock_wait_seconds=1.0))
    now = T0 + 100 * S
    policy.refreshed(
        {
            a: AccountSplit(2, resized_at=now - 5 * S, hot_at=T0),
            b: AccountSplit(2, resized_at=T0, hot_at=T0),
        },
        now,
    )
    # a was resized 5 s ago; b is cold, but hot in this very batch.
    assert policy.observe([b], 0.0, now, set()) == []


def test_a_pinned_account_is_never_merged_or_split() -> None:
    a = uuid.uuid4()
    policy = SplitPolicy(POLICY)
    policy.refreshed({a: AccountSplit(4, resized_at=T0, hot_at=T0, pinned=True)}, T0 + 1000 * S)
    assert policy.observe([], 0.0, T0 + 1000 * S, set()) == []
    # Hot and contended, it would double (strikes=1); pinned, it stays, and nothing is recorded.
    assert policy.observe([a], 1.0, T0 + 1001 * S, set()) == []
    assert policy.due_hot() == {}


def test_hot_split_accounts_are_recorded_at_most_once_per_interval() -> None:
    split, whole = uuid.uuid4(), uuid.uuid4()
    policy = SplitPolicy(replace(POLICY, lock_wait_seconds=1.0))
    policy.refreshed({split: AccountSplit(2, resized_at=T0, hot_at=T0)}, T0)
    for at in (T0 + 1 * S, T0 + 2 * S):
        policy.observe([split, whole], 0.0, at, set())
    # Only split accounts: an unsplit one has nothing to merge.
    assert policy.due_hot() == {split: T0 + 1 * S}
    policy.observe([split], 0.0, T0 + 5 * S, set())
    assert policy.due_hot() == {}
    policy.observe([split], 0.0, T0 + 6 * S, set())
    assert policy.due_hot() == {split: T0 + 6 * S}


def test_a_contended_hot_account_doubles_its_buckets_from_the_shared_count() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    policy = SplitPolicy(POLICY)
    policy.refreshed({a: AccountSplit(2, resized_at=T0, hot_at=T0)}, T0)
    assert policy.observe([a, b], 0.01, T0, {b}) == [BucketResize(a, 4, cooldown_ns=10 * S)]


def test_a_disabled_policy_asks_for_nothing() -> None:
    a = uuid.uuid4()
    policy = SplitPolicy(replace(POLICY, enabled=False))
    policy.refreshed({a: AccountSplit(4, resized_at=T0, hot_at=T0)}, T0 + 1000 * S)
    assert policy.observe([a], 1.0, T0 + 1000 * S, set()) == []
    assert policy.due_hot() == {}


# -- pins and the shared record, on both backends ----------------------------------------------


async def test_a_pinned_split_is_resized_only_by_hand(ledger: Ledger) -> None:
    (a,) = await open_accounts(ledger, account())
    assert await ledger.split_account(a, 4, pin=True)
    # What the engine would ask for by itself, cooldown or not, is refused.
    assert not await ledger.engine.resize(a, 1)
    assert not await ledger.engine.resize(a, 8)
    assert ledger.engine.buckets[a] == 4
    # Pinning or unpinning alone changes no bucket count.
    assert not await ledger.split_account(a, 4)
    assert await ledger.engine.resize(a, 2)
    assert await ledger.split_account(a, 1, pin=True)
    assert not await ledger.engine.resize(a, 2)
    assert a not in ledger.engine.buckets
    # By hand again, without the pin: the engine may resize it.
    assert await ledger.split_account(a, 2)
    assert await ledger.engine.resize(a, 1)


async def test_a_merge_is_refused_while_any_process_recorded_the_account_hot(
    ledger: Ledger,
) -> None:
    (a,) = await open_accounts(ledger, account())
    assert await ledger.split_account(a, 2)
    now = time.time_ns()
    store = ledger.store
    # Another process's record: the later time stays, an earlier one changes nothing.
    await run_in_transaction(store, lambda tx: tx.record_hot({a: now}))
    await run_in_transaction(store, lambda tx: tx.record_hot({a: now - 30 * S}))
    assert (await store.split_accounts())[a].hot_at == now
    merge = BucketResize(a, 1, cold_ns=60 * S)
    assert not await run_in_transaction(store, lambda tx: tx.resize_buckets(merge, now + 59 * S))
    assert await run_in_transaction(store, lambda tx: tx.resize_buckets(merge, now + 61 * S))
    assert a not in await store.split_accounts()
