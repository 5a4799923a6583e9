"""The ledger's sweeper, which releases expired pending transfers in the background: a failure
is logged and the next tick tries again."""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs

from strongroom.ledger.engine import EngineSettings
from tests.ledger.faults import faulty_ledger


async def test_the_sweeper_logs_a_failure_and_keeps_sweeping(db_url: str) -> None:
    # Every batch reads the bucket map first, so every sweep meets the fault.
    settings = EngineSettings(bucket_refresh_seconds=0)
    async with faulty_ledger(db_url, settings, sweep_interval=0.05) as (ledger, store):
        with capture_logs() as logs:
            store.failing.add("split_accounts")
            await asyncio.sleep(0.5)
            store.failing.clear()
        failures = [e for e in logs if e["event"] == "component run failed"]
        assert len(failures) >= 2
        assert all(e["log_level"] == "error" and e["exc_info"] for e in failures)
        assert all(e["component"] == "sweeper" for e in failures)
        assert ledger.sweeper(0.05).health().status == "failing"
        # Each sweep is an (empty) batch: the sweeper goes on once the store works again.
        swept = ledger.engine.stats.batches
        await asyncio.sleep(0.5)
        assert ledger.engine.stats.batches > swept
        assert ledger.sweeper(0.05).health().status == "ok"
