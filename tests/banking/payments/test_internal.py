"""`banking.payment.internal` on both backends, one lifecycle path per test: settled with its
charges, the failure edges (insufficient funds, limits per transaction and per day from the
ledger's own history, a frozen account, an unverified payer, a compliance block), a review held
until a person decides, and bad requests refused before anything is written. The ledger's
invariants are checked after each test (the platform fixture)."""

from __future__ import annotations

import uuid

import pytest

from strongroom.banking.payments.screening import subject_of
from strongroom.bootstrap.platform import Platform
from strongroom.compliance.ports import RuleSetStatus
from strongroom.errors import NotFound, ValidationError
from strongroom.services.access import Principal, Role
from strongroom.workflows.service import ReferenceConflict
from strongroom.workflows.types import IntentStatus
from tests.banking.conftest import FEE_INCOME, TAX_PAYABLE, Bank, key


@pytest.fixture
async def payer(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "paula")


def request(debit: uuid.UUID, credit: uuid.UUID, amount: int, **extra: object) -> dict[str, object]:
    return {
        "debit_account_id": str(debit),
        "credit_account_id": str(credit),
        "amount": amount,
        "currency": "SGD",
        **extra,
    }


async def pay(bank: Bank, who: Principal, reference: str, body: dict[str, object]) -> str:
    payment, created = await bank.payments.pay(who, reference, body)
    assert created
    done = await bank.done(payment.intent.id)
    return done.state


async def test_a_payment_settles_with_the_products_fees_after_the_free_ones(
    bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=100_000)
    b = await bank.customer_account()
    for n in range(3):
        assert await pay(bank, payer, f"free-{n}", request(a, b, 1_000)) == "settled"
    assert await bank.balances(a, b, FEE_INCOME, TAX_PAYABLE) == [97_000, 3_000, 0, 0]
    payment, _ = await bank.payments.pay(payer, "charged", request(a, b, 2_000, description="rent"))
    await bank.done(payment.intent.id)
    detail = await bank.payments.show(payer, payment.intent.id)
    # 0.25% of 20.00 is under the 0.50 minimum; GST is 9% of the fee: 4.5 cents, half to even.
    assert (detail.payment.status, detail.payment.fees, detail.payment.taxes) == ("settled", 50, 4)
    taxes = 4
    assert await bank.balances(a, b, FEE_INCOME, TAX_PAYABLE) == [
        95_000 - 50 - taxes,
        5_000,
        50,
        taxes,
    ]
    assert [t.to_state for t in detail.detail.transitions] == [
        "initiated",
        "screened",
        "checked",
        "reserved",
        "settled",
    ]
    posted = detail.detail.intent.results["settle"]["posted"]
    found = await bank.ledger.lookup_transfers([uuid.UUID(posted[0])])
    assert found[0].metadata is not None
    assert found[0].metadata.get("description") == "rent"


async def test_insufficient_funds_fail_the_payment_and_release_nothing_held(
    bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=1_000)
    b = await bank.customer_account()
    payment, _ = await bank.payments.pay(payer, "too-much", request(a, b, 1_001))
    done = await bank.done(payment.intent.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "insufficient funds" in done.error
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.debits_pending) == (1_000, 0)


