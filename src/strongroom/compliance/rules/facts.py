"""What a decision is made over: the payment, its customer and account, as the caller knows them.

The rule engine reads these as flat facts (`payment.amount`, `customer.risk_rating`, ...); the
catalogue below is the whole vocabulary a rule may name, with each fact's type, so a rule set
that names an unknown fact or compares a text with a number is refused when it is published.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import msgspec

NS_PER_DAY = 86_400 * 10**9


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class Counterparty(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None = None
    #: ISO 3166-1 alpha-2.
    country: str | None = None
    #: An account number, IBAN or ledger account id: whatever the channel identifies it by.
    account: str | None = None
    birth_date: date | None = None


class CustomerFacts(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    risk_rating: str | None = None
    kyc_status: str | None = None
    #: When the relationship began; `customer.relationship_days` counts from it.
    since: date | None = None


class AccountFacts(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    product: str | None = None
    opened: date | None = None


class Payment(msgspec.Struct, frozen=True, kw_only=True):
    """A payment about to reserve funds. `subject` is the caller's reference for it (a payment
    id, an intent id): one decision per subject, so a retried screening returns the first."""

    subject: str
    #: Minor units of `currency`.
    amount: int
    currency: str
    direction: Direction = Direction.OUT
    channel: str = "api"
    counterparty: Counterparty = Counterparty()
    beneficiary: str | None = None
    customer: CustomerFacts | None = None
    account: AccountFacts | None = None
    #: Nanoseconds since the epoch; the decision's clock when not given. Velocity windows and
    #: ages are measured at this time, which is what makes a backtest replay exact.
    at: int | None = None


class FactType(enum.Enum):
    INT = "integer"
    NUMBER = "number"
    TEXT = "text"


#: Every fact a rule may name (velocity facts are added per window: `velocity.<id>.count|sum`).
CATALOGUE: dict[str, FactType] = {
    "payment.amount": FactType.INT,
    "payment.currency": FactType.TEXT,
    "payment.direction": FactType.TEXT,
    "payment.channel": FactType.TEXT,
    "payment.beneficiary": FactType.TEXT,
    "counterparty.name": FactType.TEXT,
    "counterparty.country": FactType.TEXT,
    "counterparty.account": FactType.TEXT,
    "customer.id": FactType.TEXT,
    "customer.risk_rating": FactType.TEXT,
    "customer.kyc_status": FactType.TEXT,
    "customer.relationship_days": FactType.INT,
    "account.id": FactType.TEXT,
    "account.product": FactType.TEXT,
    "account.age_days": FactType.INT,
    "screening.score": FactType.NUMBER,
    "screening.hits": FactType.INT,
}


def _days_between(start: date | None, at_ns: int) -> int | None:
    if start is None:
        return None
    return at_ns // NS_PER_DAY - (start - date(1970, 1, 1)).days


def payment_facts(payment: Payment, at_ns: int) -> dict[str, Any]:
    """The payment's facts (no velocity, no screening: the engine adds those)."""
    customer, account, party = payment.customer, payment.account, payment.counterparty
    return {
        "payment.amount": payment.amount,
        "payment.currency": payment.currency,
        "payment.direction": payment.direction.value,
        "payment.channel": payment.channel,
        "payment.beneficiary": payment.beneficiary,
        "counterparty.name": party.name,
        "counterparty.country": party.country,
        "counterparty.account": party.account,
        "customer.id": customer.id if customer else None,
        "customer.risk_rating": customer.risk_rating if customer else None,
        "customer.kyc_status": customer.kyc_status if customer else None,
        "customer.relationship_days": _days_between(customer.since, at_ns) if customer else None,
        "account.id": account.id if account else None,
        "account.product": account.product if account else None,
        "account.age_days": _days_between(account.opened, at_ns) if account else None,
    }
