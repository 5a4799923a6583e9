from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from strongroom.bootstrap import open_access, open_ledger
from strongroom.ledger import Ledger
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService


@pytest.fixture
async def ledger(db_url: str) -> AsyncIterator[Ledger]:
    ledger = await open_ledger(db_url, sweep_interval=None)
    yield ledger
    report = await ledger.check_invariants()
    await ledger.close()
    assert report.ok, report.violations


@pytest.fixture
async def keys(db_url: str, ledger: Ledger) -> AsyncIterator[AccessService]:
    """API keys on the ledger's (migrated) database."""
    access = await open_access(db_url, migrate=False)
    yield access
    await access.close()


@pytest.fixture
def service(ledger: Ledger) -> LedgerService:
    return LedgerService(ledger)
