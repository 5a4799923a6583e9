"""`compliance.dispute` on both backends: won (with a chargeback) and lost, escalation at the
deadline, the payload checked against the ledger, a second dispute of one transfer refused, and
a worker killed after the provisional credit replays it without crediting twice. The ledger's
invariants are checked after each test (the platform fixture)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa

from strongroom.bootstrap.platform import Platform
from strongroom.compliance.case_intent import case_intent_type
from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.disputes import dispute_type
from strongroom.events.schemas import CASE_ESCALATED, decode_batch
from strongroom.ledger import (
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
)
from strongroom.services.access import Principal
from strongroom.settings import Settings
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import outbox
from strongroom.store.urls import parse_url
from strongroom.workflows.definitions import Registry
from strongroom.workflows.engine import Engine
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent, IntentStatus


class Bank:
    """A customer who paid a merchant 5,000 out of 10,000, and the bank's provisional
    account (which may go below zero: it funds provisional credits)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.funding, self.customer, self.merchant, self.provisional = (
            uuid.uuid4() for _ in range(4)
        )
        self.payment = uuid.uuid4()

    async def open(self) -> None:
        strict = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
        accounts = [
            Account(id=self.funding, ledger="EUR", code=1, tenant="acme"),
            Account(id=self.customer, ledger="EUR", code=1, flags=strict, tenant="acme"),
            Account(id=self.merchant, ledger="EUR", code=1, flags=strict, tenant="acme"),
            Account(id=self.provisional, ledger="EUR", code=1, tenant="acme"),
        ]
        assert set(await self.ledger.create_accounts(accounts)) == {CreateAccountResult.OK}
        moves = [
            Transfer(uuid.uuid4(), self.funding, self.customer, 10_000, "EUR", 1, tenant="acme"),
            Transfer(self.payment, self.customer, self.merchant, 5_000, "EUR", 1, tenant="acme"),
        ]
        assert set(await self.ledger.create_transfers(moves)) == {CreateTransferResult.OK}

    async def balances(self) -> tuple[int, int, int]:
        """Customer, merchant, provisional."""
        found = {
            a.id: a.balance
            for a in await self.ledger.lookup_accounts(
                [self.customer, self.merchant, self.provisional]
            )
        }
        return found[self.customer], found[self.merchant], found[self.provisional]

    def dispute(self, amount: int = 2_000, chargeback: bool = False) -> dict[str, Any]:
        return {
            "original_transfer_id": str(self.payment),
            "amount": amount,
            "customer_account_id": str(self.customer),
            "provisional_account_id": str(self.provisional),
            "reason": "goods never arrived",
            "chargeback_account_id": str(self.merchant) if chargeback else None,
        }


@pytest.fixture
async def bank(platform: Platform) -> Bank:
    bank = Bank(await platform.ledger())
    await bank.open()
    return bank


@pytest.fixture
async def running(platform: Platform) -> Platform:
    await (await platform.intent_engine()).start()
    return platform


async def until(
    platform: Platform, intent_id: uuid.UUID, check: Callable[[Intent], bool]
) -> Intent:
    store = await platform.intent_store()
    for _ in range(1000):
        intent = await store.get(intent_id)
        assert intent is not None
        if check(intent):
            return intent
        await asyncio.sleep(0.01)
    raise AssertionError(intent)


async def investigating(platform: Platform, dispute_id: uuid.UUID) -> tuple[Intent, uuid.UUID]:
    """The dispute once its case is open: the case intent, and the case's id."""
    parent = await until(platform, dispute_id, lambda i: i.status is IntentStatus.WAITING)
    assert (parent.state, parent.position) == ("investigating", 2)
    store = await platform.intent_store()
    detail = await store.detail(dispute_id)
    assert detail is not None
    (child,) = detail.children
    child = await until(platform, child.id, lambda i: "open" in i.results)
    return child, uuid.UUID(child.results["open"]["case_id"])


async def decide(
    platform: Platform, maker: Principal, checker: Principal, case_id: uuid.UUID, what: str
) -> None:
    cases = await platform.cases()
    await cases.propose(maker, case_id, what, "investigated")
    await cases.approve(checker, case_id)


async def test_a_won_dispute_keeps_the_credit_and_charges_the_merchant_back(
    running: Platform, bank: Bank, maker: Principal, checker: Principal
) -> None:
    intents = await running.intents()
    submitted = await intents.submit(
        maker, "compliance.dispute", "d-1", bank.dispute(chargeback=True)
    )
    _, case_id = await investigating(running, submitted.intent.id)
    assert await bank.balances() == (7_000, 5_000, -2_000)
    case = (await (await running.cases()).show(maker, case_id)).case
    assert (case.kind, case.subject) == (CaseKind.DISPUTE, str(submitted.intent.id))
    assert case.reasons == ("goods never arrived",)
    await decide(running, maker, checker, case_id, "release")
    done = await until(running, submitted.intent.id, lambda i: i.status is IntentStatus.DONE)
    assert (done.state, done.results["resolve"]["outcome"]) == ("won", "won")
    assert await bank.balances() == (7_000, 3_000, 0)


async def test_a_lost_dispute_reverses_the_provisional_credit(
    running: Platform, bank: Bank, maker: Principal, checker: Principal
) -> None:
    intents = await running.intents()
    submitted = await intents.submit(maker, "compliance.dispute", "d-2", bank.dispute())
    _, case_id = await investigating(running, submitted.intent.id)
    await decide(running, maker, checker, case_id, "block")
    done = await until(running, submitted.intent.id, lambda i: i.status is IntentStatus.DONE)
    assert done.state == "lost"
    assert await bank.balances() == (5_000, 5_000, 0)
    detail = await (await running.intents()).show(maker, submitted.intent.id)
    assert [t.to_state for t in detail.transitions] == [
        "opened",
        "checked",
        "investigating",
        "lost",
    ]


