"""`strongroom bench` itself: it applies what it says and checks the invariants."""

from __future__ import annotations

from strongroom.bench.ledger import BenchConfig, run_bench
from strongroom.bootstrap import open_ledger
from strongroom.ledger import AccountFilter, TransferQuery


async def test_the_benchmark_counts_every_measured_transfer(db_url: str) -> None:
    config = BenchConfig(
        url=db_url, accounts=50, transfers=2_000, submitters=4, call_size=50, warmup=1_000
    )
    result = await run_bench(config)
    # The warm-up's 1,000 transfers are in the ledger (and its invariants), not in the figures.
    assert result.transfers == result.ok + result.failed == 2_000
    assert result.invariants_ok, result.violations
    logged: set[object] = set()
    async with await open_ledger(db_url, migrate=False, sweep_interval=None) as ledger:
        for account in (await ledger.list_accounts(AccountFilter(limit=100))).items:
            cursor = None
            while True:
                page = await ledger.get_account_transfers(
                    TransferQuery(account.id, cursor=cursor, limit=500)
                )
                logged.update(t.id for t in page.items)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
    # The funding transfer, the warm-up and the measured run.
    assert len(logged) == 1 + 1_000 + 2_000
    assert result.batches >= 1
    assert result.transfers_per_second > 0
    assert result.latency_ms["p50"] <= result.latency_ms["p99"]


async def test_processes_are_measured_from_a_common_start(pg_url: str) -> None:
    config = BenchConfig(
        url=pg_url,
        accounts=50,
        transfers=4_000,
        submitters=4,
        call_size=50,
        processes=2,
        warmup=400,
    )
    result = await run_bench(config)
    assert result.transfers == 4_000
    assert result.invariants_ok, result.violations
    # The span runs from the first process's start to the last one's end, start-up excluded.
    assert 0 < result.seconds == result.ended_at - result.started_at
    assert len(result.peak_rss_mb) == 2


async def test_an_open_loop_keeps_to_its_schedule(sqlite_url: str) -> None:
    """Calls leave at the offered rate, not faster, and latency counts from when each was due."""
    config = BenchConfig(
        url=sqlite_url, accounts=50, transfers=1_500, call_size=50, rate=3_000, warmup=200
    )
    result = await run_bench(config)
    assert result.transfers == 1_500
    assert result.invariants_ok, result.violations
    assert result.offered_per_second == 3_000
    # 30 calls 1/60 s apart: the last one leaves 29/60 s after the first.
    assert result.seconds >= 29 / 60
    assert result.transfers_per_second <= 3_000 * 30 / 29
