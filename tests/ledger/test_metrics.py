"""ContentionTracker bookkeeping and the Prometheus text export."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from strongroom.bootstrap import open_ledger
from strongroom.ledger.metrics import LedgerCollector
from strongroom.ledger.stats import ContentionTracker
from tests.ledger.helpers import account, open_accounts, transfer


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


def test_tracker_splits_lock_waits_and_ranks_hot_accounts() -> None:
    hot, warm, cold = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    tracker = ContentionTracker(buckets=(0.01, 0.1))
    tracker.record_batch([hot, warm], 0.2)
    tracker.record_batch([hot, hot, cold], 0.004)
    tracker.record_retry([hot, warm])
    tracker.record_retry([warm])
    assert tracker.get(hot).batches == 2
    assert tracker.get(hot).lock_wait_seconds == pytest.approx(0.102)
    assert tracker.get(cold).lock_wait_seconds == pytest.approx(0.002)
    assert tracker.get(warm).retries == 2
    assert [a.account_id for a in tracker.hot_accounts(2)] == [hot, warm]
    assert tracker.hot_accounts(0) == []
    assert tracker.histogram() == [("0.01", 1), ("0.1", 1), ("+Inf", 2)]
    with pytest.raises(ValueError, match=">= 0"):
        tracker.record_batch([hot], -1.0)


async def test_prometheus_text_carries_engine_and_account_figures(sqlite_url: str) -> None:
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        await ledger.create_transfers([transfer(a, b, 5), transfer(b, a, 1)])
        await ledger.create_transfers([transfer(a, b, 2)])
        await ledger.split_account(b, 3)
        tracker = ContentionTracker()
        tracker.record_batch([a, b], 0.003)
        tracker.record_retry([a])
        registry = CollectorRegistry()
        registry.register(LedgerCollector(ledger.engine, tracker, top_n=1))
        got = samples(generate_latest(registry))
    assert got[("strongroom_ledger_batches_total", ())] == 2
    assert got[("strongroom_ledger_transfers_total", ())] == 3
    assert got[("strongroom_ledger_queue_depth", ())] == 0
    assert got[("strongroom_ledger_resizes_total", ())] == 1
    assert got[("strongroom_ledger_account_buckets", (("account", str(b)),))] == 3
    assert got[("strongroom_ledger_recent_batch_size", (("stat", "max"),))] == 2
    assert got[("strongroom_ledger_lock_wait_seconds_count", ())] == 1
    assert got[("strongroom_ledger_lock_wait_seconds_bucket", (("le", "0.0025"),))] == 0
    assert got[("strongroom_ledger_lock_wait_seconds_bucket", (("le", "0.005"),))] == 1
    assert got[("strongroom_ledger_account_retries_total", (("account", str(a)),))] == 1
    assert ("strongroom_ledger_account_retries_total", (("account", str(b)),)) not in got
