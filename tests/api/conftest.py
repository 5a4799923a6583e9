from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from strongroom.api.http import create_app
from strongroom.bootstrap import open_access, open_ledger
from strongroom.ledger import Ledger
from strongroom.services.access import AccessService, Role
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
    access = await open_access(db_url, migrate=False)
    yield access
    await access.close()


@pytest.fixture
def service(ledger: Ledger) -> LedgerService:
    return LedgerService(ledger)


@pytest.fixture
def app(service: LedgerService, keys: AccessService) -> FastAPI:
    return create_app(service, keys, max_body_bytes=256 * 1024)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def bearer(keys: AccessService, tenant: str, role: Role | str) -> dict[str, str]:
    new = await keys.create(tenant, role)
    return {"Authorization": f"Bearer {new.token}"}


@pytest.fixture
async def writer(keys: AccessService) -> dict[str, str]:
    """Headers of a write key of tenant `acme`."""
    return await bearer(keys, "acme", Role.WRITE)


@pytest.fixture
async def admin(keys: AccessService) -> dict[str, str]:
    return await bearer(keys, "acme", Role.ADMIN)


@pytest.fixture
async def reader(keys: AccessService) -> dict[str, str]:
    return await bearer(keys, "acme", Role.READ)
