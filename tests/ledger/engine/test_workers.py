"""Supervised workers (strongroom.ledger.engine.workers): whatever a batch raises, its callers
get an answer and the worker goes on; a dead worker would leave every later caller waiting."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest
from structlog.testing import capture_logs

from strongroom.errors import StorageError
from strongroom.ids import new_id
from strongroom.ledger import Ledger
from strongroom.ledger.buckets import SplitSettings
from strongroom.ledger.engine import EngineSettings
from strongroom.ledger.engine.queue import Call, CallQueue
from strongroom.ledger.engine.workers import Workers
from tests.ledger.engine.builders import call
from tests.ledger.faults import faulty_ledger
from tests.ledger.helpers import account, open_accounts, results, transfer


async def test_a_batch_that_raises_fails_its_callers_and_the_worker_goes_on() -> None:
    queue = CallQueue()
    runs = 0

    async def run(calls: list[Call], slot: int) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("a bug")
        for c in calls:
            c.answer([])

    workers = Workers(queue, run, EngineSettings(workers=1), slot_base=0)
    workers.start()
    with capture_logs() as logs:
        first, second = call(transfer(new_id(), new_id(), 1)), call()
        queue.put(first)
        with pytest.raises(StorageError, match="the batch failed: a bug") as failed:
            await asyncio.wait_for(first.future, 5)
        assert isinstance(failed.value.__cause__, RuntimeError)
        queue.put(second)
        assert await asyncio.wait_for(second.future, 5) == []
    await asyncio.wait_for(workers.close(), 5)
    (logged,) = logs
    assert logged["event"] == "ledger batch failed unexpectedly"
    assert logged["log_level"] == "error"
    assert logged["exc_info"] is True


async def rounds(ledger: Ledger, ids: Sequence[uuid.UUID], n: int) -> list[list[str]]:
    """`n` calls one after the other, each moving 1 between two of `ids`: more batches than
    workers, so that a worker lost per batch would leave the last calls unanswered."""
    out = []
    for i in range(n):
        debit, credit = ids[i % 2], ids[(i + 1) % 2]
        out.append(await asyncio.wait_for(results(ledger, transfer(debit, credit, 1)), 10))
    return out


@pytest.mark.slow
async def test_a_failed_bucket_resize_is_logged_and_the_workers_go_on(db_url: str) -> None:
    """Resizes run after the callers have their results; one that fails used to end its worker
    (and, once every worker had died, leave later callers waiting for ever)."""
    # Every account of every batch is hot and contended: every batch asks for resizes.
    eager = SplitSettings(lock_wait_seconds=0.0, strikes=1, hot_min=1, hot_share=0.0)
    settings = EngineSettings(workers=2, split=eager)
    async with faulty_ledger(db_url, settings) as (ledger, store):
        ids = await open_accounts(ledger, account(), account())
        store.failing.add("resize_buckets")
        with capture_logs() as logs:
            assert await rounds(ledger, ids, 6) == [["ok"]] * 6
        failures = [e for e in logs if e["event"] == "ledger batch failed unexpectedly"]
        assert len(failures) >= 3
        assert ledger.engine.stats.resizes == 0
        store.failing.clear()
        assert await rounds(ledger, ids, 2) == [["ok"]] * 2


@pytest.mark.slow
async def test_a_storage_fault_during_a_batch_reaches_its_callers_as_storage_error(
    db_url: str,
) -> None:
    async with faulty_ledger(db_url, EngineSettings(bucket_refresh_seconds=0)) as (ledger, store):
        ids = await open_accounts(ledger, account(), account())
        store.failing.add("split_accounts")
        with pytest.raises(StorageError, match="batch failed after 1 attempts: split_accounts"):
            await asyncio.wait_for(results(ledger, transfer(ids[0], ids[1], 1)), 10)
        store.failing.clear()
        assert await rounds(ledger, ids, 3) == [["ok"]] * 3
