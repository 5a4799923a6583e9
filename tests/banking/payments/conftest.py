"""A small bank for payment tests, on a Platform per backend: the `everyday` product (SGD,
0.25% transfer fee after 3 free a month, minimum 0.50, 9% GST, 5,000.00 per transaction and
10,000.00 a day), its fee-income and tax accounts, and customers with funded accounts on it.
An engine runs the payment and refund types beside `compliance.case`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from strongroom.banking.payments.service import PaymentService
from strongroom.banking.types import (
    AccountStatus,
    BankAccount,
    Customer,
    KycStatus,
    RiskRating,
)
from strongroom.bootstrap.banking import banking_intent_types
from strongroom.bootstrap.platform import Platform
from strongroom.compliance.case_intent import case_intent_type
from strongroom.errors import NotFound
from strongroom.ledger import (
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
)
from strongroom.products import load_product
from strongroom.services.access import Principal, Role
from strongroom.workflows.definitions import Registry
from strongroom.workflows.engine import Engine
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent, IntentStatus

EXAMPLES = Path(__file__).parents[3] / "examples" / "products"
TENANT = "acme"
FEE_INCOME = uuid.UUID("0192f5a0-0000-7000-8000-000000000001")
TAX_PAYABLE = uuid.UUID("0192f5a0-0000-7000-8000-000000000002")


@dataclass
class Directory:
    customers: dict[uuid.UUID, Customer] = field(default_factory=dict)
    accounts: dict[uuid.UUID, BankAccount] = field(default_factory=dict)

    async def customer(self, tenant: str, customer_id: uuid.UUID) -> Customer:
        found = self.customers.get(customer_id)
        if found is None or found.tenant != tenant:
            raise NotFound(f"customer {customer_id} not found")
        return found

    async def account(self, tenant: str, account_id: uuid.UUID) -> BankAccount:
        found = self.accounts.get(account_id)
        if found is None or found.tenant != tenant:
            raise NotFound(f"account {account_id} not found")
        return found


class Bank:
    def __init__(self, platform: Platform, ledger: Ledger, directory: Directory) -> None:
        self.platform = platform
        self.ledger = ledger
        self.directory = directory
        self.funding = uuid.uuid4()

    async def open(self) -> None:
        catalog = await self.platform.products()
        await catalog.publish(load_product(EXAMPLES / "everyday-v1.yaml"), actor="ops")
        accounts = [
            Account(id=i, ledger="SGD", code=9, tenant=TENANT)
            for i in (self.funding, FEE_INCOME, TAX_PAYABLE)
        ]
        assert set(await self.ledger.create_accounts(accounts)) == {CreateAccountResult.OK}

    async def customer_account(
        self, funded: int = 0, kyc: KycStatus = KycStatus.VERIFIED, tenant: str = TENANT
    ) -> uuid.UUID:
        customer_id, account_id = uuid.uuid4(), uuid.uuid4()
        self.directory.customers[customer_id] = Customer(
            customer_id, tenant, kyc, RiskRating.LOW, 0, None, None, False
        )
        self.directory.accounts[account_id] = BankAccount(
            account_id, tenant, customer_id, "SGD", "everyday", 1, AccountStatus.OPEN, 0, None
        )
        strict = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
        (made,) = await self.ledger.create_accounts(
            [Account(id=account_id, ledger="SGD", code=1, flags=strict, tenant=tenant)]
        )
        assert made is CreateAccountResult.OK
        catalog = await self.platform.products()
        await catalog.assign(account_id, "everyday", 1, tenant=tenant, actor="ops")
        if funded:
            (moved,) = await self.ledger.create_transfers(
                [Transfer(uuid.uuid4(), self.funding, account_id, funded, "SGD", 9, tenant=TENANT)]
            )
            assert moved is CreateTransferResult.OK
        return account_id

    def freeze(self, account_id: uuid.UUID) -> None:
        found = self.directory.accounts[account_id]
        self.directory.accounts[account_id] = replace(found, status=AccountStatus.FROZEN)

    async def balances(self, *ids: uuid.UUID) -> list[int]:
        found = {a.id: a.balance for a in await self.ledger.lookup_accounts(list(ids))}
        return [found[i] for i in ids]


@dataclass
class Rig:
    bank: Bank
    payments: PaymentService
    intents: IntentService

    async def until(self, intent_id: uuid.UUID, check: Callable[[Intent], bool]) -> Intent:
        for _ in range(1500):
            intent = await self.intents.store.get(intent_id)
            assert intent is not None
            if check(intent):
                return intent
            await asyncio.sleep(0.01)
        raise AssertionError(intent)

    async def done(self, intent_id: uuid.UUID) -> Intent:
        return await self.until(intent_id, lambda i: i.status is IntentStatus.DONE)


@pytest.fixture
async def rig(platform: Platform) -> AsyncIterator[Rig]:
    ledger = await platform.ledger()
    directory = Directory()
    bank = Bank(platform, ledger, directory)
    await bank.open()
    compliance = await platform.compliance()
    store = await platform.intent_store()

    async def fire(who: Principal, intent_id: uuid.UUID, event: str, reason: str) -> object:
        return await intents.fire(who, intent_id, event, reason=reason)

    registry = Registry(
        [
            *banking_intent_types(
                ledger,
                directory,
                compliance.decider,
                await platform.products(),
                store,
                fire,
            ),
            case_intent_type(await platform.cases()),
        ]
    )
    engine = Engine(store, registry, clock=platform.clock, poll_interval=0.02, lease=2.0)
    intents = IntentService(store, registry, platform.clock, engine)
    await engine.start()
    try:
        yield Rig(bank, PaymentService(intents, directory, ledger), intents)
    finally:
        await intents.close()
        await engine.stop()


async def key(platform: Platform, role: Role, owner: str, tenant: str = TENANT) -> Principal:
    return (await (await platform.access()).create(tenant, role, owner)).key
