"""A clock tests move by hand, in microseconds, for the limiters that take one."""

from __future__ import annotations

import pytest

#: An epoch in microseconds, as Redis's TIME gives: the Lua script's doubles must stay exact.
EPOCH_US = 1_800_000_000 * 1_000_000


class FakeClock:
    def __init__(self, start: int = EPOCH_US) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += round(seconds * 1_000_000)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
