"""The batch engine on a database (strongroom.ledger.engine.batch_engine): delta accounts, the
status epoch, sharing the queue, reused ids, the zero account, a full account cache."""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
import pytest

from strongroom.bootstrap import open_ledger
from strongroom.ids import NIL
from strongroom.ledger import AccountFlags, AccountStatus, HistoryQuery, TransferFlags
from strongroom.ledger.engine import EngineSettings
from strongroom.money import AMOUNT_MAX
from strongroom.store.postgres import SEQ_LOCK_KEY
from strongroom.store.urls import parse_url
from tests.ledger.helpers import account, counters, open_accounts, results, transfer


async def test_a_status_changed_by_another_process_is_seen_at_once(db_url: str) -> None:
    """Each engine caches accounts it has used; another process's freeze still applies to the
    very next batch, because every status change bumps an epoch each batch reads."""
    first = await open_ledger(db_url, sweep_interval=None)
    second = await open_ledger(db_url, migrate=False, sweep_interval=None)
    try:
        a, b = await open_accounts(first, account(), account())
        assert await results(first, transfer(a, b, 5)) == ["ok"]
        await second.set_account_status(b, AccountStatus.FROZEN)
        assert await results(first, transfer(a, b, 5)) == ["account_frozen"]
        await second.set_account_status(b, AccountStatus.OPEN)
        assert await results(first, transfer(a, b, 7)) == ["ok"]
        assert await counters(first, b) == (0, 0, 0, 12)
    finally:
        await second.close()
        await first.close()


async def test_a_delta_that_would_overflow_reruns_with_the_real_counters(db_url: str) -> None:
    """Accounts without limits are written as deltas the rules computed from zero; the write
    refuses a sum past 2**63 - 1 and the batch reruns locked, with exact result codes."""
    async with await open_ledger(db_url, sweep_interval=None) as ledger:
        a, b, c, d = await open_accounts(ledger, *(account() for _ in range(4)))
        assert await results(ledger, transfer(a, b, AMOUNT_MAX - 10)) == ["ok"]
        assert await results(
            ledger,
            transfer(c, d, 3),
            transfer(c, b, 11),
            transfer(c, b, 10),
            transfer(d, c, 1),
        ) == ["ok", "overflows_credits_posted", "ok", "ok"]
        assert await counters(ledger, b) == (0, 0, 0, AMOUNT_MAX)
        assert await counters(ledger, c) == (0, 13, 0, 1)
        assert ledger.engine.stats.retries >= 1


