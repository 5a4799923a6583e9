"""Limits: per transaction, per day and per month, by amount or by count, with overrides.

Owns: `LimitPeriod`, `LimitMeasure`, `LimitRule`, `LimitDecision` and `check_limit`, a pure
function of a rule, an event, the account's usage and an optional per-customer override.
A decision names the limit and the headroom that remained before the event.
Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from strongroom.products.events import Event, EventKind, Tally, Usage


class LimitPeriod(enum.StrEnum):
    TRANSACTION = "transaction"
    DAY = "day"
    MONTH = "month"


class LimitMeasure(enum.StrEnum):
    #: Sum of event amounts, in minor units.
    AMOUNT = "amount"
    #: Number of events.
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class LimitRule:
    id: str
    #: The events this limit counts; their usage is summed (e.g. card + ATM withdrawals).
    events: frozenset[EventKind]
    period: LimitPeriod
    measure: LimitMeasure
    maximum: int


@dataclass(frozen=True, slots=True)
class LimitDecision:
    """Whether `limit_id` allows the event: `used` + `requested` must not exceed `maximum`.

    `headroom` is what remained before the event (maximum - used, never below 0); `overridden`
    says the maximum came from a per-customer override rather than the product.
    """

    limit_id: str
    allowed: bool
    maximum: int
    used: int
    requested: int
    headroom: int
    overridden: bool = False


def _used(rule: LimitRule, usage: Usage) -> int:
    if rule.period is LimitPeriod.TRANSACTION:
        return 0
    total = 0
    for kind in rule.events:
        tally: Tally = (
            usage.today(kind) if rule.period is LimitPeriod.DAY else usage.this_month(kind)
        )
        total += tally.amount if rule.measure is LimitMeasure.AMOUNT else tally.count
    return total


def check_limit(
    rule: LimitRule, event: Event, usage: Usage, override: int | None = None
) -> LimitDecision:
    """Decide `rule` for `event`; `usage` must already be as seen on the event's day."""
    maximum = rule.maximum if override is None else override
    used = _used(rule, usage)
    requested = event.amount if rule.measure is LimitMeasure.AMOUNT else 1
    headroom = max(maximum - used, 0)
    return LimitDecision(
        rule.id,
        used + requested <= maximum,
        maximum,
        used,
        requested,
        headroom,
        override is not None,
    )
