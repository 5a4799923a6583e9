"""The coalescer of reads: concurrent callers share fetches, each gets its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from strongroom.workflows.batching import Coalescer


class Doubler:
    def __init__(self) -> None:
        self.fetches: list[list[int]] = []

    async def fetch(self, items: Sequence[int]) -> list[int]:
        self.fetches.append(list(items))
        await asyncio.sleep(0.01)
        if any(item < 0 for item in items):
            raise ValueError("negative")
        return [2 * item for item in items]


async def test_callers_arriving_during_a_fetch_share_the_next() -> None:
    source = Doubler()
    coalescer: Coalescer[int, int] = Coalescer(source.fetch, max_batch=3)
    answers = await asyncio.gather(*(coalescer.get(n) for n in range(7)))
    assert answers == [2 * n for n in range(7)]
    # All asked before the first fetch went: fetched together, at most 3 at once.
    assert source.fetches == [[0, 1, 2], [3, 4, 5], [6]]


async def test_a_request_is_fetched_while_its_caller_works_on() -> None:
    source = Doubler()
    coalescer: Coalescer[int, int] = Coalescer(source.fetch)
    pending = coalescer.request(21)
    assert source.fetches == []
    # Work that yields: the fetch goes meanwhile.
    await asyncio.sleep(0.02)
    assert source.fetches == [[21]]
    assert pending.done()
    assert await pending == 42


async def test_a_failed_fetch_fails_its_callers_only() -> None:
    source = Doubler()
    coalescer: Coalescer[int, int] = Coalescer(source.fetch)
    first = coalescer.request(1)
    await asyncio.sleep(0.001)
    # Asked while the first fetch is under way: fetched together, after it.
    failing = [coalescer.request(n) for n in (2, -1)]
    assert await first == 2
    for future in failing:
        with pytest.raises(ValueError, match="negative"):
            await future
    assert await coalescer.get(3) == 6
    assert source.fetches == [[1], [2, -1], [3]]
