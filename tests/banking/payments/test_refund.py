"""`banking.payment.refund` on both backends: partial refunds up to the payment and not a cent
more, a full refund marks the payment refunded, refunds of unsettled or unknown payments are
refused, and a property test replays random payments and refunds against a reference model of
the balances (settled payments minus refunds and charges)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.banking.payments.refund import refund_id
from strongroom.bootstrap.platform import Platform
from strongroom.errors import NotFound
from strongroom.services.access import Principal, Role
from tests.banking.conftest import Bank, key
from tests.banking.payments.test_internal import request


@pytest.fixture
async def payer(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "paula")


async def settled(bank: Bank, who: Principal, reference: str, body: dict[str, object]) -> uuid.UUID:
    payment, _ = await bank.payments.pay(who, reference, body)
    assert (await bank.done(payment.intent.id)).state == "settled"
    return payment.intent.id


async def refund(
    bank: Bank, who: Principal, payment: uuid.UUID, reference: str, amount: int
) -> str:
    intent, created = await bank.payments.refund(who, payment, reference, amount, "returned goods")
    assert created
    done = await bank.done(intent.id)
    return done.state if done.state == "refunded" else f"{done.state}: {done.error}"


async def test_partial_refunds_add_up_to_the_payment_and_never_beyond(
    bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    paid = await settled(bank, payer, "p", request(a, b, 3_000))
    assert await refund(bank, payer, paid, "r1", 1_000) == "refunded"
    assert (await bank.payments.show(payer, paid)).payment.status == "partially_refunded"
    assert await refund(bank, payer, paid, "r2", 1_500) == "refunded"
    refused = await refund(bank, payer, paid, "r3", 501)
    assert refused.startswith("failed: check: a refund of 501 exceeds the 500")
    assert await refund(bank, payer, paid, "r4", 500) == "refunded"
    shown = (await bank.payments.show(payer, paid)).payment
    assert (shown.status, shown.refunded) == ("refunded", 3_000)
    assert [t.id for t in shown.refunds] == [refund_id(paid, n) for n in (1, 2, 3)]
    assert await bank.balances(a, b) == [10_000, 0]
    again = await refund(bank, payer, paid, "r5", 1)
    assert again.startswith("failed: check: a refund of 1 exceeds")


async def test_a_refund_the_payee_cannot_fund_fails_and_leaves_its_turn_to_the_next(
    bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    c = await bank.customer_account()
    paid = await settled(bank, payer, "p", request(a, b, 2_000))
    await settled(bank, payer, "away", request(b, c, 1_500))
    failed = await refund(bank, payer, paid, "r1", 1_000)
    assert failed.startswith("failed: refund: insufficient funds")
    assert await refund(bank, payer, paid, "r2", 400) == "refunded"
    shown = (await bank.payments.show(payer, paid)).payment
    assert ([t.id for t in shown.refunds], shown.refunded) == ([refund_id(paid, 1)], 400)


async def test_refunds_of_unsettled_unknown_or_other_tenants_payments_are_refused(
    platform: Platform, bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=1_000)
    b = await bank.customer_account()
    payment, _ = await bank.payments.pay(payer, "fails", request(a, b, 5_000))
    await bank.done(payment.intent.id)
    assert (await refund(bank, payer, payment.intent.id, "r", 1)).startswith(
        "failed: check: payment"
    )
    with pytest.raises(NotFound):
        await bank.payments.refund(payer, uuid.uuid4(), "r2", 1, "x")
    stranger = await key(platform, Role.WRITE, "sam", tenant="other")
    with pytest.raises(NotFound):
        await bank.payments.refund(stranger, payment.intent.id, "r3", 1, "x")


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    moves=st.lists(
        st.one_of(
            st.tuples(st.just("pay"), st.integers(0, 2), st.integers(0, 2), st.integers(1, 4_000)),
            st.tuples(st.just("refund"), st.integers(0, 30), st.just(0), st.integers(1, 3_000)),
        ),
        min_size=1,
        max_size=12,
    )
)
async def test_balances_equal_settled_payments_minus_refunds_and_charges(
    bank: Bank, payer: Principal, moves: list[tuple[str, int, int, int]]
) -> None:
    # The bank outlives one example: references must not repeat across examples.
    run = uuid.uuid4().hex[:8]
    accounts = [await bank.customer_account(funded=10_000) for _ in range(3)]
    model = dict.fromkeys(accounts, 10_000)
    charges = 0
    paid: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, int]] = []
    refunded: dict[uuid.UUID, int] = {}
    for n, (what, x, y, amount) in enumerate(moves):
        if what == "pay":
            debit, credit = accounts[x], accounts[y]
            payment, _ = await bank.payments.pay(
                payer, f"{run}-{n}", request(debit, credit, amount)
            )
            done = await bank.done(payment.intent.id)
            fee = done.results.get("limits", {})
            cost = amount + fee.get("fees", 0) + fee.get("taxes", 0)
            ok = debit != credit and model[debit] >= cost
            assert (done.state == "settled") is ok, done.error
            if ok:
                model[debit] -= cost
                model[credit] += amount
                charges += cost - amount
                paid.append((payment.intent.id, debit, credit, amount))
        elif paid:
            payment_id, debit, credit, total = paid[x % len(paid)]
            intent, _ = await bank.payments.refund(payer, payment_id, f"{run}-{n}", amount, "why")
            done = await bank.done(intent.id)
            ok = refunded.get(payment_id, 0) + amount <= total and model[credit] >= amount
            assert (done.state == "refunded") is ok, done.error
            if ok:
                refunded[payment_id] = refunded.get(payment_id, 0) + amount
                model[credit] -= amount
                model[debit] += amount
    assert await bank.balances(*accounts) == [model[a] for a in accounts]
    assert sum(model.values()) + charges == 30_000
