from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from strongroom.api.http import create_app
from strongroom.api.keys import KeyStore, Role
from strongroom.bootstrap import open_ledger
from strongroom.ledger import Ledger


@pytest.fixture
async def ledger(db_url: str) -> AsyncIterator[Ledger]:
    ledger = await open_ledger(db_url, sweep_interval=None)
    yield ledger
    report = await ledger.check_invariants()
    await ledger.close()
    assert report.ok, report.violations


@pytest.fixture
async def keys(db_url: str, ledger: Ledger) -> AsyncIterator[KeyStore]:
    store = await KeyStore.open(db_url, migrate=False)
    yield store
    await store.close()


@pytest.fixture
def app(ledger: Ledger, keys: KeyStore) -> FastAPI:
    return create_app(ledger, keys, max_body_bytes=256 * 1024)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def bearer(keys: KeyStore, tenant: str, role: Role | str) -> dict[str, str]:
    new = await keys.create(tenant, role)
    return {"Authorization": f"Bearer {new.token}"}


@pytest.fixture
async def writer(keys: KeyStore) -> dict[str, str]:
    """Headers of a write key of tenant `acme`."""
    return await bearer(keys, "acme", Role.WRITE)


@pytest.fixture
async def admin(keys: KeyStore) -> dict[str, str]:
    return await bearer(keys, "acme", Role.ADMIN)


@pytest.fixture
async def reader(keys: KeyStore) -> dict[str, str]:
    return await bearer(keys, "acme", Role.READ)