async def test_accounts_with_limits_or_history_are_always_read_exactly(db_url: str) -> None:
    async with await open_ledger(db_url, sweep_interval=None) as ledger:
        bank, limited, history = await open_accounts(
            ledger,
            account(),
            account(flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
            account(flags=AccountFlags.HISTORY),
        )
        assert await results(
            ledger,
            transfer(bank, limited, 10),
            transfer(limited, history, 7),
            transfer(limited, history, 7),
            transfer(limited, bank, 5, TransferFlags.BALANCING_DEBIT),
        ) == ["ok", "ok", "exceeds_credits", "ok"]
        assert await counters(ledger, limited) == (0, 10, 0, 10)
        history_page = await ledger.get_account_balances(HistoryQuery(history))
        assert [h.credits_posted for h in history_page.items] == [7]


async def test_a_status_change_waits_for_batches_in_flight(pg_url: str) -> None:
    """A batch holds the writers' lock (shared) from its first statement to its commit; a
    status change takes it exclusively, so no batch can use a status it read before."""
    url = parse_url(pg_url)
    async with await open_ledger(pg_url, sweep_interval=None) as ledger:
        (a,) = await open_accounts(ledger, account())
        raw = await asyncpg.connect(url.target, server_settings={"search_path": url.schema})
        try:
            in_flight = raw.transaction()
            await in_flight.start()
            await raw.execute("SELECT pg_advisory_xact_lock_shared($1)", SEQ_LOCK_KEY)
            change = asyncio.create_task(ledger.set_account_status(a, AccountStatus.FROZEN))
            await asyncio.sleep(0.3)
            assert not change.done()
            await in_flight.commit()
            frozen = await asyncio.wait_for(change, 10)
            assert frozen.status is AccountStatus.FROZEN
        finally:
            await raw.close()


@pytest.mark.parametrize("workers", [1, 3])
async def test_free_workers_share_the_queue(db_url: str, workers: int) -> None:
    settings = EngineSettings(workers=workers, min_share=10)
    async with await open_ledger(db_url, sweep_interval=None, engine=settings) as ledger:
        ids = await open_accounts(ledger, *(account() for _ in range(6)))
        calls = [
            [transfer(ids[i % 6], ids[(i + 1 + j) % 6], 1 + j) for j in range(5)] for i in range(60)
        ]
        outcomes = await asyncio.gather(*(ledger.create_transfers(c) for c in calls))
        assert all(r.value == "ok" for rs in outcomes for r in rs)
        totals = [await counters(ledger, i) for i in ids]
        assert sum(t[1] for t in totals) == sum(t[3] for t in totals) == 60 * 15
        if workers > 1:
            assert ledger.engine.stats.batches > 1


async def test_a_retried_transfer_is_found_by_the_log_index_and_never_applied_twice(
    db_url: str,
) -> None:
    """Ids are not looked up before the rules until a batch meets a reused one: the insert's
    unique index refuses it, and the batch reruns with its ids looked up first."""
    async with await open_ledger(db_url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        first = transfer(a, b, 5)
        assert await results(ledger, first) == ["ok"]
        assert ledger.engine.stats.reused_ids == 0
        assert await results(ledger, transfer(a, b, 1), first) == ["ok", "exists"]
        assert ledger.engine.stats.reused_ids == 1
        # Within the probing window the next retry is looked up first: no second rerun.
        assert await results(ledger, first, transfer(a, b, 2)) == ["exists", "ok"]
        assert ledger.engine.stats.reused_ids == 1
        assert await counters(ledger, b) == (0, 0, 0, 8)


async def test_a_retry_the_rules_would_refuse_now_still_reports_its_first_outcome(
    db_url: str,
) -> None:
    """A retried transfer that no longer fits the limit is not applied (no insert to refuse
    it): its refusal makes the engine look its id up, and the answer is `exists`."""
    settings = EngineSettings(probe_ids_seconds=0)
    async with await open_ledger(db_url, sweep_interval=None, engine=settings) as ledger:
        bank, customer = await open_accounts(
            ledger, account(), account(flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
        )
        assert await results(ledger, transfer(bank, customer, 100)) == ["ok"]
        spend = transfer(customer, bank, 100)
        assert await results(ledger, spend) == ["ok"]
        assert await results(ledger, spend) == ["exists"]
        assert await results(ledger, spend, transfer(customer, bank, 1)) == [
            "exists",
            "exceeds_credits",
        ]
        changed = msgspec.structs.replace(spend, amount=99)
        assert await results(ledger, changed) == ["exists_with_different_amount"]
        # No window: every batch with a reused id reran.
        assert ledger.engine.stats.reused_ids == 3
        assert await counters(ledger, customer) == (0, 100, 0, 100)


async def test_many_transfers_naming_the_zero_account_are_refused_one_by_one(db_url: str) -> None:
    """The zero id is no account: however many transfers name it, each is `account_not_found`
    (it once counted as a hot account, and planning it failed the whole batch)."""
    async with await open_ledger(db_url, sweep_interval=None) as ledger:
        (a,) = await open_accounts(ledger, account())
        refused = [transfer(NIL, a, 1) for _ in range(20)]
        assert await results(ledger, *refused, transfer(a, a, 1)) == ["account_not_found"] * 20 + [
            "accounts_must_be_different"
        ]


async def test_a_full_account_cache_still_knows_the_batchs_accounts(db_url: str) -> None:
    """When the cache is emptied to make room, every account of the batch is read again, not
    only the new ones: the others would look nonexistent."""
    settings = EngineSettings(account_cache=2)
    async with await open_ledger(db_url, sweep_interval=None, engine=settings) as ledger:
        a, b, c = await open_accounts(ledger, account(), account(), account())
        assert await results(ledger, transfer(a, b, 1)) == ["ok"]
        assert await results(ledger, transfer(c, a, 1)) == ["ok"]
        assert await counters(ledger, a) == (0, 1, 0, 1)
