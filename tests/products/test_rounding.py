from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from strongroom.errors import ValidationError
from strongroom.products.rounding import percent, round_minor, to_minor


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 2), 0),  # a tie goes to the even neighbour: 0
        (Fraction(3, 2), 2),  # 1.5 -> 2 (even)
        (Fraction(5, 2), 2),  # 2.5 -> 2 (even)
        (Fraction(-1, 2), 0),  # -0.5 -> 0
        (Fraction(2781, 100), 28),  # 27.81 -> 28
        (Fraction(30864, 100), 309),  # 308.64 -> 309
        (Fraction(-15, 73), 0),
    ],
)
def test_round_half_even(value: Fraction, expected: int) -> None:
    assert round_minor(value) == expected


def test_percent_is_exact() -> None:
    assert percent(Decimal("2.5")) == Fraction(1, 40)
    assert percent(Decimal("0.1")) == Fraction(1, 1000)  # a float would not be exact


def test_to_minor_uses_the_currency_exponent() -> None:
    assert to_minor(Decimal("12.34"), "SGD", "amount") == 1234
    assert to_minor(Decimal(500), "JPY", "amount") == 500
    assert to_minor(Decimal("1.234"), "BHD", "amount") == 1234
    with pytest.raises(ValidationError, match="more decimal places"):
        to_minor(Decimal("0.505"), "SGD", "amount")
    with pytest.raises(ValidationError, match="more decimal places"):
        to_minor(Decimal("1.5"), "JPY", "amount")
