"""Chained batches on SQLite (strongroom.ledger.engine.chain; docs/ledger-engine.md, "Chained
batches").

A chained batch runs its rules on the rows the batch before it leaves, before it is admitted,
and its transaction commits only if nothing else happened in between. Every test here runs
real concurrent load on a real SQLite file and then checks what chaining could get wrong: a
balance computed from rows that were stale when written (a lost update shows as counters that
disagree with the fold of the log), a limit passed or under-used, a transfer applied twice or
answered differently than it was stored, an outbox row left by a rolled-back transaction.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import random
import sqlite3
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.bootstrap import open_ledger
from strongroom.clock import ManualClock
from strongroom.ids import new_id
from strongroom.ledger import AccountFlags, AccountStatus, Ledger, Transfer, TransferFlags
from strongroom.ledger.buckets import ALL, BucketRow, BucketWrite
from strongroom.ledger.engine import default_engine
from strongroom.ledger.engine.chain import Chain, Chains, written
from strongroom.ledger.ports import DELTA_CAP, WriterOrder
from strongroom.money import AMOUNT_MAX
from strongroom.store.urls import parse_url
from tests.conftest import sqlite_copy
from tests.ledger.engine.builders import meta, rows
from tests.ledger.helpers import account, counters, open_accounts, results, transfer
from tests.ledger.model import Model, ModelAccount

F = TransferFlags
LIMITED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
Counters = tuple[int, int, int, int]


class Recorder:
    """Every transfer a test submits, with its result, to check the log against afterwards."""

    def __init__(self) -> None:
        self.outcomes: list[tuple[Transfer, str]] = []

    async def submit(self, ledger: Ledger, transfers: Sequence[Transfer]) -> list[str]:
        got = await results(ledger, *transfers)
        self.outcomes.extend(zip(transfers, got, strict=True))
        return got


def _db(url: str) -> sqlite3.Connection:
    """A plain sqlite3 connection on the ledger's file, to read the log behind the engine."""
    return sqlite3.connect(parse_url(url).target)


def check_log(url: str, outcomes: Iterable[tuple[Transfer, str]]) -> None:
    """The log holds exactly the transfers answered `ok`, each once, and nothing else; an id
    answered `exists` is one of them. Along `seq` the timestamps strictly increase (one writer),
    and every transfer lies in exactly one outbox row's range whose origins count it."""
    oks = Counter(t.id for t, r in outcomes if r == "ok")
    twice = [i for i, n in oks.items() if n > 1]
    assert not twice, f"applied twice: {twice[:5]}"
    exists = {t.id for t, r in outcomes if r == "exists"}
    assert exists <= oks.keys(), f"answered exists but never ok: {list(exists - oks.keys())[:5]}"
    with closing(_db(url)) as db:
        rows = db.execute("SELECT id, seq, timestamp FROM transfers ORDER BY seq").fetchall()
        stored = [uuid.UUID(bytes=r[0]) for r in rows]
        assert len(stored) == len(set(stored))
        assert set(stored) == set(oks), (
            f"{len(set(stored) - set(oks))} stored without an ok, "
            f"{len(set(oks) - set(stored))} ok but not stored"
        )
        stamps = [r[2] for r in rows]
        assert all(a < b for a, b in itertools.pairwise(stamps)), "timestamps vs seq"
        (uncovered,) = db.execute(
            "SELECT count(*) FROM transfers t WHERE (SELECT count(*) FROM outbox o"
            " WHERE t.seq BETWEEN o.transfers_from AND o.transfers_to) != 1"
        ).fetchone()
        assert uncovered == 0, f"{uncovered} transfers not in exactly one outbox row"
        for first, last, origins in db.execute(
            "SELECT transfers_from, transfers_to, origins FROM outbox"
            " WHERE transfers_from IS NOT NULL"
        ):
            (inside,) = db.execute(
                "SELECT count(*) FROM transfers WHERE seq BETWEEN ? AND ?", (first, last)
            ).fetchone()
            runs = msgspec.json.decode(origins, type=list[tuple[int, str | None, str | None, None]])
            assert inside == sum(run[0] for run in runs) > 0, (first, last, runs)


def between(rng: random.Random, accounts: Sequence[uuid.UUID], most: int) -> Transfer:
    """A transfer of 1 to `most` between two of `accounts`."""
    debit, credit = rng.sample(list(accounts), 2)
    return transfer(debit, credit, rng.randint(1, most))


