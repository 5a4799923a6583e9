"""The intent engine's Prometheus figures, from a real engine after real intents."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, generate_latest

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Principal
from strongroom.workflows.metrics import IntentCollector
from strongroom.workflows.types import QueueStats
from tests.workflows.conftest import open_accounts
from tests.workflows.test_engine import settle, transfer


async def test_counters_latency_and_queue_after_intents_ran(
    platform: Platform, writer: Principal
) -> None:
    funding, alice = await open_accounts(platform, 2, overdraft=True)
    engine = await platform.intent_engine()
    service = await platform.intents()
    await engine.start()
    ids = [
        (
            await service.submit(writer, "ledger.transfer", f"m-{n}", transfer(funding, alice, 5))
        ).intent.id
        for n in range(3)
    ]
    for intent_id in ids:
        await settle(platform, writer, intent_id)
    queue = await engine.store.queue_stats(time.time_ns())
    assert queue == QueueStats(0, 0.0, 0, 0)
    registry = CollectorRegistry()
    measured: list[QueueStats | None] = [None]
    registry.register(IntentCollector(engine, lambda: measured[0]))
    before = generate_latest(registry).decode()
    assert "strongroom_intents_steps_total 12.0" in before
    assert "strongroom_intents_completed_total 3.0" in before
    assert "strongroom_intents_step_duration_seconds_count 12.0" in before
    assert "strongroom_intents_runnable" not in before  # not measured yet: left out
    measured[0] = queue
    after = generate_latest(registry).decode()
    assert "strongroom_intents_runnable 0.0" in after
    assert "strongroom_intents_oldest_runnable_age_seconds 0.0" in after
    assert f"strongroom_intents_capacity {float(engine.capacity)}" in after
