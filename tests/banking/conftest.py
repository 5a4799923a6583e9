"""A small bank on a Platform per backend, through its real services: the `everyday` product
(SGD, 0.25% transfer fee after 3 free a month, minimum 0.50, 9% GST, 5,000.00 per transaction
and 10,000.00 a day), its fee-income and tax accounts, a funding account, and customers
onboarded, verified by the local KYC provider and holding accounts opened on the product. The
platform's intent engine runs everything submitted."""

from __future__ import annotations

import asyncio
import datetime
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from strongroom.banking import events
from strongroom.banking.payments.service import PaymentService
from strongroom.banking.services import BankingServices
from strongroom.bootstrap.platform import Platform
from strongroom.days import NS, day_start
from strongroom.ledger import (
    Account,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
)
from strongroom.products import load_product
from strongroom.services.access import Principal, Role
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent, IntentStatus

EXAMPLES = Path(__file__).parents[2] / "examples" / "products"
TENANT = "acme"
FEE_INCOME = uuid.UUID("0192f5a0-0000-7000-8000-000000000001")
TAX_PAYABLE = uuid.UUID("0192f5a0-0000-7000-8000-000000000002")
#: Passes the local KYC provider: a valid NRIC, an adult, a document valid for years.
PERSON: dict[str, Any] = {
    "full_name": "Tan Ah Kow",
    "date_of_birth": "1980-01-01",
    "nationality": "SG",
    "national_id": "S1234567D",
    "national_id_kind": "sg.nric",
    "document_number": "E1234567",
    "document_expiry": "2035-01-01",
}


class Travel:
    """The system clock moved on by as much as a test says: months pass for the bank's periodic
    runs while its engine keeps real time in between. Move it only while nothing runs."""

    def __init__(self) -> None:
        self.offset = 0

    def now_ns(self) -> int:
        return time.time_ns() + self.offset

    def to(self, day: datetime.date) -> None:
        """A second into `day` (UTC)."""
        self.offset = day_start(day) + NS - time.time_ns()


async def key(platform: Platform, role: Role, owner: str, tenant: str = TENANT) -> Principal:
    return (await (await platform.access()).create(tenant, role, owner)).key


@dataclass
class Bank:
    platform: Platform
    banking: BankingServices
    intents: IntentService
    ledger: Ledger
    funding: uuid.UUID

    @property
    def payments(self) -> PaymentService:
        return self.banking.payments

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

    async def customer(self, tenant: str = TENANT, **person: Any) -> uuid.UUID:
        """A customer onboarded and verified."""
        who = await key(self.platform, Role.ADMIN, "onboarding", tenant)
        view, _ = await self.banking.customers.onboard(
            who, f"c-{uuid.uuid4()}", {**PERSON, **person}
        )
        for _ in range(1500):
            shown = await self.banking.customers.show(who, view.customer.id)
            if shown.customer.kyc_status.value != "pending":
                break
            await asyncio.sleep(0.01)
        assert shown.customer.kyc_status.value == "verified", shown.record.kyc_findings
        return view.customer.id

    async def customer_account(
        self, funded: int = 0, tenant: str = TENANT, customer: uuid.UUID | None = None
    ) -> uuid.UUID:
        """An account of a verified customer on `everyday`, funded with `funded` minor units."""
        who = await key(self.platform, Role.ADMIN, "onboarding", tenant)
        owner = customer or await self.customer(tenant)
        account_id, intent, _ = await self.banking.accounts.open(
            who, f"a-{uuid.uuid4()}", owner, "SGD", "everyday"
        )
        opened = await self.done(intent.id)
        assert opened.state == "opened", opened.error
        if funded:
            (moved,) = await self.ledger.create_transfers(
                [Transfer(uuid.uuid4(), self.funding, account_id, funded, "SGD", 9, tenant=TENANT)]
            )
            assert moved is CreateTransferResult.OK
        return account_id

    async def freeze(self, account_id: uuid.UUID) -> None:
        who = await key(self.platform, Role.ADMIN, "ops")
        await self.banking.accounts.set_status(who, account_id, "frozen", "suspicious activity")

    async def expire_kyc(self, customer_id: uuid.UUID) -> None:
        """A year passes: the customer's verification lapses."""
        store = await self.platform.bank_store()
        (record,) = await store.customers([customer_id])
        now = self.platform.clock.now_ns()
        lapsed = replace(record, kyc_expires_at=now - 1, version=record.version + 1)
        data = {"customer_id": str(customer_id)}
        assert await store.update_customer(
            lapsed, events.event(events.CUSTOMER_KYC, TENANT, "test", now, data)
        )

    async def travel(self, day: datetime.date) -> None:
        """The platform's Travel clock to `day`, once the engine's heartbeat took the new time
        in: until then its own leases look lapsed, and it would take over its own intents."""
        clock = self.platform.clock
        assert isinstance(clock, Travel)
        clock.to(day)
        await asyncio.sleep(self.platform.settings.intent_lease / 2)

    async def balances(self, *ids: uuid.UUID) -> list[int]:
        found = {a.id: a.balance for a in await self.ledger.lookup_accounts(list(ids))}
        return [found[i] for i in ids]


async def open_bank(platform: Platform) -> Bank:
    """The products, the bank's own accounts and the services, on `platform` (its engine not
    started: the caller starts it, or leaves the intents to workers)."""
    catalog = await platform.products()
    await catalog.publish(load_product(EXAMPLES / "everyday-v1.yaml"), actor="ops")
    ledger = await platform.ledger()
    funding = uuid.uuid4()
    accounts = [
        Account(id=i, ledger="SGD", code=9, tenant=TENANT)
        for i in (funding, FEE_INCOME, TAX_PAYABLE)
    ]
    assert set(await ledger.create_accounts(accounts)) == {CreateAccountResult.OK}
    return Bank(platform, await platform.banking(), await platform.intents(), ledger, funding)


@pytest.fixture
async def bank(platform: Platform) -> Bank:
    opened = await open_bank(platform)
    await (await platform.intent_engine()).start()
    return opened
