"""Pots on both backends: created with a goal, money moved in and out (never below zero on
either side), round-ups of payments collected after they settle (and skipped when the account
cannot fund them), a sweep that a schedule runs, another tenant's pot not found."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.errors import Conflict, NotFound, PermissionDenied
from strongroom.services.access import Principal, Role
from tests.banking.conftest import Bank, key


@pytest.fixture
async def clerk(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "clerk")


async def moved(bank: Bank, who: Principal, pot: uuid.UUID, amount: int, direction: str) -> str:
    intent, _ = await bank.banking.pots.move(who, pot, f"m-{uuid.uuid4()}", amount, direction)
    done = await bank.done(intent.id)
    return done.state if done.state == "moved" else f"{done.state}: {done.error}"


async def test_money_moves_in_and_out_of_a_pot_never_below_zero(
    bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    pot = await bank.banking.pots.create(clerk, "holiday", a, "Holiday", goal=50_000)
    again = await bank.banking.pots.create(clerk, "holiday", a, "Holiday", goal=50_000)
    assert again.pot.id == pot.pot.id
    assert await moved(bank, clerk, pot.pot.id, 4_000, "in") == "moved"
    assert await moved(bank, clerk, pot.pot.id, 1_500, "out") == "moved"
    assert (await moved(bank, clerk, pot.pot.id, 2_501, "out")).startswith("failed: ")
    assert (await moved(bank, clerk, pot.pot.id, 7_501, "in")).startswith("failed: ")
    assert await bank.balances(a, pot.pot.id) == [7_500, 2_500]
    shown = await bank.banking.pots.show(clerk, pot.pot.id)
    assert (shown.balance, shown.pot.goal) == (2_500, 50_000)
    assert [v.pot.id for v in await bank.banking.pots.of_account(clerk, a)] == [pot.pot.id]


async def test_round_ups_follow_settled_payments_when_the_account_can_fund_them(
    bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account(funded=1_301)
    b = await bank.customer_account()
    pot = (await bank.banking.pots.create(clerk, "spare", a, "Spare change", round_up=True)).pot
    with pytest.raises(Conflict):
        await bank.banking.pots.create(clerk, "second", a, "Another", round_up=True)

    async def pay(reference: str, amount: int) -> dict[str, object]:
        body = {
            "debit_account_id": str(a),
            "credit_account_id": str(b),
            "amount": amount,
            "currency": "SGD",
        }
        payment, _ = await bank.payments.pay(clerk, reference, body)
        done = await bank.done(payment.intent.id)
        assert done.state == "settled", done.error
        return dict(done.results["settle"])

    # 12.30 rounds up by 0.70 into the pot.
    assert (await pay("r1", 1_230))["round_up"] == 70
    assert await bank.balances(a, pot.id, b) == [1, 70, 1_230]
    # The last cent leaves nothing for its 0.99 round-up: skipped, the payment settled anyway.
    assert (await pay("r2", 1))["round_up"] == 0
    assert await bank.balances(a, pot.id, b) == [0, 70, 1_231]


async def test_a_sweep_moves_money_in_on_its_schedule(
    platform: Platform, bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    pot = (await bank.banking.pots.create(clerk, "sweep", a, "Rainy day")).pot
    with pytest.raises(PermissionDenied):
        await bank.banking.pots.sweep(clerk, pot.id, 1_000, "every 1s")
    admin = await key(platform, Role.ADMIN, "boss")
    await bank.banking.pots.sweep(admin, pot.id, 1_000, "every 1s")
    for _ in range(500):
        if (await bank.balances(pot.id))[0] >= 2_000:
            break
        await asyncio.sleep(0.02)
    balance = (await bank.balances(pot.id))[0]
    assert balance >= 2_000
    assert balance % 1_000 == 0
    shown = await bank.banking.pots.show(clerk, pot.id)
    assert shown.sweep is not None
    assert shown.sweep.spec == "every 1s"


async def test_another_tenants_pot_and_account_are_not_found(
    platform: Platform, bank: Bank, clerk: Principal
) -> None:
    theirs = await bank.customer_account(tenant="other")
    with pytest.raises(NotFound):
        await bank.banking.pots.create(clerk, "steal", theirs, "Mine now")
    stranger = await key(platform, Role.ADMIN, "x", tenant="other")
    a = await bank.customer_account()
    pot = (await bank.banking.pots.create(clerk, "p", a, "Pot")).pot
    with pytest.raises(NotFound):
        await bank.banking.pots.show(stranger, pot.id)
    with pytest.raises(NotFound):
        await bank.banking.pots.move(stranger, pot.id, "m", 1, "in")


async def test_closing_a_pot_returns_its_money_and_ends_its_sweep_and_round_ups(
    platform: Platform, bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    pot = (await bank.banking.pots.create(clerk, "close-me", a, "Old", round_up=True)).pot
    assert await moved(bank, clerk, pot.id, 3_000, "in") == "moved"
    ops = await key(platform, Role.ADMIN, "ops")
    await bank.banking.pots.sweep(ops, pot.id, 100, "every 1d")
    closing, created = await bank.banking.pots.close(clerk, pot.id, "close-old")
    assert created
    done = await bank.done(closing.id)
    assert done.state == "closed", done.error
    assert done.results["empty"]["amount"] == 3_000
    assert await bank.balances(a, pot.id) == [10_000, 0]
    shown = await bank.banking.pots.show(clerk, pot.id)
    assert (shown.status.value, shown.sweep, shown.pot.round_up) == ("closed", None, False)
    again, created = await bank.banking.pots.close(clerk, pot.id, "close-old")
    assert (again.id, created) == (closing.id, False)
    assert (await moved(bank, clerk, pot.id, 100, "in")).startswith("failed: ")
    fresh = await bank.banking.pots.create(clerk, "new", a, "New", round_up=True)
    assert fresh.pot.round_up


async def test_an_account_with_a_pot_not_closed_cannot_be_closed(
    bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account()
    pot = (await bank.banking.pots.create(clerk, "empty", a, "Empty")).pot
    refused, _ = await bank.banking.accounts.close(clerk, a, "close-1")
    failed = await bank.done(refused.id)
    assert failed.state == "failed"
    assert str(pot.id) in (failed.error or "")
    closing, _ = await bank.banking.pots.close(clerk, pot.id, "pot-gone")
    assert (await bank.done(closing.id)).state == "closed"
    closed, _ = await bank.banking.accounts.close(clerk, a, "close-2")
    assert (await bank.done(closed.id)).state == "closed"


async def test_another_tenant_s_pot_cannot_be_closed(bank: Bank, clerk: Principal) -> None:
    a = await bank.customer_account()
    pot = (await bank.banking.pots.create(clerk, "mine", a, "Mine")).pot
    stranger = await key(bank.platform, Role.WRITE, "stranger", tenant="other")
    with pytest.raises(NotFound):
        await bank.banking.pots.close(stranger, pot.id, "theirs")
