from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from strongroom.api.http import create_app
from strongroom.services.access import AccessService, Role
from strongroom.services.ledger import LedgerService


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
