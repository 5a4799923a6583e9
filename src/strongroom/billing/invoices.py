"""Invoices computed: the lines of a subject's period (usage priced by each plan in force, the
recurring charges by days), the adjustments for usage that arrived after its period was billed,
discounts and taxes, and the totals. Pure: the caller reads the usage and the plans.

A usage line aggregates the usage of a stretch of the period (the period, or the part of it a
plan was in force) by its charge's rule group, and prices the result with its tier; when a plan
covers only part of the period, the tier's free allowance and minimum are that part's share of
them, as a recurring charge is. An **adjustment** re-prices a period billed before with all the
usage now known for it, less what its lines already charged, for each line: late usage (or a
`latest` aggregation that moved) is billed on the next invoice, never by changing an old one.
A line's discount (the plan's percent) and its taxes (the plan's tax rules, products.taxes) are
computed on the line and rounded once each (half to even), so lines, discounts and taxes add up
exactly to the totals.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import msgspec

from strongroom.billing.aggregation import Aggregator, RuleGroup
from strongroom.billing.periods import Period, Stretch
from strongroom.billing.pricing import Tier, price, share_of
from strongroom.billing.types import UsageEvent
from strongroom.products.rounding import round_minor
from strongroom.products.taxes import TaxRule, taxes_on

_NAMESPACE = uuid.UUID("7d3a9e61-0c5b-4f2e-8a47-b1c6e9d20f58")


def invoice_id(tenant: str, subject: str, period: Period) -> uuid.UUID:
    """One invoice per tenant, subject and period: the idempotency key of a billing run."""
    return uuid.uuid5(_NAMESPACE, f"{tenant}/{subject}/{period.start.isoformat()}")


@dataclass(frozen=True, slots=True)
class PlanCharge:
    id: str
    description: str
    group: RuleGroup
    tier: Tier


@dataclass(frozen=True, slots=True)
class Recurring:
    id: str
    description: str
    amount: int


@dataclass(frozen=True, slots=True)
class Plan:
    """A version of a cost configuration with what it refers to resolved."""

    ref: str
    currency: str
    charges: tuple[PlanCharge, ...]
    recurring: tuple[Recurring, ...]
    discount: Fraction
    taxes: tuple[TaxRule, ...]
    revenue_account: uuid.UUID
    code: int


class Line(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    #: usage, recurring or adjustment.
    kind: str
    description: str
    #: The period the line bills (its start date), and the stretch of it the line covers.
    period: str
    start: str
    end: str
    plan: str
    quantity: int | None = None
    amount: int
    discount: int = 0
    breakdown: list[dict[str, Any]] = msgspec.field(default_factory=list)

    @property
    def net(self) -> int:
        return self.amount - self.discount

    @property
    def key(self) -> tuple[str, str, str]:
        """What adjustments compare: the same charge over the same stretch of a period."""
        return (self.period, self.id, self.start)


class TaxLine(msgspec.Struct, frozen=True):
    """An amount owed to a ledger account with a transfer code: a tax on a line (`id` the tax
    rule's, `line` the line's), or revenue (`id` "revenue")."""

    id: str
    line: str
    amount: int
    account: uuid.UUID
    code: int


class Computed(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    lines: list[Line]
    taxes: list[TaxLine]
    subtotal: int
    discount: int
    tax: int
    total: int
    #: The nets of the lines, by the revenue account and transfer code of their plans.
    revenue: list[TaxLine]


def _line(
    period: Period,
    stretch: Stretch[Plan],
    kind: str,
    line_id: str,
    description: str,
    amount: int,
    quantity: int | None = None,
    breakdown: list[dict[str, Any]] | None = None,
) -> Line:
    return Line(
        id=line_id,
        kind=kind,
        description=description,
        period=period.start.isoformat(),
        start=stretch.start.isoformat(),
        end=stretch.end.isoformat(),
        plan=stretch.plan.ref,
        quantity=quantity,
        amount=amount,
        discount=round_minor(stretch.plan.discount * amount),
        breakdown=breakdown or [],
    )


def bill(
    period: Period, stretches: Sequence[Stretch[Plan]], usage: Iterable[UsageEvent]
) -> list[Line]:
    """The lines of `period`: each stretch's charges on its usage, and its recurring charges."""
    events = sorted(usage, key=lambda e: e.at)
    lines = []
    for stretch in stretches:
        inside = [e for e in events if stretch.start_ns <= e.at < stretch.end_ns]
        for charge in stretch.plan.charges:
            aggregator = Aggregator(charge.group)
            for event in inside:
                aggregator.add(event)
            tier = charge.tier if stretch.share == 1 else share_of(charge.tier, stretch.share)
            # Corrections can take a sum below zero: no usage is billed as none.
            quantity = max(aggregator.value, 0)
            priced = price(tier, quantity)
            lines.append(
                _line(
                    period,
                    stretch,
                    "usage",
                    charge.id,
                    charge.description,
                    priced.amount,
                    quantity,
                    [msgspec.to_builtins(b) for b in priced.breakdown],
                )
            )
        for recurring in stretch.plan.recurring:
            amount = round_minor(recurring.amount * stretch.share)
            lines.append(
                _line(period, stretch, "recurring", recurring.id, recurring.description, amount)
            )
    return lines


def adjustments(
    period: Period,
    stretches: Sequence[Stretch[Plan]],
    usage: Iterable[UsageEvent],
    charged: Mapping[tuple[str, str, str], int],
) -> list[Line]:
    """What `period` owes now beyond what its lines charged (`charged`, by line key)."""
    out = []
    for line in bill(period, stretches, usage):
        delta = line.amount - charged.get(line.key, 0)
        if delta:
            stretch = next(s for s in stretches if s.start.isoformat() == line.start)
            out.append(
                _line(
                    period,
                    stretch,
                    "adjustment",
                    line.id,
                    f"{line.description}: adjustment for {period.start.isoformat()}",
                    delta,
                    line.quantity,
                )
            )
    return out


def charged_by_line(bodies: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], int]:
    """What invoices' lines charged, by line key: usage, recurring and adjustments alike."""
    charged: dict[tuple[str, str, str], int] = defaultdict(int)
    for body in bodies:
        for raw in body["lines"]:
            line = msgspec.convert(raw, Line)
            charged[line.key] += line.amount
    return charged


def compute(currency: str, lines: Sequence[Line], plans: Mapping[str, Plan]) -> Computed:
    """The totals of `lines` (priced under `plans`, by ref): discounts, taxes, revenue."""
    taxes: list[TaxLine] = []
    revenue: dict[tuple[uuid.UUID, int], int] = defaultdict(int)
    for line in lines:
        plan = plans[line.plan]
        revenue[(plan.revenue_account, plan.code)] += line.net
        sign = -1 if line.net < 0 else 1
        owed = taxes_on([_Taxable(line.id, abs(line.net))], plan.taxes)
        taxes.extend(
            TaxLine(t.rule_id, line.id, sign * t.amount, t.payable_account, t.code) for t in owed
        )
    subtotal = sum(line.amount for line in lines)
    discount = sum(line.discount for line in lines)
    tax = sum(t.amount for t in taxes)
    return Computed(
        currency=currency,
        lines=list(lines),
        taxes=taxes,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=subtotal - discount + tax,
        revenue=[
            TaxLine("revenue", "", amount, account, code)
            for (account, code), amount in sorted(revenue.items())
        ],
    )


@dataclass(frozen=True, slots=True)
class _Taxable:
    rule_id: str
    amount: int
