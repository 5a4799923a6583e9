"""What-if simulation: replay a stream of account activity under a product version, in memory.

Owns: `Activity`, `load_activity` (a YAML/JSON activity file, with line-numbered errors),
`simulate` (day by day: calendar charges, the day's movements with their quotes, end-of-day
accrual and month-end capitalisation) and `compare` (two versions over the same history, per
account). Pure: the same functions as the live path (quote, accrue_day), no ledger, no clock.
Must not import a database, the ledger, api/ or cli/.

Simplifications, on purpose (docs/products.md): a movement refused by a limit is counted and
skipped; no overdraft limit is enforced (the simulation prices behaviour, it does not police
it); monthly maintenance and dormancy are charged at the start of the 1st of each month for
accounts opened before that day; each account opens on its first activity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from strongroom.errors import ValidationError
from strongroom.products.definitions import ProductDefinition
from strongroom.products.errors import ProductDefinitionError
from strongroom.products.events import OUTFLOWS, SYSTEM_EVENTS, Event, EventKind, Usage
from strongroom.products.interest import AccrualState, accrue_day
from strongroom.products.quote import Quote, quote
from strongroom.products.rounding import to_minor
from strongroom.products.source import Document, issues_from_pydantic, read_document, read_file


class _ActivitySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    on: date = Field(alias="date")
    account: Annotated[str, Field(min_length=1, max_length=64)]
    event: EventKind
    amount: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class _ActivityFileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: str
    activity: list[_ActivitySpec]


@dataclass(frozen=True, slots=True)
class Activity:
    on: date
    account: str
    kind: EventKind
    amount: int


@dataclass(frozen=True, slots=True)
class ActivityStream:
    currency: str
    activities: tuple[Activity, ...]


def _activities(doc: Document) -> ActivityStream:
    try:
        spec = _ActivityFileSpec.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        raise ProductDefinitionError(issues_from_pydantic(doc, exc)) from None
    issues = []
    out = []
    for i, a in enumerate(spec.activity):
        if a.event in SYSTEM_EVENTS:
            issues.append(doc.issue(("activity", i, "event"), f"{a.event} is raised by the bank"))
            continue
        try:
            amount = to_minor(a.amount, spec.currency, "amount")
        except ValidationError as exc:
            issues.append(doc.issue(("activity", i, "amount"), exc.reason))
            continue
        out.append(Activity(a.on, a.account, a.event, amount))
    if issues:
        raise ProductDefinitionError(issues)
    return ActivityStream(spec.currency, tuple(out))


def load_activity(path: str | Path) -> ActivityStream:
    return _activities(read_file(path))


def parse_activity(text: str, file: str = "<string>") -> ActivityStream:
    return _activities(read_document(text, file))


@dataclass(slots=True)
class AccountResult:
    """One account's outcome over the simulated period (amounts in minor units)."""

    account: str
    fees: int = 0
    taxes: int = 0
    #: Interest accrued (rounded daily postings), paid to / charged to the customer.
    interest_credit: int = 0
    interest_overdraft: int = 0
    #: Of which capitalised into the balance at month ends.
    capitalised_credit: int = 0
    capitalised_overdraft: int = 0
    #: Sum of the movements allowed in and out (before charges).
    paid_in: int = 0
    paid_out: int = 0
    movements: int = 0
    refused: int = 0
    balance: int = 0
    fees_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def net_cost(self) -> int:
        """What the product cost the customer: charges and overdraft interest less yield."""
        return self.fees + self.taxes + self.interest_overdraft - self.interest_credit


@dataclass(slots=True)
class SimulationReport:
    product: str
    version: int
    currency: str
    start: date
    end: date
    accounts: dict[str, AccountResult]

    def total(self, name: str) -> int:
        return sum(getattr(a, name) for a in self.accounts.values())


@dataclass(slots=True)
class _Account:
    result: AccountResult
    opened: date
    usage: Usage = field(default_factory=Usage)
    accrual: AccrualState = field(default_factory=AccrualState)
    last_activity: date | None = None


def _charge(acct: _Account, q: Quote) -> None:
    for c in q.charges:
        if c.amount:
            acct.result.fees_by_rule[c.rule_id] = acct.result.fees_by_rule.get(c.rule_id, 0) + (
                c.amount
            )
    acct.result.fees += q.total_fees
    acct.result.taxes += q.total_taxes
    acct.result.balance -= q.total_charged


