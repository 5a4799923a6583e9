"""Billing cycles on both backends, end to end through the real services: definitions put,
usage ingested, a month passes, the cycle invoices once (however often it runs) and posts the
total to the ledger (prepaid credit first, taxes to the tax account); late usage is adjusted on
the next invoice; a credit note reverses an invoice once; the preview shows the open period."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Any

import pytest

from strongroom.billing.services import BillingServices
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_start
from strongroom.errors import Conflict, NotFound, PermissionDenied, ValidationError
from strongroom.ledger import (
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Transfer,
)
from strongroom.services.access import Principal, Role
from strongroom.workflows.types import IntentStatus
from tests.banking.conftest import Travel, key

TENANT = "acme"
D = datetime.date


@pytest.fixture
def clock() -> Travel:
    traveller = Travel()
    traveller.to(D(2026, 12, 5))
    return traveller


class Books:
    def __init__(self, platform: Platform, billing: BillingServices, ops: Principal) -> None:
        self.platform = platform
        self.billing = billing
        self.ops = ops
        self.revenue, self.tax, self.paying, self.credit, self.funding = (
            uuid.uuid4() for _ in range(5)
        )

    async def open(self) -> None:
        ledger = await self.platform.ledger()
        customer = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
        accounts = [
            Account(id=self.revenue, ledger="SGD", code=40, tenant=TENANT),
            Account(id=self.tax, ledger="SGD", code=41, tenant=TENANT),
            Account(id=self.paying, ledger="SGD", code=100, flags=customer, tenant=TENANT),
            Account(id=self.credit, ledger="SGD", code=101, flags=customer, tenant=TENANT),
            Account(id=self.funding, ledger="SGD", code=9, tenant=TENANT),
        ]
        assert set(await ledger.create_accounts(accounts)) == {CreateAccountResult.OK}
        fund = [
            Transfer(uuid.uuid4(), self.funding, self.paying, 100_000, "SGD", 9, tenant=TENANT),
            Transfer(uuid.uuid4(), self.funding, self.credit, 1_000, "SGD", 9, tenant=TENANT),
        ]
        assert set(await ledger.create_transfers(fund)) == {CreateTransferResult.OK}
        catalog = self.billing.catalog
        await catalog.put(
            self.ops, "rule_group", "api-calls", {"metric": "api_calls", "aggregation": "sum"}
        )
        await catalog.put(
            self.ops,
            "tier",
            "per-call",
            {"currency": "SGD", "kind": "flat", "unit_price": "0.01", "free_units": 100},
        )
        await catalog.put(self.ops, "cost", "standard", self.cost())
        await catalog.put(self.ops, "config", "c-1", self.config(D(2026, 12, 5)))

    def cost(self, platform_fee: str = "31.00") -> dict[str, Any]:
        return {
            "currency": "SGD",
            "revenue_account": str(self.revenue),
            "tax_account": str(self.tax),
            "charges": [
                {
                    "id": "api",
                    "description": "API calls",
                    "rule_group": "api-calls",
                    "tier": "per-call",
                }
            ],
            "recurring": [
                {"id": "platform", "description": "Platform fee", "amount": platform_fee}
            ],
            "taxes": [{"id": "gst", "percent": "9"}],
        }

    def config(self, starts: datetime.date, cost: str = "standard") -> dict[str, Any]:
        return {
            "cost": cost,
            "starts": starts.isoformat(),
            "anchor_day": 1,
            "account": str(self.paying),
            "credit_account": str(self.credit),
        }

    async def calls(self, count: int, on: datetime.date) -> None:
        event = {
            "id": str(uuid.uuid4()),
            "subject": "c-1",
            "metric": "api_calls",
            "quantity": count,
            "at": day_start(on) + 3600 * 10**9,
        }
        await self.billing.usage.ingest(self.ops, [event])

    async def run(self, day: datetime.date) -> dict[str, Any]:
        submitted = await self.billing.billing.run(self.ops, day)
        intents = await self.platform.intents()
        for _ in range(1500):
            intent = await intents.store.get(submitted.intent.id)
            assert intent is not None
            if intent.status is IntentStatus.DONE:
                assert intent.state == "posted", intent.error
                return {**intent.results["invoice"], **intent.results["post"]}
            await asyncio.sleep(0.01)
        raise AssertionError(intent)

    async def balances(self) -> list[int]:
        ledger = await self.platform.ledger()
        ids = [self.paying, self.credit, self.revenue, self.tax]
        found = {a.id: a for a in await ledger.lookup_accounts(ids)}
        return [
            found[self.paying].balance,
            found[self.credit].balance,
            found[self.revenue].credits_posted - found[self.revenue].debits_posted,
            found[self.tax].credits_posted - found[self.tax].debits_posted,
        ]


@pytest.fixture
async def books(platform: Platform) -> Books:
    await (await platform.intent_engine()).start()
    made = Books(platform, await platform.billing(), await key(platform, Role.ADMIN, "billing"))
    await made.open()
    return made


async def travel(platform: Platform, day: datetime.date) -> None:
    clock = platform.clock
    assert isinstance(clock, Travel)
    clock.to(day)
    await asyncio.sleep(platform.settings.intent_lease / 2)


async def test_a_month_is_invoiced_once_and_posted_credit_first(
    platform: Platform, books: Books
) -> None:
    await books.calls(350, D(2026, 12, 10))
    await travel(platform, D(2027, 1, 1))

    first = await books.run(D(2027, 1, 1))

    assert (first["invoices"], first["posted"], first["failed"]) == (1, 1, 0)
    (invoice,) = (await books.billing.billing.invoices(books.ops, "c-1"))[0]
    body = invoice.body
    # December from the 5th: 27 of 31 days, so 87 of the 100 free calls and 27/31 of the fee.
    assert [(line["id"], line["quantity"], line["amount"]) for line in body["lines"]] == [
        ("api", 350, 263),
        ("platform", None, 2_700),
    ]
    assert [(t["line"], t["amount"]) for t in body["taxes"]] == [("api", 24), ("platform", 243)]
    assert (body["subtotal"], body["tax"], body["total"]) == (2_963, 267, 3_230)
    assert (body["credit_applied"], body["amount_due"]) == (1_000, 2_230)
    assert invoice.status.value == "posted"
    assert await books.balances() == [100_000 - 2_230, 0, 2_963, 267]
    again = await books.run(D(2027, 1, 2))
    assert (again["invoices"], again["posted"]) == (0, 0)
    assert await books.balances() == [100_000 - 2_230, 0, 2_963, 267]
    assert len((await books.billing.billing.invoices(books.ops, "c-1"))[0]) == 1
    page = await books.billing.billing.render(books.ops, invoice.id, "html")
    assert b"Platform fee" in page
    assert b"32.30" in page
    assert (await books.billing.billing.render(books.ops, invoice.id, "pdf"))[:5] == b"%PDF-"


async def test_late_usage_is_adjusted_on_the_next_invoice(platform: Platform, books: Books) -> None:
    await books.calls(350, D(2026, 12, 10))
    await travel(platform, D(2027, 1, 1))
    await books.run(D(2027, 1, 1))
    await books.calls(40, D(2026, 12, 20))
    await books.calls(50, D(2027, 1, 3))
    preview = await books.billing.billing.preview(books.ops, "c-1")
    assert [(line["kind"], line["amount"]) for line in preview.body["lines"]] == [
        ("usage", 0),
        ("recurring", 3_100),
        ("adjustment", 40),
    ]
    await travel(platform, D(2027, 2, 1))

    result = await books.run(D(2027, 2, 1))

    assert result["invoices"] == 1
    january = (await books.billing.billing.invoices(books.ops, "c-1"))[0][-1]
    assert january.period_start == "2027-01-01"
    lines = [(line["kind"], line["period"], line["amount"]) for line in january.body["lines"]]
    assert lines == [
        ("usage", "2027-01-01", 0),
        ("recurring", "2027-01-01", 3_100),
        ("adjustment", "2026-12-01", 40),
    ]
    assert (january.body["tax"], january.body["total"]) == (279 + 4, 3_140 + 283)


async def test_a_correction_of_invoiced_usage_is_credited_on_the_next_invoice(
    platform: Platform, books: Books
) -> None:
    await books.calls(350, D(2026, 12, 10))
    await travel(platform, D(2027, 1, 1))
    await books.run(D(2027, 1, 1))
    paid_before = (await books.balances())[0]
    await books.calls(-50, D(2026, 12, 10))
    await travel(platform, D(2027, 2, 1))

    await books.run(D(2027, 2, 1))

    january = (await books.billing.billing.invoices(books.ops, "c-1"))[0][-1]
    (adjustment,) = [line for line in january.body["lines"] if line["kind"] == "adjustment"]
    assert (adjustment["period"], adjustment["amount"]) == ("2026-12-01", -50)
    # GST on 3,100 is 279, on -50 it is -4 (-4.5 rounded half to even).
    assert (january.body["tax"], january.body["total"]) == (275, 3_050 + 275)
    assert (await books.balances())[0] == paid_before - 3_325


async def test_a_credit_note_reverses_a_posted_invoice_once(
    platform: Platform, books: Books
) -> None:
    await books.calls(350, D(2026, 12, 10))
    await travel(platform, D(2027, 1, 1))
    await books.run(D(2027, 1, 1))
    (invoice,) = (await books.billing.billing.invoices(books.ops, "c-1"))[0]

    note = await books.billing.billing.credit(books.ops, invoice.id, "goodwill")

    assert note.amount == 3_230
    assert await books.balances() == [100_000, 1_000, 0, 0]
    assert (await books.billing.billing.credit(books.ops, invoice.id, "again")).id == note.id
    assert await books.balances() == [100_000, 1_000, 0, 0]
    shown = await books.billing.billing.invoice(books.ops, invoice.id)
    assert shown.status.value == "credited"
    with pytest.raises(ValidationError):
        await books.billing.billing.credit(books.ops, invoice.id, " ")
    with pytest.raises(NotFound):
        await books.billing.billing.credit(books.ops, uuid.uuid4(), "none")
    clerk = await key(platform, Role.WRITE, "clerk")
    with pytest.raises(PermissionDenied):
        await books.billing.billing.credit(clerk, invoice.id, "clerk")


async def test_a_change_of_plan_mid_period_prices_each_stretch_by_its_plan(
    platform: Platform, books: Books
) -> None:
    catalog = books.billing.catalog
    await catalog.put(books.ops, "cost", "premium", books.cost(platform_fee="62.00"))
    await travel(platform, D(2027, 1, 1))
    await catalog.put(books.ops, "config", "c-1", books.config(D(2027, 1, 11), cost="premium"))
    await travel(platform, D(2027, 2, 1))
    await books.run(D(2027, 2, 1))
    january = (await books.billing.billing.invoices(books.ops, "c-1"))[0][-1]
    fees = [
        (line["plan"], line["start"], line["amount"])
        for line in january.body["lines"]
        if line["id"] == "platform"
    ]
    # 10 of 31 days at 31.00, 21 of 31 at 62.00.
    assert fees == [("standard@1", "2027-01-01", 1_000), ("premium@1", "2027-01-11", 4_200)]


async def test_definitions_are_versioned_checked_and_archived(books: Books) -> None:
    catalog = books.billing.catalog
    same, created = await catalog.put(books.ops, "cost", "standard", books.cost())
    assert (same.version, created) == (1, False)
    changed, created = await catalog.put(books.ops, "cost", "standard", books.cost("40.00"))
    assert (changed.version, created) == (2, True)
    assert [v.version for v in await catalog.versions(books.ops, "cost", "standard")] == [1, 2]
    bad = books.cost()
    bad["charges"][0]["rule_group"] = "nothing"
    with pytest.raises(ValidationError) as refused:
        await catalog.put(books.ops, "cost", "broken", bad)
    assert refused.value.field == "charges[0].rule_group"
    with pytest.raises(ValidationError) as refused:
        await catalog.put(books.ops, "cost", "broken", {**books.cost(), "currency": "ZZZ"})
    assert refused.value.field == "currency"
    with pytest.raises(ValidationError) as refused:
        await catalog.put(books.ops, "config", "c-1", books.config(D(2026, 11, 1)))
    assert refused.value.field == "starts"
    with pytest.raises(ValidationError) as refused:
        await catalog.put(books.ops, "plan", "x", {})
    assert refused.value.field == "kind"
    archived = await catalog.archive(books.ops, "tier", "per-call")
    assert archived.archived_at is not None
    with pytest.raises(Conflict):
        await catalog.put(
            books.ops, "tier", "per-call", {"currency": "SGD", "kind": "flat", "unit_price": "1"}
        )
    with pytest.raises(ValidationError):
        await catalog.put(books.ops, "cost", "standard", books.cost("41.00"))
