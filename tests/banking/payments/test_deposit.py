"""`banking.payment.deposit` on both backends: money from outside credited through the tenant's
clearing account, a deposit compliance blocks or an unknown account refused, a held deposit
credited once released, and a retried submission credited once."""

from __future__ import annotations

import uuid

import pytest

from strongroom.banking.clearing import clearing_account_id
from strongroom.bootstrap.platform import Platform
from strongroom.compliance.ports import RuleSetStatus
from strongroom.errors import NotFound
from strongroom.services.access import Principal, Role
from strongroom.workflows.types import IntentStatus
from tests.banking.conftest import TENANT, Bank, key


@pytest.fixture
async def teller(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "tess")


def deposit(account: uuid.UUID, amount: int, **extra: object) -> dict[str, object]:
    return {"account_id": str(account), "amount": amount, "currency": "SGD", **extra}


async def test_a_deposit_is_credited_from_the_clearing_account_once(
    bank: Bank, teller: Principal
) -> None:
    a = await bank.customer_account()
    body = deposit(a, 12_345, sender={"name": "Acme Pte Ltd", "country": "SG"}, description="pay")
    intent, created = await bank.payments.deposit(teller, "dep-1", body)
    again, created_again = await bank.payments.deposit(teller, "dep-1", body)
    assert (created, created_again, again.id) == (True, False, intent.id)
    done = await bank.done(intent.id)
    assert done.state == "settled"
    clearing = clearing_account_id(TENANT, "SGD")
    assert await bank.balances(a, clearing) == [12_345, -12_345]
    transfer_id = uuid.UUID(done.results["credit"]["transfer_id"])
    (made,) = await bank.ledger.lookup_transfers([transfer_id])
    assert made.metadata == {
        "payment": str(intent.id),
        "description": "pay",
        "sender": "Acme Pte Ltd",
    }
    shown = await bank.payments.show_deposit(teller, intent.id)
    assert [t.to_state for t in shown.transitions] == ["initiated", "screened", "settled"]


RULES = """
rules:
  - id: embargo
    message: sender in an embargoed country
    when: {counterparty.country: {in: [KP]}}
    action: block
  - id: big-in
    message: a large incoming payment
    when: {all: [{payment.direction: {eq: in}}, {payment.amount: {gt: 1000000}}]}
    action: review
"""


async def test_compliance_blocks_or_holds_a_deposit_on_its_sender_and_size(
    platform: Platform, bank: Bank, teller: Principal
) -> None:
    admin = await key(platform, Role.ADMIN, "ada")
    await (await platform.compliance()).publish(admin, RULES, RuleSetStatus.ENFORCE)
    a = await bank.customer_account()
    blocked, _ = await bank.payments.deposit(
        teller, "kp", deposit(a, 100, sender={"country": "KP"})
    )
    done = await bank.done(blocked.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "embargo" in done.error
    held, _ = await bank.payments.deposit(teller, "big", deposit(a, 1_000_001))
    waiting = await bank.until(held.id, lambda i: i.status is IntentStatus.WAITING)
    assert waiting.state == "screened"
    assert await bank.balances(a) == [0]
    (child,) = (await bank.intents.show(teller, held.id)).children
    child = await bank.until(child.id, lambda i: "open" in i.results)
    case_id = uuid.UUID(child.results["open"]["case_id"])
    cases = await platform.cases()
    await cases.propose(teller, case_id, "release", "known customer")
    await cases.approve(admin, case_id)
    assert (await bank.done(held.id)).state == "settled"
    assert await bank.balances(a) == [1_000_001]


async def test_a_deposit_to_an_unknown_or_foreign_account_is_not_found(
    bank: Bank, teller: Principal
) -> None:
    theirs = await bank.customer_account(tenant="other")
    for account in (uuid.uuid4(), theirs):
        with pytest.raises(NotFound):
            await bank.payments.deposit(teller, f"d-{account}", deposit(account, 100))
    mine = await bank.customer_account()
    await bank.freeze(mine)
    intent, _ = await bank.payments.deposit(teller, "frozen", deposit(mine, 100))
    done = await bank.done(intent.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "frozen" in done.error
