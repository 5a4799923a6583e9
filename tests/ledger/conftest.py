from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from strongroom.bootstrap import open_ledger
from strongroom.clock import ManualClock
from strongroom.ledger import Ledger


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def ledger(db_url: str, clock: ManualClock) -> AsyncIterator[Ledger]:
    """A ledger on each backend, with a hand-moved clock and no background sweeper."""
    ledger = await open_ledger(db_url, clock=clock, sweep_interval=None)
    yield ledger
    report = await ledger.check_invariants()
    await ledger.close()
    assert report.ok, report.violations