async def test_the_payload_is_checked_against_the_ledger(
    running: Platform, bank: Bank, maker: Principal
) -> None:
    intents = await running.intents()
    wrong = {
        "too-much": bank.dispute(amount=5_001),
        "unknown": {**bank.dispute(), "original_transfer_id": str(uuid.uuid4())},
        "not-theirs": {**bank.dispute(), "customer_account_id": str(bank.merchant)},
    }
    for reference, payload in wrong.items():
        submitted = await intents.submit(maker, "compliance.dispute", reference, payload)
        done = await until(running, submitted.intent.id, lambda i: i.status is IntentStatus.DONE)
        assert done.state == "failed", reference
    assert await bank.balances() == (5_000, 5_000, 0)


async def test_a_second_dispute_of_one_transfer_is_refused_once_the_first_is_settled(
    running: Platform, bank: Bank, maker: Principal, checker: Principal
) -> None:
    intents = await running.intents()
    first = await intents.submit(maker, "compliance.dispute", "d-3", bank.dispute())
    _, case_id = await investigating(running, first.intent.id)
    again = await intents.submit(maker, "compliance.dispute", "d-3", bank.dispute())
    assert (again.intent.id, again.created) == (first.intent.id, False)
    second = await intents.submit(maker, "compliance.dispute", "d-4", bank.dispute(amount=1))
    await decide(running, maker, checker, case_id, "release")
    refused = await until(running, second.intent.id, lambda i: i.status is IntentStatus.DONE)
    assert refused.state == "failed"
    assert refused.error is not None
    assert "already disputed" in refused.error
    assert await bank.balances() == (7_000, 5_000, -2_000)


async def test_an_undecided_dispute_escalates_at_its_deadline(db_url: str, tmp_path: Path) -> None:
    settings = Settings(
        db_url=db_url,
        key_file=tmp_path / "keys",
        intent_lease=2.0,
        intent_poll_interval=0.02,
        dispute_deadline=0.3,
    )
    async with Platform(settings) as platform:
        bank = Bank(await platform.ledger())
        await bank.open()
        access = await platform.access()
        maker = (await access.create("acme", "write", "alice")).key
        checker = (await access.create("acme", "admin", "bob")).key
        await (await platform.intent_engine()).start()
        submitted = await (await platform.intents()).submit(
            maker, "compliance.dispute", "d-5", bank.dispute()
        )
        child, case_id = await investigating(platform, submitted.intent.id)
        await until(platform, child.id, lambda i: i.state == "escalated")
        engine = sqlalchemy_engine(parse_url(db_url))
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(sa.select(outbox.c.events))
                escalated = [
                    e.data
                    for (events,) in rows
                    for e in decode_batch(events)
                    if e.type == CASE_ESCALATED
                ]
        finally:
            await engine.dispose()
        assert escalated == [
            {
                "intent_id": str(child.id),
                "case_id": str(case_id),
                "kind": "dispute",
                "subject": str(submitted.intent.id),
            }
        ]
        overdue, _ = await (await platform.cases()).find(maker, overdue=True)
        assert [c.id for c in overdue] == [case_id]
        # Escalated is still waiting: the decision settles it.
        await decide(platform, maker, checker, case_id, "release")
        done = await until(platform, submitted.intent.id, lambda i: i.status is IntentStatus.DONE)
        assert done.state == "won"
        report = await (await platform.ledger()).check_invariants()
        assert report.ok, report.violations


class CrashAfterMoving:
    """A ledger whose first transfer is made, and then the worker hangs as if killed before it
    could save the step's result."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.moved = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)

    async def create_transfers(self, transfers: Sequence[Transfer]) -> list[CreateTransferResult]:
        results = await self._ledger.create_transfers(transfers)
        if not self.moved.is_set():
            self.moved.set()
            await asyncio.sleep(60)
        return results


@pytest.fixture
async def engines(platform: Platform) -> AsyncIterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        await engine.stop(grace=0)


async def test_a_worker_killed_after_the_credit_replays_it_without_crediting_twice(
    platform: Platform, bank: Bank, maker: Principal, engines: list[Engine]
) -> None:
    store = await platform.intent_store()
    cases = await platform.cases()
    crashing = CrashAfterMoving(bank.ledger)

    def registry(ledger: Ledger) -> Registry:
        return Registry([case_intent_type(cases), dispute_type(ledger, store, 3600)])

    first = Engine(store, registry(cast(Ledger, crashing)), lease=0.3, poll_interval=0.01)
    engines.append(first)
    await first.start()
    service = IntentService(store, registry(bank.ledger), platform.clock)
    try:
        submitted = await service.submit(maker, "compliance.dispute", "d-6", bank.dispute())
        await asyncio.wait_for(crashing.moved.wait(), 10)
        await first.stop(grace=0)
        assert await bank.balances() == (7_000, 5_000, -2_000)
        second = Engine(store, registry(bank.ledger), lease=0.3, poll_interval=0.01)
        engines.append(second)
        await second.start()
        _, case_id = await investigating(platform, submitted.intent.id)
    finally:
        await service.close()
    assert await bank.balances() == (7_000, 5_000, -2_000)
    detail = await store.detail(submitted.intent.id)
    assert detail is not None
    assert [s.step for s in detail.steps].count("credit") == 1
    assert case_id is not None
