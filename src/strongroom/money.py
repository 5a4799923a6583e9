"""Money helpers: currencies and their ISO 4217 exponents, amounts as integer minor units.

A ledger in Strongroom is named by its ISO 4217 alphabetic code ("USD", "JPY"). Amounts are
always `int` counts of the currency's minor unit; this module converts for display only.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import iso4217

from strongroom.errors import ValidationError

#: Counters and amounts are stored as signed 64-bit integers (SQL BIGINT).
AMOUNT_MAX = 2**63 - 1


@cache
def exponent(currency: str) -> int:
    """The number of minor-unit digits of `currency` (USD 2, JPY 0, BHD 3).

    Raises ValidationError for codes that are not active ISO 4217 currencies. Codes without a
    minor unit in ISO 4217 (XAU, XDR, ...) have exponent 0 here: they can be held, never split.
    """
    if not is_currency(currency):
        raise ValidationError("ledger", f"unknown ISO 4217 currency code {currency!r}")
    value = iso4217.Currency(currency).exponent
    return int(value) if value is not None else 0


@cache
def is_currency(code: object) -> bool:
    if not isinstance(code, str) or len(code) != 3 or not code.isupper():
        return False
    try:
        iso4217.Currency(code)
    except ValueError:
        return False
    return True


def to_decimal(amount: int, currency: str) -> Decimal:
    """Minor units as a Decimal in major units, for display: 12345 USD -> Decimal('123.45')."""
    return Decimal(amount).scaleb(-exponent(currency))


def format_amount(amount: int, currency: str) -> str:
    digits = exponent(currency)
    return f"{to_decimal(amount, currency):,.{digits}f} {currency}"
