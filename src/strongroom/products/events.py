"""What happens to an account that a product prices: event kinds, events, and usage so far.

Owns: `EventKind`, `Event` (one priced occurrence) and `Usage` (the account's counts and amounts
earlier in the same business day and month, supplied by the caller so that `quote` stays pure).
Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from strongroom.errors import ValidationError


class EventKind(enum.StrEnum):
    TRANSFER_OUT = "transfer_out"
    INCOMING_PAYMENT = "incoming_payment"
    FX_CONVERSION = "fx_conversion"
    CARD_WITHDRAWAL = "card_withdrawal"
    ATM_WITHDRAWAL = "atm_withdrawal"
    MONTHLY_MAINTENANCE = "monthly_maintenance"
    DORMANCY = "dormancy"
    OVERDRAFT_USAGE = "overdraft_usage"


#: Events that take money out of the customer's account (the rest bring it in or move none).
OUTFLOWS = frozenset(
    {
        EventKind.TRANSFER_OUT,
        EventKind.FX_CONVERSION,
        EventKind.CARD_WITHDRAWAL,
        EventKind.ATM_WITHDRAWAL,
    }
)
#: Events the platform raises itself (a calendar or a balance), never a customer's movement.
SYSTEM_EVENTS = frozenset(
    {EventKind.MONTHLY_MAINTENANCE, EventKind.DORMANCY, EventKind.OVERDRAFT_USAGE}
)


@dataclass(frozen=True, slots=True)
class Event:
    """One occurrence to price: `amount` in minor units of `currency` (0 for calendar events).

    `balance` is the account's balance before the event, used by balance-based waivers.
    """

    kind: EventKind
    amount: int
    currency: str
    on: date
    balance: int = 0

    def __post_init__(self) -> None:
        if type(self.amount) is not int or self.amount < 0:
            raise ValidationError("amount", f"must be a non-negative integer, got {self.amount!r}")
        if type(self.balance) is not int:
            raise ValidationError("balance", f"must be an integer, got {self.balance!r}")


@dataclass(frozen=True, slots=True)
class Tally:
    """How many events of one kind, and how much they moved, in one period."""

    count: int = 0
    amount: int = 0


_EMPTY: Mapping[EventKind, Tally] = MappingProxyType({})
_ZERO = Tally()


@dataclass(frozen=True, slots=True)
class Usage:
    """An account's activity earlier on business day `day` and in its month, per event kind.

    Only successful (posted) events belong here. `on(d)` gives the usage as seen on day `d`:
    the day's tallies are dropped when `d` is another day, the month's when another month, so a
    stale record can never eat into a new period's limits.
    """

    day: date | None = None
    daily: Mapping[EventKind, Tally] = field(default_factory=lambda: _EMPTY)
    monthly: Mapping[EventKind, Tally] = field(default_factory=lambda: _EMPTY)

    def on(self, d: date) -> Usage:
        if self.day == d:
            return self
        if self.day is not None and (self.day.year, self.day.month) == (d.year, d.month):
            return Usage(d, _EMPTY, self.monthly)
        return Usage(d)

    def today(self, kind: EventKind) -> Tally:
        return self.daily.get(kind, _ZERO)

    def this_month(self, kind: EventKind) -> Tally:
        return self.monthly.get(kind, _ZERO)

    def record(self, event: Event) -> Usage:
        """The usage after `event` has been posted."""
        current = self.on(event.on)
        daily = dict(current.daily)
        monthly = dict(current.monthly)
        for tallies in (daily, monthly):
            before = tallies.get(event.kind, _ZERO)
            tallies[event.kind] = Tally(before.count + 1, before.amount + event.amount)
        return Usage(event.on, MappingProxyType(daily), MappingProxyType(monthly))
