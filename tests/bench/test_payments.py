"""`strongroom bench payments` end to end on a small run: every payment settles over HTTP, the
invariants hold, and the figures it reports are consistent (a benchmark's numbers are never
asserted against a target here)."""

from __future__ import annotations

from strongroom.bench.payments import PaymentBenchConfig, run_payment_bench
from strongroom.bench.statements import StatementBenchConfig, run_statement_bench


async def test_a_small_run_settles_every_payment_and_reports_its_figures() -> None:
    result = await run_payment_bench(
        PaymentBenchConfig(payments=60, in_flight=10, accounts=6, warmup=10)
    )
    assert (result.payments, result.settled, result.invariants_ok) == (60, 60, True)
    assert result.payments_per_second > 0
    assert result.latency_ms["p50"] <= result.latency_ms["p99"] <= result.latency_ms["max"]


async def test_an_open_loop_run_counts_from_when_each_payment_was_due() -> None:
    result = await run_payment_bench(
        PaymentBenchConfig(payments=30, accounts=6, warmup=0, rate=50.0)
    )
    assert (result.settled, result.offered_per_second) == (30, 50.0)


async def test_the_statement_bench_reads_a_statement_of_the_movements_asked() -> None:
    result = await run_statement_bench(StatementBenchConfig(movements=300, requests=3))
    assert (result.movements, result.requests) == (300, 3)
    assert result.bytes > 300 * 100
    assert result.latency_ms["p50"] <= result.latency_ms["max"]
