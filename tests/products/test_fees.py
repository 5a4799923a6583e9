from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given

from strongroom.ids import NIL
from strongroom.products.events import Event, EventKind, Usage
from strongroom.products.fees import FeeKind, FeeRule, evaluate_fee, fee_amount
from strongroom.products.tiers import Band, TierMethod, Tiers

from .strategies import amounts, fee_rules

DAY = date(2026, 3, 10)

# The everyday product's FX fee (examples/products/everyday-v1.yaml), in SGD cents:
#   [0, 1 000.00)       SGD 1.00 flat + 0.5%  -> Band(0, 100_000, 100, 5/1000)
#   [1 000.00, 10 000)  0.4%                  -> Band(100_000, 1_000_000, 0, 4/1000)
#   [10 000.00, inf)    0.3%                  -> Band(1_000_000, None, 0, 3/1000)
FX_VOLUME = Tiers(
    TierMethod.VOLUME,
    (
        Band(0, 100_000, 100, Fraction(5, 1000)),
        Band(100_000, 1_000_000, 0, Fraction(4, 1000)),
        Band(1_000_000, None, 0, Fraction(3, 1000)),
    ),
)
TIERED_GOLDEN = [
    (0, 100),  # 100 + 0.005 * 0 = 100 (the flat of the first band)
    (50_000, 350),  # 100 + 0.005 * 50 000 = 100 + 250 = 350
    (99_999, 600),  # 100 + 0.005 * 99 999 = 599.995 -> 600
    (100_000, 400),  # second band, whole amount: 0.004 * 100 000 = 400
    (123_457, 494),  # 0.004 * 123 457 = 493.828 -> 494
    (1_000_000, 3_000),  # third band: 0.003 * 1 000 000 = 3 000
    (2_500_001, 7_500),  # 0.003 * 2 500 001 = 7 500.003 -> 7 500
]

# Graduated: each slice priced by its own band.
#   [0, 1 000.00) at 1%, [1 000.00, inf) at 0.5% plus SGD 2.00 once the band is reached.
GRADUATED = Tiers(
    TierMethod.GRADUATED,
    (Band(0, 100_000, 0, Fraction(1, 100)), Band(100_000, None, 200, Fraction(5, 1000))),
)
GRADUATED_GOLDEN = [
    (0, 0),  # no slice at all
    (50_000, 500),  # 0.01 * 50 000 = 500
    (100_000, 1_000),  # 0.01 * 100 000 = 1 000; the second band is not reached
    (250_000, 1_950),  # 1 000 + (200 + 0.005 * 150 000 = 200 + 750) = 1 950
    (100_001, 1_200),  # 1 000 + 200 + 0.005 * 1 = 1 200.005 -> 1 200
]


def rule(**kw: object) -> FeeRule:
    base: dict[str, object] = {"id": "f", "event": EventKind.TRANSFER_OUT, "kind": FeeKind.FLAT}
    base.update(kw)
    return FeeRule(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("amount", "fee"), TIERED_GOLDEN)
def test_tiered_volume_golden(amount: int, fee: int) -> None:
    assert fee_amount(rule(kind=FeeKind.TIERED, tiers=FX_VOLUME), amount) == fee


@pytest.mark.parametrize(("amount", "fee"), GRADUATED_GOLDEN)
def test_tiered_graduated_golden(amount: int, fee: int) -> None:
    assert fee_amount(rule(kind=FeeKind.TIERED, tiers=GRADUATED), amount) == fee


# 0.25% with a minimum of SGD 0.50 and a maximum of SGD 10.00.
CAPPED = rule(kind=FeeKind.PERCENTAGE, rate=Fraction(25, 10_000), minimum=50, maximum=1_000)
PERCENT_GOLDEN = [
    (10_000, 50),  # 0.0025 * 10 000 = 25 -> below the minimum -> 50
    (123_456, 309),  # 0.0025 * 123 456 = 308.64 -> 309
    (20_200, 50),  # 50.5 -> 50 (half to even), equal to the minimum
    (20_600, 52),  # 51.5 -> 52 (half to even)
    (1_000_000, 1_000),  # 2 500 -> capped at the maximum 1 000
]


@pytest.mark.parametrize(("amount", "fee"), PERCENT_GOLDEN)
def test_percentage_with_caps_golden(amount: int, fee: int) -> None:
    assert fee_amount(CAPPED, amount) == fee


def test_flat_fee() -> None:
    assert fee_amount(rule(amount=200), 999_999) == 200


def test_first_n_free_per_month() -> None:
    atm = rule(event=EventKind.ATM_WITHDRAWAL, amount=200, free_per_month=2)
    usage = Usage()
    charged = []
    for _ in range(4):
        event = Event(EventKind.ATM_WITHDRAWAL, 5_000, "SGD", DAY)
        charge = evaluate_fee(atm, event, usage)
        charged.append((charge.amount, charge.waiver is not None))
        usage = usage.record(event)
    assert charged == [(0, True), (0, True), (200, False), (200, False)]
    # A new month starts with the free allowance again.
    next_month = Event(EventKind.ATM_WITHDRAWAL, 5_000, "SGD", date(2026, 4, 1))
    assert evaluate_fee(atm, next_month, usage.on(next_month.on)).amount == 0


def test_balance_waiver() -> None:
    maintenance = rule(
        event=EventKind.MONTHLY_MAINTENANCE, amount=500, waive_when_balance_at_least=200_000
    )
    rich = Event(EventKind.MONTHLY_MAINTENANCE, 0, "SGD", DAY, balance=200_000)
    poor = Event(EventKind.MONTHLY_MAINTENANCE, 0, "SGD", DAY, balance=199_999)
    assert evaluate_fee(maintenance, rich, Usage()).amount == 0
    assert evaluate_fee(maintenance, rich, Usage()).waiver is not None
    assert evaluate_fee(maintenance, poor, Usage()).amount == 500


@given(fee_rules(), amounts)
def test_fees_never_negative_and_caps_always_respected(fee: FeeRule, amount: int) -> None:
    charged = fee_amount(fee, amount)
    assert charged >= 0
    assert charged >= fee.minimum
    if fee.maximum is not None:
        assert charged <= fee.maximum


@given(fee_rules(), amounts)
def test_uncapped_fee_is_the_rounded_exact_fee(fee: FeeRule, amount: int) -> None:
    # Guards against the cap test passing vacuously: without bounds the formula shows through.
    unbounded = FeeRule(fee.id, fee.event, fee.kind, fee.amount, fee.rate, fee.tiers, 0, None)
    if fee.kind is FeeKind.FLAT:
        exact = Fraction(fee.amount)
    elif fee.kind is FeeKind.PERCENTAGE:
        exact = fee.rate * amount
    else:
        assert fee.tiers is not None
        exact = fee.tiers.apply(amount)
    assert abs(fee_amount(unbounded, amount) - exact) <= Fraction(1, 2)
    assert unbounded.income_account == NIL
