from __future__ import annotations

import uuid
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from strongroom.products.events import EventKind
from strongroom.products.fees import Charge
from strongroom.products.taxes import TaxRule, taxes_on

INCOME = uuid.UUID(int=1)
PAYABLE = uuid.UUID(int=2)
GST = TaxRule("gst", Fraction(9, 100), None, PAYABLE, 2001)


def charge(rule_id: str, amount: int) -> Charge:
    return Charge(rule_id, EventKind.TRANSFER_OUT, amount, INCOME, 1001)


def test_gst_golden() -> None:
    taxes = taxes_on(
        [
            charge("a", 309),  # 9% of 309 = 27.81 -> 28
            charge("b", 50),  # 9% of 50 = 4.5 -> 4 (half to even)
            charge("c", 150),  # 9% of 150 = 13.5 -> 14 (half to even)
            charge("d", 1_000),  # 9% of 1 000 = 90
            charge("waived", 0),  # a waived fee bears no tax
        ],
        [GST],
    )
    assert [(t.fee_rule_id, t.amount) for t in taxes] == [
        ("a", 28),
        ("b", 4),
        ("c", 14),
        ("d", 90),
    ]
    assert {t.payable_account for t in taxes} == {PAYABLE}


def test_applies_to_limits_the_fees_taxed() -> None:
    only_fx = TaxRule("stamp", Fraction(1, 100), frozenset({"fx"}), PAYABLE, 2002)
    taxes = taxes_on([charge("fx", 1_000), charge("atm", 1_000)], [GST, only_fx])
    assert [(t.rule_id, t.fee_rule_id, t.amount) for t in taxes] == [
        ("gst", "fx", 90),
        ("stamp", "fx", 10),
        ("gst", "atm", 90),
    ]


@given(st.integers(0, 10**12), st.integers(0, 10_000))
def test_tax_is_never_negative_and_within_half_a_unit(fee: int, basis_points: int) -> None:
    rule = TaxRule("t", Fraction(basis_points, 10_000), None, PAYABLE, 2001)
    taxes = taxes_on([charge("f", fee)], [rule])
    exact = rule.rate * fee
    total = sum(t.amount for t in taxes)
    assert total >= 0
    assert abs(total - exact) <= Fraction(1, 2)
