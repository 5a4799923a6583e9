"""How a worker takes a batch off the queue (strongroom.ledger.engine.queue), without a database."""

from __future__ import annotations

import asyncio

import pytest

from strongroom.errors import StorageError
from strongroom.ids import new_id
from strongroom.ledger.engine.queue import Call, CallQueue
from tests.ledger.engine.builders import call
from tests.ledger.helpers import transfer


def call_of(size: int) -> Call:
    a, b = new_id(), new_id()
    return call(*(transfer(a, b, 1) for _ in range(size)))


async def test_one_free_worker_takes_whole_calls_up_to_the_batch_limit() -> None:
    queue = CallQueue()
    calls = [call_of(40), call_of(40), call_of(40)]
    for c in calls:
        queue.put(c)
    assert queue.depth == 120
    assert queue.take(max_batch=100, free_workers=1, min_share=10) == calls[:2]
    assert queue.take(max_batch=100, free_workers=1, min_share=10) == calls[2:]
    assert not queue


async def test_a_call_larger_than_the_limit_is_still_taken_alone() -> None:
    queue = CallQueue()
    big, small = call_of(300), call_of(1)
    queue.put(big)
    queue.put(small)
    assert queue.take(max_batch=100, free_workers=1, min_share=10) == [big]


async def test_free_workers_share_the_queue_but_take_at_least_min_share() -> None:
    queue = CallQueue()
    for _ in range(10):
        queue.put(call_of(100))
    # 1,000 queued, two workers free: 500 each.
    assert len(queue.take(max_batch=10_000, free_workers=2, min_share=10)) == 5
    # 500 left, four free: a share of 125 is below min_share, so 200 (two calls).
    assert len(queue.take(max_batch=10_000, free_workers=4, min_share=200)) == 2


async def test_a_closed_queue_refuses_calls_and_wakes_its_workers() -> None:
    queue = CallQueue()
    waiting = asyncio.create_task(queue.wait())
    await asyncio.sleep(0)
    queue.close()
    await asyncio.wait_for(waiting, 1)
    with pytest.raises(StorageError, match="the ledger is closed"):
        queue.put(call_of(1))


async def test_a_call_is_answered_or_failed_once() -> None:
    c = call_of(1)
    c.answer([])
    c.fail(StorageError("too late"))
    assert c.future.result() == []
