"""`strongroom bench billing` on a small run: every event ingested, every subject invoiced and
posted, the ledger's invariants held."""

from __future__ import annotations

from strongroom.bench.billing import BillingBenchConfig, run_billing_bench


async def test_a_small_run_invoices_every_subject() -> None:
    result = await run_billing_bench(
        BillingBenchConfig(events=3_000, subjects=30, batch=500, in_flight=2)
    )
    assert (result.invoices, result.posted, result.invariants_ok) == (30, 30, True)
    assert result.events_per_second > 0
