"""FX on both backends: a quote at the rate less the spread, rounded down between the currencies'
exponents; a conversion posting both legs through the FX position accounts (money conserved in
each currency); an expired quote, a quote used twice, wrong currencies, short funds and stale or
missing rates refused; bad input named; conversions property-tested against a model."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.banking.fx import StaleRate, converted, position_account_id
from strongroom.bench.sample_bank import PRODUCTS
from strongroom.bootstrap.platform import Platform
from strongroom.errors import Conflict, NotFound, PermissionDenied, ValidationError
from strongroom.products import parse_product
from strongroom.services.access import Principal, Role
from tests.banking.conftest import TENANT, Bank, key


@pytest.fixture
async def dealer(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "dealer")


async def usd_account(bank: Bank, customer: uuid.UUID) -> uuid.UUID:
    who = await key(bank.platform, Role.ADMIN, "opener")
    account_id, intent, _ = await bank.banking.accounts.open(
        who, f"usd-{uuid.uuid4()}", customer, "USD", "global"
    )
    assert (await bank.done(intent.id)).state == "opened"
    return account_id


@pytest.fixture
async def fx_bank(bank: Bank) -> Bank:
    """The bank with the sample bank's dollar account product, `global`."""
    await (await bank.platform.products()).publish(parse_product(PRODUCTS["global"]), actor="ops")
    return bank


def test_conversion_rounds_down_between_exponents() -> None:
    # 100.00 SGD at 0.7412 USD per SGD is 74.12 USD; 1,000 JPY (no decimals) at 0.0091 SGD.
    assert converted(10_000, "SGD", "USD", Decimal("0.7412")) == 7_412
    assert converted(1_000, "JPY", "SGD", Decimal("0.0091")) == 910
    assert converted(1, "SGD", "USD", Decimal("0.7412")) == 0
    assert converted(9_999, "SGD", "JPY", Decimal("110.5")) == 11_048


async def test_a_quote_and_its_conversion_move_both_currencies_through_the_positions(
    fx_bank: Bank, dealer: Principal
) -> None:
    bank = fx_bank
    customer = await bank.customer()
    sgd = await bank.customer_account(funded=50_000, customer=customer)
    usd = await usd_account(bank, customer)
    await bank.banking.fx.set_rate(dealer, "USD", "SGD", "1.35")
    quote = await bank.banking.fx.quote(dealer, "SGD", "USD", 13_500)
    # 1/1.35 USD per SGD less 50 bp: 135.00 SGD buys 99.50 USD.
    assert (quote.buy_amount, quote.spread_bps) == (9_950, 50)
    intent, created = await bank.banking.fx.convert(dealer, quote.id, sgd, usd)
    assert (await bank.done(intent.id)).state == "converted"
    again, created_again = await bank.banking.fx.convert(dealer, quote.id, sgd, usd)
    assert (created, created_again, again.id) == (True, False, intent.id)
    positions = [position_account_id(TENANT, c) for c in ("SGD", "USD")]
    assert await bank.balances(sgd, usd, *positions) == [36_500, 9_950, 13_500, -9_950]
    report = await bank.ledger.check_invariants()
    assert report.ok, report.violations


async def test_refusals_expired_wrong_currency_short_funds_and_stale_rates(
    platform: Platform, fx_bank: Bank, dealer: Principal
) -> None:
    bank = fx_bank
    customer = await bank.customer()
    sgd = await bank.customer_account(funded=1_000, customer=customer)
    usd = await usd_account(bank, customer)
    with pytest.raises(StaleRate):
        await bank.banking.fx.quote(dealer, "SGD", "USD", 100)
    await bank.banking.fx.set_rate(dealer, "SGD", "USD", "0.74")
    short = await bank.banking.fx.quote(dealer, "SGD", "USD", 5_000)
    intent, _ = await bank.banking.fx.convert(dealer, short.id, sgd, usd)
    done = await bank.done(intent.id)
    assert (done.state, done.error) == (
        "failed",
        "convert: insufficient funds on the account sold from",
    )
    wrong = await bank.banking.fx.quote(dealer, "SGD", "USD", 100)
    intent, _ = await bank.banking.fx.convert(dealer, wrong.id, usd, sgd)
    assert (await bank.done(intent.id)).state == "failed"
    assert await bank.balances(sgd, usd) == [1_000, 0]
    clerk = await key(platform, Role.WRITE, "clerk")
    with pytest.raises(PermissionDenied):
        await bank.banking.fx.set_rate(clerk, "SGD", "USD", "0.8")
    for field, call in (
        ("rate", bank.banking.fx.set_rate(dealer, "SGD", "USD", "-1")),
        ("quote", bank.banking.fx.set_rate(dealer, "SGD", "XXY", "1")),
        ("sell_amount", bank.banking.fx.quote(dealer, "SGD", "USD", 0)),
    ):
        with pytest.raises(ValidationError) as caught:
            await call
        assert caught.value.field == field
    with pytest.raises(NotFound):
        await bank.banking.fx.convert(dealer, uuid.uuid4(), sgd, usd)
    with pytest.raises(Conflict):
        await bank.banking.fx.quote(dealer, "SGD", "USD", 1)


async def test_an_expired_quote_converts_nothing(fx_bank: Bank, dealer: Principal) -> None:
    bank = fx_bank
    customer = await bank.customer()
    sgd = await bank.customer_account(funded=1_000, customer=customer)
    usd = await usd_account(bank, customer)
    await bank.banking.fx.set_rate(dealer, "SGD", "USD", "0.74")
    quote = await bank.banking.fx.quote(dealer, "SGD", "USD", 500)
    store = await bank.platform.bank_store()
    # The quote's validity is over: as if it had been asked a minute ago.
    expired = replace(quote, id=uuid.uuid4(), expires_at=quote.created_at - 1)
    await store.add_quote(expired)
    intent, _ = await bank.banking.fx.convert(dealer, expired.id, sgd, usd)
    done = await bank.done(intent.id)
    assert done.state == "failed"
    assert done.error is not None
    assert "expired" in done.error
    assert await bank.balances(sgd, usd) == [1_000, 0]


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sells=st.lists(st.integers(2, 4_000), min_size=1, max_size=6))
async def test_money_is_conserved_in_each_currency(
    fx_bank: Bank, dealer: Principal, sells: list[int]
) -> None:
    bank = fx_bank
    customer = await bank.customer()
    sgd = await bank.customer_account(funded=10_000, customer=customer)
    usd = await usd_account(bank, customer)
    await bank.banking.fx.set_rate(dealer, "SGD", "USD", "0.7412")
    left, bought = 10_000, 0
    for amount in sells:
        quote = await bank.banking.fx.quote(dealer, "SGD", "USD", amount)
        intent, _ = await bank.banking.fx.convert(dealer, quote.id, sgd, usd)
        state = (await bank.done(intent.id)).state
        assert (state == "converted") is (amount <= left)
        if state == "converted":
            left -= amount
            bought += quote.buy_amount
    assert await bank.balances(sgd, usd) == [left, bought]
    report = await bank.ledger.check_invariants()
    assert report.ok, report.violations
