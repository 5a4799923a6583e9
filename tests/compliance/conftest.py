"""Principals of each role for the compliance services on the `platform` fixture's backends."""

from __future__ import annotations

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Principal, Role


async def principal(platform: Platform, tenant: str, role: Role) -> Principal:
    access = await platform.access()
    return (await access.create(tenant, role)).key


@pytest.fixture
async def admin(platform: Platform) -> Principal:
    return await principal(platform, "acme", Role.ADMIN)


@pytest.fixture
async def writer(platform: Platform) -> Principal:
    return await principal(platform, "acme", Role.WRITE)


@pytest.fixture
async def reader(platform: Platform) -> Principal:
    return await principal(platform, "acme", Role.READ)
