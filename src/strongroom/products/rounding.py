"""The one rounding rule of the product factory, and exact conversions from file values.

Owns: `round_minor` (round half to even, to whole minor units), `percent` (a Decimal percent as
an exact Fraction) and `to_minor` (a Decimal amount in major units as exact minor units).
Every charge and accrual is computed exactly as a `fractions.Fraction` of minor units and rounded
here, once, so there is exactly one rule to document (docs/products.md). Never floats.
Must not import anything from strongroom but `errors` and `money`.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from strongroom.errors import ValidationError
from strongroom.money import exponent


def round_minor(value: Fraction) -> int:
    """Round an exact amount of minor units to a whole minor unit, half to even.

    Half to even ("banker's rounding") is unbiased over many charges: 0.5 -> 0, 1.5 -> 2,
    2.5 -> 2, -0.5 -> 0. `Fraction.__round__` implements exactly this rule.
    """
    return round(value)


def percent(value: Decimal) -> Fraction:
    """`Decimal('2.5')` percent as the exact ratio `Fraction(1, 40)`."""
    return Fraction(value) / 100


def to_minor(value: Decimal | int, currency: str, field: str) -> int:
    """An amount in major units (`Decimal('12.34')`) as minor units (1234), exactly.

    More decimal places than the currency has minor digits is an error, not a rounding.
    """
    scaled = Fraction(value) * 10 ** exponent(currency)
    if scaled.denominator != 1:
        raise ValidationError(
            field,
            f"{value} has more decimal places than {currency} allows ({exponent(currency)})",
        )
    return int(scaled)
