"""Compliance tests stand on a Platform per backend (tests/conftest.py) and on API keys whose
names are their owners: `maker` (write) and `checker` (admin) belong to different people,
`maker_admin` is the maker's own admin key; `admin` and `writer` act on rule sets and decisions."""

from __future__ import annotations

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Principal, Role


async def key(platform: Platform, role: Role, owner: str, tenant: str = "acme") -> Principal:
    access = await platform.access()
    return (await access.create(tenant, role, owner)).key


@pytest.fixture
async def maker(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "alice")


@pytest.fixture
async def maker_admin(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "alice")


@pytest.fixture
async def checker(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "bob")


@pytest.fixture
async def reader(platform: Platform) -> Principal:
    return await key(platform, Role.READ, "carol")


@pytest.fixture
async def admin(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "dave")


@pytest.fixture
async def writer(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "erin")
