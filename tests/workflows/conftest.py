"""A platform on each backend with the intent engine, accounts to move money between, and
principals of two tenants."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.ledger import Account, AccountFlags, CreateAccountResult
from strongroom.services.access import Principal, Role
from strongroom.settings import Settings


@pytest.fixture
async def platform(db_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    settings = Settings(
        db_url=db_url, key_file=tmp_path / "keys", intent_lease=2.0, intent_poll_interval=0.02
    )
    async with Platform(settings) as platform:
        yield platform
        ledger = await platform.ledger()
        report = await ledger.check_invariants()
        assert report.ok, report.violations


async def principal(platform: Platform, tenant: str, role: Role) -> Principal:
    access = await platform.access()
    return (await access.create(tenant, role)).key


@pytest.fixture
async def writer(platform: Platform) -> Principal:
    return await principal(platform, "acme", Role.WRITE)


@pytest.fixture
async def admin(platform: Platform) -> Principal:
    return await principal(platform, "acme", Role.ADMIN)


async def open_accounts(
    platform: Platform, count: int, *, tenant: str = "acme", overdraft: bool = False
) -> list[uuid.UUID]:
    """`count` open EUR accounts; with `overdraft`, the first may go below zero (a funding
    account)."""
    ledger = await platform.ledger()
    ids = [uuid.uuid4() for _ in range(count)]
    accounts = [
        Account(
            id=account_id,
            ledger="EUR",
            code=1,
            flags=AccountFlags.NONE
            if overdraft and index == 0
            else AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
            tenant=tenant,
        )
        for index, account_id in enumerate(ids)
    ]
    assert set(await ledger.create_accounts(accounts)) == {CreateAccountResult.OK}
    return ids