def expected_counters(outcomes: Iterable[tuple[Transfer, str]]) -> dict[uuid.UUID, Counters]:
    """Posted counters of every account as the plain sum of the transfers answered `ok`."""
    debits: dict[uuid.UUID, int] = defaultdict(int)
    credits: dict[uuid.UUID, int] = defaultdict(int)
    for t, r in outcomes:
        if r == "ok":
            debits[t.debit_account_id] += t.amount
            credits[t.credit_account_id] += t.amount
    return {a: (0, debits[a], 0, credits[a]) for a in debits.keys() | credits.keys()}


async def assert_counters(ledger: Ledger, expected: dict[uuid.UUID, Counters]) -> None:
    found = {
        a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in await ledger.lookup_accounts(list(expected))
    }
    wrong = {a: (found.get(a), want) for a, want in expected.items() if found.get(a) != want}
    assert not wrong, f"{len(wrong)} accounts differ, e.g. {list(wrong.items())[:3]}"


async def assert_invariants(ledger: Ledger) -> None:
    report = await ledger.check_invariants()
    assert report.ok, report.violations[:5]


# -- 1. chaining happens, and adds up -------------------------------------------------------


async def test_concurrent_calls_are_chained_and_add_up(sqlite_url: str) -> None:
    """Six submitters send calls of 250 transfers each, concurrently, so that the two workers
    share the queue and each batch runs its rules while the one before it writes. Balances
    must be the plain sum of the transfers (limited wallets, which every batch locks and a
    chained batch reads from its predecessor's rows, and forty plain accounts, mostly written
    as deltas), and the log must hold each transfer once: a chained batch that assumed stale
    rows would break the fold of the log, and one that committed twice would show there."""
    log = Recorder()
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, *wallets = await open_accounts(
            ledger, account(), *(account(flags=LIMITED) for _ in range(4))
        )
        plains = await open_accounts(ledger, *(account() for _ in range(40)))
        funding = [transfer(bank, w, 10_000_000) for w in wallets]
        funding += [transfer(bank, p, 1) for p in plains]
        assert set(await log.submit(ledger, funding)) == {"ok"}

        async def submitter(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(8):
                call = []
                for _ in range(250):
                    if rng.random() < 0.5:
                        debit, credit = rng.choice(wallets), rng.choice(plains)
                    else:
                        debit, credit = rng.sample(plains, 2)
                    if rng.random() < 0.2:
                        debit, credit = credit, debit
                    call.append(transfer(debit, credit, rng.randint(1, 100)))
                assert set(await log.submit(ledger, call)) == {"ok"}

        await asyncio.gather(*(submitter(seed) for seed in range(6)))
        stats = ledger.engine.stats
        assert stats.chained > 0, stats
        assert stats.transfers == len(log.outcomes)
        await assert_counters(ledger, expected_counters(log.outcomes))
        await assert_invariants(ledger)
    check_log(sqlite_url, log.outcomes)


# -- 2. limits stay exact across chained batches --------------------------------------------

SPEND = 7


async def test_a_limit_is_exact_across_chained_batches(sqlite_url: str) -> None:
    """A wallet that may not go below zero holds 1,000 spends and 3 units; concurrent calls ask
    for 1,800 spends, each linked to a second leg. Exactly 1,000 spends must succeed, whatever
    batch and chain they land in: one more is an overdraft (a chained batch that read a
    balance its predecessor had already spent), one fewer an under-use (a batch that did not
    see a credit). The legs of the refused spends must roll back with them."""
    log = Recorder()
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, wallet = await open_accounts(ledger, account(), account(flags=LIMITED))
        shops = await open_accounts(ledger, *(account() for _ in range(8)))
        funds = 1_000 * SPEND + 3
        warm = [transfer(bank, wallet, funds), *(transfer(bank, s, 1) for s in shops)]
        assert set(await log.submit(ledger, warm)) == {"ok"}

        async def submitter(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(6):
                call = []
                for _ in range(50):
                    shop, other = rng.sample(shops, 2)
                    call.append(transfer(wallet, shop, SPEND, F.LINKED))
                    call.append(transfer(shop, other, SPEND))
                    call.extend(between(rng, shops, 9) for _ in range(2))
                got = await log.submit(ledger, call)
                for i in range(0, len(call), 4):
                    assert got[i : i + 2] in (
                        ["ok", "ok"],
                        ["exceeds_credits", "linked_event_failed"],
                    )
                    assert got[i + 2 : i + 4] == ["ok", "ok"]

        await asyncio.gather(*(submitter(seed) for seed in range(6)))
        spends = [t for t, r in log.outcomes if t.debit_account_id == wallet and r == "ok"]
        assert len(spends) == 1_000
        assert await counters(ledger, wallet) == (0, 1_000 * SPEND, 0, funds)
        assert ledger.engine.stats.chained > 0, ledger.engine.stats
        await assert_counters(ledger, expected_counters(log.outcomes))
        await assert_invariants(ledger)
    check_log(sqlite_url, log.outcomes)


# -- 3. another connection commits between two batches --------------------------------------


async def test_two_connections_chaining_on_one_file(sqlite_url: str) -> None:
    """Two ledgers on one file, each with its own connection and its own chains, spend from the
    same limited wallet and move money between the same limited accounts under load, while the
    second also creates accounts (which makes its next batch's chain miss). Whatever
    interleaves, the wallet pays for exactly the spends it holds, each transfer is applied
    once and the counters equal the fold of the log. Which commits land between two batches
    is up to the scheduler here; the tests after this one place them there on purpose."""
    log = Recorder()
    first = await open_ledger(sqlite_url, sweep_interval=None)
    second = await open_ledger(sqlite_url, migrate=False, sweep_interval=None)
    try:
        bank, wallet = await open_accounts(first, account(), account(flags=LIMITED))
        shops = await open_accounts(first, *(account(flags=LIMITED) for _ in range(6)))
        funds = 600 * SPEND + 5
        warm = [transfer(bank, wallet, funds), *(transfer(bank, s, 1_000_000) for s in shops)]
        assert set(await log.submit(first, warm)) == {"ok"}
        created = 0

        async def submitter(ledger: Ledger, seed: int) -> None:
            nonlocal created
            rng = random.Random(seed)
            for n in range(6):
                call = [transfer(wallet, rng.choice(shops), SPEND) for _ in range(30)]
                call += [between(rng, shops, 50) for _ in range(150)]
                rng.shuffle(call)
                got = await log.submit(ledger, call)
                assert {
                    r for t, r in zip(call, got, strict=True) if t.debit_account_id != wallet
                } == {"ok"}
                if ledger is second and n % 2:
                    await open_accounts(second, account())
                    created += 1

        await asyncio.gather(
            *(submitter(first, seed) for seed in range(4)),
            *(submitter(second, seed) for seed in range(4, 8)),
        )
        spends = [t for t, r in log.outcomes if t.debit_account_id == wallet and r == "ok"]
        refused = {r for t, r in log.outcomes if t.debit_account_id == wallet and r != "ok"}
        assert len(spends) == 600
        assert refused == {"exceeds_credits"}
        assert await counters(first, wallet) == (0, 600 * SPEND, 0, funds)
        await assert_counters(first, expected_counters(log.outcomes))
        report = await first.check_invariants()
        assert report.ok, report.violations[:5]
        assert report.accounts == 8 + created
        assert first.engine.stats.chained + second.engine.stats.chained > 0
    finally:
        await second.close()
        await first.close()
    check_log(sqlite_url, log.outcomes)


# -- 4. a batch queued behind one that rolls back -------------------------------------------

FAILURES = [
    # A transfer stored by an earlier call comes again in the wave's first batch: the rules
    # accept it, the log's unique index refuses it, that batch rolls back and reruns probed.
    "stored_before_accepted",
    # The same, but the rules refuse the copy (the wallet it drained is empty): the refused id
    # is found in the log, the batch rolls back ("reused") and reruns probed.
    "stored_before_refused",
    # A new transfer in the first batch and its retry in the second, which runs its rules on
    # what the first leaves: accepted again there, or refused there.
    "same_wave_accepted",
    "same_wave_refused",
    # The first batch adds to an account holding more than DELTA_CAP: the delta is refused on
    # the connection's thread and the batch reruns with every row locked.
    "delta_over_cap",
]


@pytest.mark.parametrize("failure", FAILURES)
async def test_a_batch_queued_behind_one_that_rolls_back_reruns(
    sqlite_url: str, failure: str
) -> None:
    """Twenty concurrent calls of a hundred transfers split into two batches; the second runs
    its rules on the rows the first leaves and queues its transaction right behind it. When
    the first rolls back (or the second itself meets a reused id), neither may apply anything
    twice or lose anything: the reused id answers `exists`, every other transfer `ok`, once,
    and the second batch reruns on what was really committed."""
    log = Recorder()
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, whale, big, wallet, spender = await open_accounts(
            ledger,
            account(),
            account(),
            account(),
            account(flags=LIMITED),
            account(flags=LIMITED),
        )
        plains = await open_accounts(ledger, *(account() for _ in range(40)))
        funding = [
            transfer(bank, wallet, 1_000),
            transfer(bank, spender, 1_000_000),
            transfer(whale, big, AMOUNT_MAX - 10),
            *(transfer(bank, p, 1_000) for p in plains),
        ]
        assert set(await log.submit(ledger, funding)) == {"ok"}
        drain = transfer(wallet, plains[0], 600)
        x = drain if failure.endswith("refused") else transfer(plains[0], plains[1], 5)
        # Locks both limited accounts, so that the wave's first batch can chain on it.
        before = [transfer(spender, plains[0], 1), transfer(wallet, plains[1], 400)]
        if failure.startswith("stored_before"):
            before.append(x)
        assert set(await log.submit(ledger, before)) == {"ok"}
        rng = random.Random(failure)
        calls = [
            [transfer(spender, rng.choice(plains), 1) for _ in range(5)]
            + [between(rng, plains, 9) for _ in range(95)]
            for _ in range(20)
        ]
        expected = [["ok"] * 100 for _ in calls]
        if failure == "delta_over_cap":
            calls[0].insert(0, transfer(plains[2], big, 3))
            expected[0].insert(0, "ok")
        elif failure.startswith("stored_before"):
            calls[0].insert(0, x)
            expected[0].insert(0, "exists")
        else:
            calls[0].insert(0, x)
            expected[0].insert(0, "ok")
            calls[-1].append(x)
            expected[-1].append("exists")
        stats = ledger.engine.stats
        chained, misses, reused = stats.chained, stats.chain_misses, stats.reused_ids
        got = await asyncio.gather(*(log.submit(ledger, c) for c in calls))
        assert got == expected
        if failure == "delta_over_cap":
            assert stats.retries >= 1
            assert await counters(ledger, big) == (0, 0, 0, AMOUNT_MAX - 7)
        else:
            assert stats.reused_ids > reused
        if failure.startswith("same_wave"):
            # The first batch was written chained, the second ran its rules on what it left.
            assert stats.chained > chained, stats
        else:
            # The second batch was queued behind the first, which rolled back.
            assert stats.chain_misses > misses, stats
        spent = 1_000 if failure.endswith("refused") else 400
        assert await counters(ledger, wallet) == (0, spent, 0, 1_000)
        await assert_counters(ledger, expected_counters(log.outcomes))
        await assert_invariants(ledger)
    check_log(sqlite_url, log.outcomes)


# -- 3b. something placed between two batches, on purpose ----------------------------------
# Sequential calls chain too: a batch runs its rules on what the batch before it left, however
# long ago that one committed. Each test below changes what the second batch may assume (a
# commit of another connection or of this one, the clock, the log, the account cache) and
# checks that it did not write on the stale assumption.


async def _chain_ready(ledger: Ledger, funding: Sequence[Transfer]) -> None:
    """Fund, and put every account in the engine's account cache: a batch naming an account
    the cache lacks is never chained."""
    assert set(await results(ledger, *funding)) == {"ok"}


async def test_a_spend_by_another_connection_between_two_batches(sqlite_url: str) -> None:
    """The second batch's rules run on the wallet as the first batch left it (9 available), but
    another connection spent those 9 in between. Its transaction finds the data version and
    the seq block moved on and reruns: the spend is refused, nothing is overdrawn."""
    first = await open_ledger(sqlite_url, sweep_interval=None)
    second = await open_ledger(sqlite_url, migrate=False, sweep_interval=None)
    try:
        bank, wallet, shop = await open_accounts(
            first, account(), account(flags=LIMITED), account()
        )
        await _chain_ready(first, [transfer(bank, wallet, 10), transfer(bank, shop, 1)])
        stats = first.engine.stats
        assert await results(first, transfer(wallet, shop, 1)) == ["ok"]
        assert stats.chained == 1
        assert await results(second, transfer(wallet, shop, 9)) == ["ok"]
        assert await results(first, transfer(wallet, shop, 9)) == ["exceeds_credits"]
        assert stats.chain_misses == 1
        assert await counters(first, wallet) == (0, 10, 0, 10)
        await assert_invariants(first)
    finally:
        await second.close()
        await first.close()


async def test_a_freeze_by_another_connection_between_two_batches(sqlite_url: str) -> None:
    """Another connection freezes the shop after the first batch; the second batch's rules,
    run on the engine's cached statuses, still see it open. The status epoch (and the data
    version) tell its transaction to rerun, and the rerun answers `account_frozen`."""
    first = await open_ledger(sqlite_url, sweep_interval=None)
    second = await open_ledger(sqlite_url, migrate=False, sweep_interval=None)
    try:
        bank, wallet, shop = await open_accounts(
            first, account(), account(flags=LIMITED), account()
        )
        await _chain_ready(first, [transfer(bank, wallet, 10), transfer(wallet, shop, 1)])
        await second.set_account_status(shop, AccountStatus.FROZEN)
        assert await results(first, transfer(wallet, shop, 1)) == ["account_frozen"]
        assert first.engine.stats.chain_misses == 1
        assert await counters(first, shop) == (0, 0, 0, 1)
        await assert_invariants(first)
    finally:
        await second.close()
        await first.close()


async def test_a_merge_by_another_connection_between_two_batches(sqlite_url: str) -> None:
    """This process believes the wallet unsplit (it reads the bucket map only every
    `bucket_refresh_seconds`, an hour here so that the test does not depend on timing), so
    its batches lock all the wallet's rows: two, since another process split it. The first
    batch on the wallet spreads its funds over both; then the other process merges them back
    into bucket 0. Nothing else shows the merge (no seq block, no status change): only the
    data version does. A second batch that wrote the rows the first one left would set a
    bucket that no longer exists and lose that bucket's share of the funds."""
    engine = dataclasses.replace(default_engine("sqlite"), bucket_refresh_seconds=3600)
    first = await open_ledger(sqlite_url, sweep_interval=None, engine=engine)
    second = await open_ledger(sqlite_url, migrate=False, sweep_interval=None)
    try:
        bank, wallet, shop = await open_accounts(
            first, account(), account(flags=LIMITED), account()
        )
        # The engine's first batch, which reads the bucket map if it ever does.
        await _chain_ready(first, [transfer(bank, shop, 1)])
        assert await second.split_account(wallet, 2)
        assert await results(first, transfer(bank, wallet, 1_000)) == ["ok"]
        assert await second.split_account(wallet, 1)
        assert first.engine.stats.chain_misses == 0
        assert await results(first, transfer(wallet, shop, 10)) == ["ok"]
        assert first.engine.stats.chain_misses == 1
        assert await counters(first, wallet) == (0, 10, 0, 1_000)
        await assert_invariants(first)
    finally:
        await second.close()
        await first.close()


async def test_a_merge_on_the_same_connection_between_two_batches(sqlite_url: str) -> None:
    """The wallet is split in two; a batch that reserves on it locks both rows and spreads the
    free funds over them. The same process then merges the wallet back. That transaction draws
    no seq block, changes no status and, being on the same connection, no data version: only
    the transactions' numbering (a chained write must directly follow its predecessor's)
    tells the next batch that the rows it assumes are gone."""
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, wallet, shop = await open_accounts(
            ledger, account(), account(flags=LIMITED), account()
        )
        assert await ledger.split_account(wallet, 2)
        await _chain_ready(ledger, [transfer(bank, wallet, 1_000), transfer(bank, shop, 1)])
        reserve = transfer(wallet, shop, 10, F.PENDING)
        assert await results(ledger, reserve) == ["ok"]
        assert await ledger.split_account(wallet, 1)
        assert ledger.engine.stats.chain_misses == 0
        assert await results(ledger, transfer(wallet, shop, 10)) == ["ok"]
        assert ledger.engine.stats.chain_misses == 1
        assert await counters(ledger, wallet) == (10, 10, 0, 1_000)
        await assert_invariants(ledger)


async def test_a_reservation_falling_due_between_two_batches(sqlite_url: str) -> None:
    """The first batch reserves the whole wallet for one second; the clock then passes the
    timeout. The second batch's rules, run on the rows the first left, see the reservation and
    refuse the spend; its transaction finds a pending transfer due and reruns, expiring the
    reservation first, and the spend succeeds, as it would have without chaining."""
    clock = ManualClock()
    async with await open_ledger(sqlite_url, clock=clock, sweep_interval=None) as ledger:
        bank, wallet, shop, other = await open_accounts(
            ledger, account(), account(flags=LIMITED), account(), account()
        )
        await _chain_ready(
            ledger, [transfer(bank, wallet, 10), transfer(bank, shop, 1), transfer(bank, other, 1)]
        )
        hold = transfer(wallet, shop, 10, F.PENDING, timeout=1)
        assert await results(ledger, hold) == ["ok"]
        clock.advance(2)
        assert ledger.engine.stats.chain_misses == 0
        assert await results(ledger, transfer(wallet, other, 10)) == ["ok"]
        assert ledger.engine.stats.chain_misses == 1
        assert ledger.engine.stats.expired == 1
        assert await counters(ledger, wallet) == (0, 10, 0, 10)
        await assert_invariants(ledger)


async def test_a_retry_refused_on_the_rows_its_first_run_left(sqlite_url: str) -> None:
    """A spend empties the wallet; its retry, in the next (chained) batch, is refused by the
    rules on what that spend left. Only the look-up of refused ids inside the chained
    transaction tells that the id is in the log: the answer must be `exists`, not
    `exceeds_credits`."""
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, wallet, shop = await open_accounts(
            ledger, account(), account(flags=LIMITED), account()
        )
        await _chain_ready(ledger, [transfer(bank, wallet, 10), transfer(bank, shop, 1)])
        spend = transfer(wallet, shop, 10)
        assert await results(ledger, spend) == ["ok"]
        assert ledger.engine.stats.chained == 1
        assert await results(ledger, spend) == ["exists"]
        assert ledger.engine.stats.reused_ids == 1
        assert await counters(ledger, wallet) == (0, 10, 0, 10)
        await assert_invariants(ledger)


async def test_an_account_the_engine_never_used_is_read_not_assumed_missing(
    sqlite_url: str,
) -> None:
    """The rules of a chained batch see only accounts in the engine's account cache. An
    account that exists but that this engine never used is not there, and nothing in the
    chained transaction's checks would notice it: such a batch must not chain, or the rules
    answer `account_not_found` for an account that exists."""
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, wallet, newcomer = await open_accounts(
            ledger, account(), account(flags=LIMITED), account()
        )
        await _chain_ready(ledger, [transfer(bank, wallet, 10)])
        assert await results(ledger, transfer(bank, wallet, 1)) == ["ok"]
        assert ledger.engine.stats.chained == 1
        assert await results(ledger, transfer(wallet, newcomer, 5)) == ["ok"]
        assert ledger.engine.stats.chained == 1
        assert await counters(ledger, newcomer) == (0, 0, 0, 5)
        await assert_invariants(ledger)


async def test_a_commit_whose_caller_was_cancelled_still_breaks_the_chain(
    sqlite_url: str,
) -> None:
    """A transaction whose caller is cancelled while its COMMIT is queued still commits on the
    connection's thread. Here it merges a split account back into one bucket; the next batch,
    chained on the rows the batch before the merge left, must not write those rows over the
    merge (which would lose the other bucket's funds), and the cancelled caller must see its
    cancellation, not a failed rollback."""
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, x, y = await open_accounts(ledger, account(), account(flags=LIMITED), account())
        assert await results(ledger, transfer(bank, x, 1000)) == ["ok"]
        assert await ledger.split_account(x, 2)
        pending = [transfer(x, y, 1, flags=F.PENDING)]
        # A reservation locks every bucket of x and spreads its funds over them.
        assert await results(ledger, *pending) == ["ok"]
        store = ledger.store
        commit = store._commit  # type: ignore[attr-defined]
        committing = asyncio.Event()
        loop = asyncio.get_running_loop()

        def slow_commit(number: int, conn: sqlite3.Connection) -> None:
            loop.call_soon_threadsafe(committing.set)
            time.sleep(0.05)
            commit(number, conn)

        store._commit = slow_commit  # type: ignore[attr-defined]
        merge = asyncio.create_task(ledger.split_account(x, 1))
        await committing.wait()
        merge.cancel()
        with pytest.raises(asyncio.CancelledError):
            await merge
        store._commit = commit  # type: ignore[attr-defined]
        assert await results(ledger, transfer(x, y, 1, flags=F.PENDING)) == ["ok"]
        assert await counters(ledger, x) == (2, 0, 0, 1000)
        report = await ledger.check_invariants()
        assert report.ok, report.violations


async def test_chaining_resumes_after_a_miss(sqlite_url: str) -> None:
    """One commit between two batches (an account created, on the same connection) must cost
    one chain miss, not all the ones after it. A batch whose chained write missed has already
    handed its successor the chain of that write, whose transaction never commits: unless the
    engine remembers that transaction as rolled back, the successor misses too, hands on the
    same kind of chain, and so on, and chaining stops for good."""
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, wallet, shop = await open_accounts(
            ledger, account(), account(flags=LIMITED), account()
        )
        await _chain_ready(ledger, [transfer(bank, wallet, 100), transfer(bank, shop, 1)])
        stats = ledger.engine.stats
        for _ in range(3):
            assert await results(ledger, transfer(wallet, shop, 1)) == ["ok"]
        assert (stats.chained, stats.chain_misses) == (3, 0)
        await open_accounts(ledger, account())
        for _ in range(4):
            assert await results(ledger, transfer(wallet, shop, 1)) == ["ok"]
        assert await counters(ledger, wallet) == (0, 7, 0, 100)
        # The first batch after the commit misses, the next runs the usual way (its chain is
        # known dead), and the two after it chain again.
        assert (stats.chained, stats.chain_misses) == (3 + 2, 1), stats


# -- 5. random concurrent workloads against the reference model -----------------------------

#: The accounts of a workload, by index: two plain, two that may not be overdrawn, one whose
#: credits may not pass its debits plus 300, one more plain.
POOL = [
    (AccountFlags.NONE, 0),
    (AccountFlags.NONE, 0),
    (LIMITED, 0),
    (LIMITED, 0),
    (AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS, 300),
    (AccountFlags.NONE, 0),
]


@dataclasses.dataclass(frozen=True)
class Workload:
    accounts: list[uuid.UUID]
    funding: list[Transfer]
    #: Per submitter, its calls in the order it sends them (each waits for the one before).
    submitters: list[list[list[Transfer]]]


@st.composite
def workloads(draw: st.DrawFn) -> Workload:
    accounts = [new_id() for _ in POOL]
    missing = new_id()
    marker_from, marker_to = new_id(), new_id()
    funding = [transfer(accounts[0], accounts[i], draw(st.integers(1, 600))) for i in (2, 3)]
    made: list[Transfer] = []
    indices = list(range(len(POOL)))

    def one() -> Transfer:
        # Few transfers name a missing account or move an amount at the edges: a batch naming
        # an account the engine never saw, or locking one its predecessor did not, is not
        # chained, and most batches should be.
        kind = draw(st.sampled_from(["new"] * 16 + ["retry", "conflict", "missing", "edge"]))
        if kind in ("retry", "conflict") and made:
            earlier = draw(st.sampled_from(made))
            if kind == "retry":
                return earlier
            return msgspec.structs.replace(earlier, amount=earlier.amount + 1)
        debit = draw(st.sampled_from(indices))
        credit = draw(st.sampled_from([i for i in indices if i != debit]))
        ids = [accounts[debit], accounts[credit]]
        if kind == "missing":
            ids[draw(st.integers(0, 1))] = missing
        t = transfer(
            ids[0],
            ids[1],
            draw(
                st.sampled_from([0, AMOUNT_MAX, DELTA_CAP])
                if kind == "edge"
                else st.integers(1, 300)
            ),
            F.LINKED if draw(st.integers(0, 9)) < 3 else F.NONE,
        )
        made.append(t)
        return t

    submitters = []
    for _ in range(draw(st.integers(2, 4))):
        calls = []
        for _ in range(draw(st.integers(1, 4))):
            # The marker (first, never refused) tells where the call was committed: its seq.
            calls.append(
                [transfer(marker_from, marker_to, 1)]
                + [one() for _ in range(draw(st.integers(0, 10)))]
            )
        submitters.append(calls)
    return Workload([*accounts, marker_from, marker_to], funding, submitters)


async def _run_workload(url: str, workload: Workload) -> tuple[int, int]:
    """Run `workload`'s submitters concurrently and compare every call's results with the
    model run on the calls in the order they were committed (their markers' seq); then every
    balance and the log. Returns the batches chained and missed."""
    model = Model()
    flags = [*POOL, (AccountFlags.NONE, 0), (AccountFlags.NONE, 0)]
    for account_id, (flag, overdraft) in zip(workload.accounts, flags, strict=True):
        model.accounts[account_id] = ModelAccount(account_id, "USD", flag, overdraft)
    # Small shares, so that even a few short calls split between the two workers; no probing
    # window, so that a reused id does not stop chaining for the rest of the run.
    engine = dataclasses.replace(default_engine("sqlite"), min_share=1, probe_ids_seconds=0)
    log = Recorder()
    async with await open_ledger(url, migrate=False, sweep_interval=None, engine=engine) as ledger:
        await open_accounts(
            ledger,
            *(
                account(id=i, flags=f, overdraft_limit=o)
                for i, (f, o) in zip(workload.accounts, flags, strict=True)
            ),
        )
        # Every account in the engine's cache, so that batches can chain from the start.
        warm = [*workload.funding, transfer(workload.accounts[-2], workload.accounts[-1], 1)]
        warm += [transfer(workload.accounts[0], a, 1) for a in workload.accounts[1:6]]
        assert model.batch(warm) == ["ok"] * len(warm)
        assert set(await log.submit(ledger, warm)) == {"ok"}
        done: list[tuple[list[Transfer], list[str]]] = []

        async def submitter(calls: list[list[Transfer]]) -> None:
            for call in calls:
                done.append((call, await log.submit(ledger, call)))

        await asyncio.gather(*(submitter(calls) for calls in workload.submitters))
        markers = {t.id: t.seq for t in await ledger.lookup_transfers([c[0].id for c, _ in done])}
        for call, got in sorted(done, key=lambda d: markers[d[0][0].id]):
            assert got == model.batch(call), call
        found = await ledger.lookup_accounts(workload.accounts)
        for a in found:
            m = model.accounts[a.id]
            assert (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) == (
                m.dp,
                m.dpo,
                m.cp,
                m.cpo,
            ), a
        await assert_invariants(ledger)
        stats = ledger.engine.stats
    check_log(url, log.outcomes)
    assert {t.id for t, r in log.outcomes if r == "ok"} == model.stored.keys()
    return stats.chained, stats.chain_misses


def test_concurrent_workloads_match_the_reference_model(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    """Random concurrent workloads (plain transfers, linked chains, limits that bite, missing
    accounts, retries and conflicting reuses of ids, amounts at the 64-bit edges) on a
    two-worker SQLite ledger give, call by call, what the reference model gives on the same
    calls in the order they committed, and the same balances; each transfer is stored once.

    The order is the log's: every call starts with a marker transfer that cannot fail, whose
    seq places the call among the others. A chained batch whose rules ran on anything but
    the state its predecessors committed would disagree with the model. Each example gets a
    fresh copy of one migrated database; chaining must have happened across the examples."""
    totals = Counter[str]()

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(workload=workloads())
    def check(workload: Workload) -> None:
        folder = tmp_path / uuid.uuid4().hex
        folder.mkdir()
        chained, misses = asyncio.run(_run_workload(sqlite_copy(migrated_sqlite, folder), workload))
        totals["chained"] += chained
        totals["misses"] += misses

    check()
    assert totals["chained"] > 0, totals


# -- the chain's bookkeeping, without a database ---------------------------------------------


def _chain(modes: dict[int, int], left: dict[uuid.UUID, list[BucketRow]]) -> Chain:
    return Chain(WriterOrder(7, 1), block=3, status_epoch=0, modes=modes, rows=left)


def test_a_chain_tells_only_the_rows_its_batch_locked_the_same_way_or_more() -> None:
    whole, single = meta(), meta()
    whole_rows = rows(whole, (0, 1, 0, 5), (0, 2, 0, 5))
    single_rows = rows(single, (0, 0, 0, 0), (0, 0, 0, 9))[1:]
    chain = _chain(
        {whole.id.int: ALL, single.id.int: 1}, {whole.id: whole_rows, single.id: single_rows}
    )
    assert chain.rows_for(whole.id, ALL) == whole_rows
    assert chain.rows_for(whole.id, 1) == whole_rows[1:]
    assert chain.rows_for(single.id, 1) == single_rows
    # One bucket does not tell the others, nor the account's total.
    assert chain.rows_for(single.id, 0) is None
    assert chain.rows_for(single.id, ALL) is None
    assert chain.rows_for(new_id(), ALL) is None


def test_what_a_chain_leaves_is_its_rows_with_its_writes_applied() -> None:
    account = meta()
    locked = rows(account, (0, 1, 0, 5), (0, 2, 0, 5))
    after = written({account.id: locked}, [BucketWrite(account.id, 1, 0, 7, 0, 8)])
    assert after == {account.id: [locked[0], rows(account, (0, 0, 0, 0), (0, 7, 0, 8))[1]]}


async def test_links_follow_the_order_batches_start_in() -> None:
    chains = Chains()
    first, second = chains.link(), chains.link()
    assert first.previous.result() is None
    assert not second.previous.done()
    left = _chain({}, {})
    first.hand_on(left)
    first.hand_on(None)
    assert second.previous.result() is left
    assert not chains.rolled_back(left)
    chains.roll_back([left.order.transaction])
    assert chains.rolled_back(left)
