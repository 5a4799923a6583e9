"""Taxes on fees (e.g. a 9% goods-and-services tax), payable to a tax-payable account.

Owns: `TaxRule`, `TaxCharge` and `taxes_on`. Each tax is computed on each fee separately and
rounded half to even (so a fee and its tax can be posted, refunded and reported together).
Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from strongroom.products.rounding import round_minor


@dataclass(frozen=True, slots=True)
class TaxRule:
    id: str
    rate: Fraction
    #: Fee rule ids this tax applies to; None: every fee.
    applies_to: frozenset[str] | None
    payable_account: uuid.UUID
    code: int


@dataclass(frozen=True, slots=True)
class TaxCharge:
    """Tax `rule_id` owed by the customer on the fee of `fee_rule_id`."""

    rule_id: str
    fee_rule_id: str
    amount: int
    payable_account: uuid.UUID
    code: int


class Taxable(Protocol):
    """What a tax is computed on: a fee (a Charge), or a line of a billing invoice."""

    @property
    def rule_id(self) -> str: ...

    @property
    def amount(self) -> int: ...


def taxes_on(charges: Sequence[Taxable], rules: Sequence[TaxRule]) -> tuple[TaxCharge, ...]:
    """Every tax owed on `charges`; waived (zero) fees and zero taxes produce nothing."""
    out: list[TaxCharge] = []
    for charge in charges:
        if charge.amount <= 0:
            continue
        for rule in rules:
            if rule.applies_to is not None and charge.rule_id not in rule.applies_to:
                continue
            amount = round_minor(rule.rate * charge.amount)
            if amount > 0:
                out.append(
                    TaxCharge(rule.id, charge.rule_id, amount, rule.payable_account, rule.code)
                )
    return tuple(out)