def simulate(
    product: ProductDefinition,
    activities: Iterable[Activity],
    start: date,
    end: date,
    overrides: dict[str, dict[str, int]] | None = None,
) -> SimulationReport:
    """Replay `activities` from `start` to `end` (both included) under `product`."""
    if end < start:
        raise ValidationError("to", f"{end} is before {start}")
    by_day: dict[date, list[Activity]] = defaultdict(list)
    for a in activities:
        if start <= a.on <= end:
            by_day[a.on].append(a)
    accounts: dict[str, _Account] = {}
    cur = product.currency
    calendar_kinds = [
        k for k in (EventKind.MONTHLY_MAINTENANCE, EventKind.DORMANCY) if product.fees_by_event[k]
    ]
    day = start
    while day <= end:
        if day.day == 1 and calendar_kinds:
            for acct in accounts.values():
                for kind in calendar_kinds:
                    if kind is EventKind.DORMANCY and not _dormant(product, acct, day):
                        continue
                    event = Event(kind, 0, cur, day, acct.result.balance)
                    _charge(acct, quote(product, event, acct.usage))
                    acct.usage = acct.usage.record(event)
        for a in by_day.get(day, ()):
            found = accounts.get(a.account)
            if found is None:
                found = accounts[a.account] = _Account(AccountResult(a.account), day)
            acct = found
            before = acct.result.balance
            event = Event(a.kind, a.amount, cur, day, before)
            q = quote(product, event, acct.usage, (overrides or {}).get(a.account))
            if not q.allowed:
                acct.result.refused += 1
                continue
            acct.result.movements += 1
            if a.kind in OUTFLOWS:
                acct.result.paid_out += a.amount
                acct.result.balance -= a.amount
            else:
                acct.result.paid_in += a.amount
                acct.result.balance += a.amount
            _charge(acct, q)
            acct.usage = acct.usage.record(event)
            acct.last_activity = day
            if before >= 0 > acct.result.balance:
                usage_event = Event(EventKind.OVERDRAFT_USAGE, 0, cur, day, acct.result.balance)
                _charge(acct, quote(product, usage_event, acct.usage))
                acct.usage = acct.usage.record(usage_event)
        if product.interest is not None:
            for acct in accounts.values():
                step, acct.accrual = accrue_day(
                    product.interest, acct.accrual, acct.result.balance, day
                )
                r = acct.result
                r.interest_credit += step.credit
                r.interest_overdraft += step.overdraft
                r.capitalised_credit += step.capitalise_credit
                r.capitalised_overdraft += step.capitalise_overdraft
                r.balance += step.capitalise_credit - step.capitalise_overdraft
        day += timedelta(days=1)
    return SimulationReport(
        product.product,
        product.version,
        cur,
        start,
        end,
        {name: accounts[name].result for name in sorted(accounts)},
    )


def _dormant(product: ProductDefinition, acct: _Account, day: date) -> bool:
    if product.dormant_after_days is None:
        return False
    since = acct.last_activity or acct.opened
    return (day - since).days >= product.dormant_after_days


@dataclass(frozen=True, slots=True)
class AccountDifference:
    """Version B minus version A for one account; positive `net_cost` means B costs more."""

    account: str
    fees: int
    taxes: int
    interest_credit: int
    interest_overdraft: int
    net_cost: int


_EMPTY = AccountResult("")


def compare(a: SimulationReport, b: SimulationReport) -> list[AccountDifference]:
    if a.currency != b.currency:
        raise ValidationError("compare", f"{a.currency} and {b.currency} cannot be compared")
    names: Sequence[str] = sorted(set(a.accounts) | set(b.accounts))
    out = []
    for name in names:
        x = a.accounts.get(name, _EMPTY)
        y = b.accounts.get(name, _EMPTY)
        out.append(
            AccountDifference(
                name,
                y.fees - x.fees,
                y.taxes - x.taxes,
                y.interest_credit - x.interest_credit,
                y.interest_overdraft - x.interest_overdraft,
                y.net_cost - x.net_cost,
            )
        )
    return out
