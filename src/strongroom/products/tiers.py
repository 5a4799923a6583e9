"""Banded pricing shared by tiered fees and tiered interest: bands of amount, each with a rate.

Owns: `Band`, `TierMethod` and `Tiers.apply` (the exact, unrounded price of an amount).
Bands are validated contiguous from zero by definitions.py; this module assumes it.
Must not import anything from strongroom.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction


class TierMethod(enum.StrEnum):
    #: The whole amount is priced by the one band it falls in.
    VOLUME = "volume"
    #: Each slice of the amount is priced by the band it falls in (like income tax brackets).
    GRADUATED = "graduated"


@dataclass(frozen=True, slots=True)
class Band:
    """Amounts from `lower` (inclusive) to `upper` (exclusive; None: no upper bound).

    `flat` (minor units) is charged once when the band applies; `rate` is a ratio of the amount
    (of the whole amount under VOLUME, of the band's slice under GRADUATED).
    """

    lower: int
    upper: int | None
    flat: int
    rate: Fraction

    def contains(self, amount: int) -> bool:
        return self.lower <= amount and (self.upper is None or amount < self.upper)


@dataclass(frozen=True, slots=True)
class Tiers:
    method: TierMethod
    bands: tuple[Band, ...]

    def apply(self, amount: int) -> Fraction:
        """The exact price of `amount` (>= 0) in minor units, before rounding."""
        if self.method is TierMethod.VOLUME:
            for band in self.bands:
                if band.contains(amount):
                    return band.flat + band.rate * amount
            return Fraction(0)
        total = Fraction(0)
        for band in self.bands:
            if amount <= band.lower:
                break
            top = amount if band.upper is None else min(amount, band.upper)
            total += band.flat + band.rate * (top - band.lower)
        return total
