"""Fee rules and their evaluation: flat, percentage with caps, tiered by amount band, waivers.

Owns: `FeeKind`, `FeeRule`, `Charge` and `evaluate_fee`, a pure function of a rule, an event and
the account's usage. A fee is computed exactly, rounded once (rounding.round_minor), then held
within [minimum, maximum]; it is never negative. Must not import a database, the ledger, api/
or cli/.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from fractions import Fraction

from strongroom.ids import NIL
from strongroom.products.events import Event, EventKind, Usage
from strongroom.products.rounding import round_minor
from strongroom.products.tiers import Tiers


class FeeKind(enum.StrEnum):
    FLAT = "flat"
    PERCENTAGE = "percentage"
    TIERED = "tiered"


@dataclass(frozen=True, slots=True)
class FeeRule:
    id: str
    event: EventKind
    kind: FeeKind
    #: FLAT: the fee, in minor units.
    amount: int = 0
    #: PERCENTAGE: the ratio of the event amount charged.
    rate: Fraction = Fraction(0)
    #: TIERED: the bands.
    tiers: Tiers | None = None
    #: Bounds on the computed fee (minor units); maximum None means no cap.
    minimum: int = 0
    maximum: int | None = None
    #: The first `free_per_month` events of this kind in a calendar month are free.
    free_per_month: int = 0
    #: No fee when the balance before the event is at least this much.
    waive_when_balance_at_least: int | None = None
    #: Ledger account credited with the fee, and the transfer code used.
    income_account: uuid.UUID = NIL
    code: int = 1


@dataclass(frozen=True, slots=True)
class Charge:
    """A fee owed by the customer. `amount` is 0 when waived, and `waiver` then says why."""

    rule_id: str
    event: EventKind
    amount: int
    income_account: uuid.UUID
    code: int
    waiver: str | None = None


def fee_amount(rule: FeeRule, amount: int) -> int:
    """The fee for an event of `amount` minor units, ignoring waivers."""
    if rule.kind is FeeKind.FLAT:
        fee = rule.amount
    elif rule.kind is FeeKind.PERCENTAGE:
        fee = round_minor(rule.rate * amount)
    else:
        assert rule.tiers is not None
        fee = round_minor(rule.tiers.apply(amount))
    if fee < rule.minimum:
        fee = rule.minimum
    if rule.maximum is not None and fee > rule.maximum:
        fee = rule.maximum
    return max(fee, 0)


def evaluate_fee(rule: FeeRule, event: Event, usage: Usage) -> Charge:
    """The charge `rule` makes for `event`, given the usage earlier that day and month."""
    if rule.free_per_month:
        used = usage.this_month(event.kind).count
        if used < rule.free_per_month:
            return Charge(
                rule.id,
                event.kind,
                0,
                rule.income_account,
                rule.code,
                f"free_per_month: {used + 1} of {rule.free_per_month} free",
            )
    threshold = rule.waive_when_balance_at_least
    if threshold is not None and event.balance >= threshold:
        return Charge(
            rule.id,
            event.kind,
            0,
            rule.income_account,
            rule.code,
            f"waive_when_balance_at_least: balance {event.balance} >= {threshold}",
        )
    return Charge(
        rule.id, event.kind, fee_amount(rule, event.amount), rule.income_account, rule.code
    )
