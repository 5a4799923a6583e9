"""Accounts on both backends: opened on the product's latest version with its arranged overdraft,
one per customer, currency and product; frozen and unfrozen; re-pinned with an audit trail;
closed only at zero with its holds released; another tenant's account not found."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.errors import NotFound, PermissionDenied
from strongroom.ledger import AccountStatus
from strongroom.products import parse_product
from strongroom.services.access import Principal, Role
from tests.banking.conftest import EXAMPLES, Bank, key


@pytest.fixture
async def clerk(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "clerk")


async def opened(bank: Bank, who: Principal, customer: uuid.UUID, product: str) -> str:
    _, intent, _ = await bank.banking.accounts.open(
        who, f"a-{uuid.uuid4()}", customer, "SGD", product
    )
    done = await bank.done(intent.id)
    return done.state if done.state == "opened" else f"{done.state}: {done.error}"


async def test_an_account_opens_on_the_latest_version_with_its_arranged_overdraft(
    platform: Platform, bank: Bank, clerk: Principal
) -> None:
    text = (EXAMPLES / "everyday-v1.yaml").read_text().replace("version: 1", "version: 2")
    v2 = parse_product(text + "\noverdraft_limit: 250.00\n", str(Path("everyday-v2")))
    await (await platform.products()).publish(v2, actor="ops")
    customer = await bank.customer()
    account_id, intent, created = await bank.banking.accounts.open(
        clerk, "acc-1", customer, "SGD", "everyday"
    )
    assert (await bank.done(intent.id)).state == "opened"
    again, _, created_again = await bank.banking.accounts.open(
        clerk, "acc-1", customer, "SGD", "everyday"
    )
    assert (created, created_again, again) == (True, False, account_id)
    view = await bank.banking.accounts.show(clerk, account_id)
    assert (view.account.product_version, view.ledger.overdraft_limit) == (2, 25_000)
    assert [v.account.id for v in await bank.banking.accounts.of_customer(clerk, customer)] == [
        account_id
    ]
    second = await opened(bank, clerk, customer, "everyday")
    assert second.startswith("failed: ")
    assert "already has SGD account" in second
    # The arranged overdraft lets the balance go below zero, and no further.
    other = await bank.customer_account()
    for reference, amount, state in (("od-1", 20_000, "settled"), ("od-2", 6_000, "failed")):
        payment, _ = await bank.payments.pay(
            clerk,
            reference,
            {
                "debit_account_id": str(account_id),
                "credit_account_id": str(other),
                "amount": amount,
                "currency": "SGD",
            },
        )
        assert (await bank.done(payment.intent.id)).state == state
    assert (await bank.balances(account_id))[0] < 0


async def test_a_frozen_account_moves_nothing_until_unfrozen(bank: Bank, clerk: Principal) -> None:
    a = await bank.customer_account(funded=5_000)
    b = await bank.customer_account()
    frozen = await bank.banking.accounts.set_status(clerk, a, "frozen", "fraud check")
    assert frozen.account.status.value == "frozen"
    body = {
        "debit_account_id": str(a),
        "credit_account_id": str(b),
        "amount": 100,
        "currency": "SGD",
    }
    refused, _ = await bank.payments.pay(clerk, "while-frozen", body)
    assert (await bank.done(refused.intent.id)).state == "failed"
    await bank.banking.accounts.set_status(clerk, a, "open", "cleared")
    paid, _ = await bank.payments.pay(clerk, "after", body)
    assert (await bank.done(paid.intent.id)).state == "settled"


async def test_closing_releases_holds_and_needs_a_zero_balance(
    bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account(funded=3_000)
    hold, _ = await bank.payments.authorise(
        clerk,
        "hold",
        {"account_id": str(a), "amount": 1_000, "currency": "SGD", "merchant": {"name": "Shop"}},
    )
    await bank.until(hold.id, lambda i: i.state == "held")
    refused, _ = await bank.banking.accounts.close(clerk, a, "close-early")
    done = await bank.done(refused.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "holds 3000" in done.error
    (held,) = await bank.ledger.lookup_accounts([a])
    assert held.debits_pending == 0
    b = await bank.customer_account()
    body = {
        "debit_account_id": str(a),
        "credit_account_id": str(b),
        "amount": 3_000,
        "currency": "SGD",
    }
    paid, _ = await bank.payments.pay(clerk, "empty-it", body)
    assert (await bank.done(paid.intent.id)).state == "settled"
    closing, _ = await bank.banking.accounts.close(clerk, a, "close-now")
    assert (await bank.done(closing.id)).state == "closed"
    view = await bank.banking.accounts.show(clerk, a)
    assert (view.account.status.value, view.ledger.status) == ("closed", AccountStatus.CLOSED)
    assert view.account.closed_at is not None


async def test_repinning_is_an_admins_and_recorded_by_the_catalogue(
    platform: Platform, bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account()
    text = (EXAMPLES / "everyday-v1.yaml").read_text().replace("version: 1", "version: 2")
    await (await platform.products()).publish(parse_product(text), actor="ops")
    with pytest.raises(PermissionDenied):
        await bank.banking.accounts.repin(clerk, a, 2, "better terms")
    admin = await key(platform, Role.ADMIN, "boss")
    moved = await bank.banking.accounts.repin(admin, a, 2, "better terms")
    assert moved.account.product_version == 2
    history = await (await platform.products()).history(a)
    assert [c.reason for c in history][-1] == "better terms"


async def test_another_tenants_account_is_not_found(platform: Platform, bank: Bank) -> None:
    theirs = await bank.customer_account(tenant="other")
    mine = await key(platform, Role.ADMIN, "me")
    with pytest.raises(NotFound):
        await bank.banking.accounts.show(mine, theirs)
    with pytest.raises(NotFound):
        await bank.banking.accounts.set_status(mine, theirs, "frozen", "x")
    with pytest.raises(NotFound):
        await bank.banking.accounts.close(mine, theirs, "c")
