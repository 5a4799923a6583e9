"""A platform on each backend with the intent engine, accounts to move money between,
principals of two tenants, and engines and services of test-only intent types (`rigs`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.clock import Clock, SystemClock
from strongroom.ledger import Account, AccountFlags, CreateAccountResult
from strongroom.services.access import Principal, Role
from strongroom.workflows.definitions import Registry
from strongroom.workflows.engine import Engine
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent, IntentDetail, IntentStatus


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


class Rigs:
    """Engines and services over the platform's intent store with test-only intent types;
    every engine built here is stopped and every service closed at the end of the test."""

    def __init__(self, store: IntentStore) -> None:
        self.store = store
        self._engines: list[Engine] = []
        self._services: list[IntentService] = []

    def engine(
        self, registry: Registry, *, clock: Clock | None = None, lease: float = 2.0
    ) -> Engine:
        engine = Engine(self.store, registry, clock=clock, lease=lease, poll_interval=0.01)
        self._engines.append(engine)
        return engine

    def service(
        self, registry: Registry, clock: Clock | None = None, engine: Engine | None = None
    ) -> IntentService:
        service = IntentService(self.store, registry, clock or SystemClock(), engine)
        self._services.append(service)
        return service

    async def close(self) -> None:
        for service in self._services:
            await service.close()
        for engine in self._engines:
            await engine.stop(grace=0)

    async def done(self, intent_id: uuid.UUID, within: float = 10.0) -> IntentDetail:
        """The intent's detail once it is done."""
        return await self.until(intent_id, lambda i: i.status is IntentStatus.DONE, within)

    async def until(
        self, intent_id: uuid.UUID, check: Callable[[Intent], bool], within: float = 10.0
    ) -> IntentDetail:
        """The intent's detail once `check` holds for it."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            detail = await self.store.detail(intent_id)
            assert detail is not None
            if check(detail.intent):
                return detail
            assert asyncio.get_running_loop().time() < deadline, detail.intent
            await asyncio.sleep(0.01)


@pytest.fixture
async def rigs(platform: Platform) -> AsyncIterator[Rigs]:
    rigs = Rigs(await platform.intent_store())
    yield rigs
    await rigs.close()
