"""`strongroom bench` itself: it applies what it says and checks the invariants."""

from __future__ import annotations

from strongroom.ledger.bench import BenchConfig, run_bench


async def test_the_benchmark_counts_every_transfer(db_url: str) -> None:
    config = BenchConfig(url=db_url, accounts=50, transfers=2_000, submitters=4, call_size=50)
    result = await run_bench(config)
    assert result.transfers == result.ok + result.failed == 2_000
    assert result.invariants_ok, result.violations
    assert result.batches >= 1
    assert result.transfers_per_second > 0
    assert result.latency_ms["p50"] <= result.latency_ms["p99"]


async def test_processes_are_measured_from_a_common_start(pg_url: str) -> None:
    config = BenchConfig(
        url=pg_url, accounts=50, transfers=4_000, submitters=4, call_size=50, processes=2
    )
    result = await run_bench(config)
    assert result.transfers == 4_000
    assert result.invariants_ok, result.violations
    # The span runs from the first process's start to the last one's end, start-up excluded.
    assert 0 < result.seconds == result.ended_at - result.started_at
    assert len(result.peak_rss_mb) == 2
