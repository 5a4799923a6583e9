"""`quote`: what an event costs and whether the product's limits allow it. Pure and deterministic.

Owns: `Quote` and `quote(product, event, usage, overrides)`. No I/O, no clock, no randomness: the
same inputs always give the same Quote, so a quote can be shown to a customer, then posted.
Budget: p99 under 1 ms for a 20-rule product (`strongroom products bench`, docs/performance.md).
Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from strongroom.errors import ValidationError
from strongroom.products.definitions import ProductDefinition
from strongroom.products.events import Event, Usage
from strongroom.products.fees import Charge, evaluate_fee
from strongroom.products.limits import LimitDecision, check_limit
from strongroom.products.taxes import TaxCharge, taxes_on

_NO_USAGE = Usage()


@dataclass(frozen=True, slots=True)
class Quote:
    """Charges (one per matching fee rule, waived ones at 0), taxes on them, limit decisions."""

    product: str
    version: int
    event: Event
    charges: tuple[Charge, ...]
    taxes: tuple[TaxCharge, ...]
    limits: tuple[LimitDecision, ...]

    @property
    def allowed(self) -> bool:
        return all(d.allowed for d in self.limits)

    @property
    def refusal(self) -> LimitDecision | None:
        """The first limit that refuses the event, if any."""
        for d in self.limits:
            if not d.allowed:
                return d
        return None

    @property
    def total_fees(self) -> int:
        return sum(c.amount for c in self.charges)

    @property
    def total_taxes(self) -> int:
        return sum(t.amount for t in self.taxes)

    @property
    def total_charged(self) -> int:
        return self.total_fees + self.total_taxes


def quote(
    product: ProductDefinition,
    event: Event,
    usage: Usage | None = None,
    overrides: Mapping[str, int] | None = None,
) -> Quote:
    """Price `event` under `product`.

    `usage` is the account's posted activity earlier on the event's day and month (stale usage is
    reset by `Usage.on`); `overrides` maps limit ids to per-customer maxima (versions.Assignment).
    """
    if event.currency != product.currency:
        raise ValidationError(
            "currency", f"event in {event.currency} for a {product.currency} product"
        )
    seen = (usage or _NO_USAGE).on(event.on)
    charges = tuple(evaluate_fee(rule, event, seen) for rule in product.fees_by_event[event.kind])
    taxes = taxes_on(charges, product.taxes) if product.taxes else ()
    over = overrides or {}
    limits = tuple(
        check_limit(rule, event, seen, over.get(rule.id))
        for rule in product.limits_by_event[event.kind]
    )
    return Quote(product.product, product.version, event, charges, taxes, limits)