async def test_a_payment_over_the_per_transaction_limit_is_refused(
    bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=1_000_000)
    b = await bank.customer_account()
    payment, _ = await bank.payments.pay(payer, "big", request(a, b, 500_001))
    done = await bank.done(payment.intent.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "transfer-per-transaction" in done.error
    assert await bank.balances(a, b) == [1_000_000, 0]


async def test_the_daily_limit_counts_the_days_earlier_payments_from_the_ledger(
    bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=2_000_000)
    b = await bank.customer_account()
    assert await pay(bank, payer, "d-1", request(a, b, 500_000)) == "settled"
    assert await pay(bank, payer, "d-2", request(a, b, 400_000)) == "settled"
    payment, _ = await bank.payments.pay(payer, "d-3", request(a, b, 100_001))
    done = await bank.done(payment.intent.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "outflow-daily" in done.error
    # What is left of the day can still be paid.
    assert await pay(bank, payer, "d-4", request(a, b, 100_000)) == "settled"


async def test_a_payment_from_a_frozen_account_or_an_unverified_payer_fails(
    bank: Bank, payer: Principal
) -> None:
    frozen = await bank.customer_account(funded=10_000)
    await bank.freeze(frozen)
    lapsed_customer = await bank.customer()
    lapsed = await bank.customer_account(funded=10_000, customer=lapsed_customer)
    await bank.expire_kyc(lapsed_customer)
    b = await bank.customer_account()
    for reference, debit, why in (("f", frozen, "frozen"), ("p", lapsed, "expired")):
        payment, _ = await bank.payments.pay(payer, reference, request(debit, b, 100))
        done = await bank.done(payment.intent.id)
        assert done.state == "failed"
        assert done.error is not None
        assert why in done.error
    assert await bank.balances(frozen, lapsed, b) == [10_000, 10_000, 0]


RULES = """
thresholds: {review: 50, block: 100}
rules:
  - id: huge
    message: more than 3,000.00
    when: {payment.amount: {gt: 300000}}
    action: block
  - id: large
    message: more than 1,000.00
    when: {payment.amount: {gt: 100000}}
    action: review
"""


async def enforce_rules(platform: Platform) -> None:
    admin = await key(platform, Role.ADMIN, "ada")
    await (await platform.compliance()).publish(admin, RULES, RuleSetStatus.ENFORCE)


async def review_case(bank: Bank, who: Principal, payment_id: uuid.UUID) -> uuid.UUID:
    """The case the payment's review child opened."""
    (child,) = (await bank.intents.show(who, payment_id)).children
    child = await bank.until(child.id, lambda i: "open" in i.results)
    return uuid.UUID(child.results["open"]["case_id"])


async def decide(platform: Platform, case_id: uuid.UUID, verdict: str) -> None:
    """`verdict` proposed by one person and approved by another (maker-checker)."""
    cases = await platform.cases()
    await cases.propose(await key(platform, Role.WRITE, "mo"), case_id, verdict, "looked")
    await cases.approve(await key(platform, Role.ADMIN, "cy"), case_id)


async def test_a_payment_compliance_blocks_fails_with_the_rules_reasons(
    platform: Platform, bank: Bank, payer: Principal
) -> None:
    await enforce_rules(platform)
    a = await bank.customer_account(funded=1_000_000)
    b = await bank.customer_account()
    payment, _ = await bank.payments.pay(payer, "blocked", request(a, b, 300_001))
    done = await bank.done(payment.intent.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "huge: more than 3,000.00" in done.error
    assert await bank.balances(a, b) == [1_000_000, 0]
    decisions = await (await platform.compliance()).decisions_on(payer, subject_of(done.id))
    assert [d.outcome.value for d in decisions] == ["block"]


@pytest.mark.parametrize("verdict", ["release", "block"])
async def test_a_payment_sent_to_review_waits_for_the_case_and_follows_its_outcome(
    platform: Platform, bank: Bank, payer: Principal, verdict: str
) -> None:
    await enforce_rules(platform)
    a = await bank.customer_account(funded=1_000_000)
    b = await bank.customer_account()
    payment, _ = await bank.payments.pay(payer, "held", request(a, b, 150_000))
    waiting = await bank.until(payment.intent.id, lambda i: i.status is IntentStatus.WAITING)
    assert waiting.state == "screened"
    case_id = await review_case(bank, payer, payment.intent.id)
    cases = await platform.cases()
    case = (await cases.show(payer, case_id)).case
    assert case.subject == subject_of(payment.intent.id)
    assert case.reasons == ("large: more than 1,000.00",)
    assert case.decision_id is not None
    # The decider opened no second case for the same decision.
    listed, _ = await cases.find(payer)
    assert [c.id for c in listed] == [case_id]
    assert await bank.balances(a, b) == [1_000_000, 0]
    await decide(platform, case_id, verdict)
    done = await bank.done(payment.intent.id)
    if verdict == "release":
        assert done.state == "settled"
        fees = done.results["limits"]["fees"] + done.results["limits"]["taxes"]
        assert await bank.balances(a, b) == [1_000_000 - 150_000 - fees, 150_000]
    else:
        assert done.state == "failed"
        assert await bank.balances(a, b) == [1_000_000, 0]


async def test_a_payment_waiting_for_its_review_does_not_hold_its_account_up(
    platform: Platform, bank: Bank, payer: Principal
) -> None:
    await enforce_rules(platform)
    a = await bank.customer_account(funded=1_000_000)
    b = await bank.customer_account()
    held, _ = await bank.payments.pay(payer, "held", request(a, b, 150_000))
    await bank.until(held.intent.id, lambda i: i.status is IntentStatus.WAITING)
    after, _ = await bank.payments.pay(payer, "after", request(a, b, 1_000))
    assert (await bank.done(after.intent.id)).state == "settled"
    assert (await bank.intents.show(payer, held.intent.id)).intent.state == "screened"
    await decide(platform, await review_case(bank, payer, held.intent.id), "release")
    done = await bank.done(held.intent.id)
    assert done.state == "settled"
    # Its limits were checked after the payment that overtook it: the day's usage counts it.
    charged = [
        p.results["limits"]["fees"] + p.results["limits"]["taxes"]
        for p in (await bank.done(after.intent.id), done)
    ]
    assert await bank.balances(a, b) == [1_000_000 - 151_000 - sum(charged), 151_000]


async def test_the_same_reference_is_the_same_payment_and_other_content_a_conflict(
    bank: Bank, payer: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    first, created = await bank.payments.pay(payer, "once", request(a, b, 100))
    again, created_again = await bank.payments.pay(payer, "once", request(a, b, 100))
    assert (created, created_again, again.intent.id) == (True, False, first.intent.id)
    with pytest.raises(ReferenceConflict):
        await bank.payments.pay(payer, "once", request(a, b, 101))
    await bank.done(first.intent.id)
    assert await bank.balances(a, b) == [9_900, 100]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "12"}, "amount"),
        ({"currency": "sgd"}, "currency"),
        ({"debit_account_id": "nope"}, "debit_account_id"),
        ({"surprise": 1}, "surprise"),
        ({"customer": "someone"}, "customer"),
    ],
)
async def test_a_malformed_request_names_its_field_and_submits_nothing(
    bank: Bank, payer: Principal, change: dict[str, object], field: str
) -> None:
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    with pytest.raises(ValidationError) as caught:
        await bank.payments.pay(payer, "bad", {**request(a, b, 100), **change})
    assert field in caught.value.field
    listed, _ = await bank.payments.find(payer)
    assert listed == []


async def test_another_tenants_account_is_not_found(platform: Platform, bank: Bank) -> None:
    theirs = await bank.customer_account(tenant="other")
    b = await bank.customer_account()
    payer = await key(platform, Role.WRITE, "paula")
    with pytest.raises(NotFound):
        await bank.payments.pay(payer, "theirs", request(theirs, b, 100))
