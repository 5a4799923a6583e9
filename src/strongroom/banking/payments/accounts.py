"""What the steps of every kind of payment share: the checks of the bank's accounts they touch,
the facts about them that compliance rules read, and the pricing by the account's product.
Refusals are `StepFailed`, in words a person reads."""

from __future__ import annotations

import uuid

from strongroom.banking.payments.lookups import Lookups
from strongroom.banking.types import AccountStatus, BankAccount, Customer, Directory
from strongroom.compliance.rules.facts import AccountFacts, CustomerFacts
from strongroom.days import day_of
from strongroom.errors import NotFound
from strongroom.money import format_amount
from strongroom.products.events import Event, Usage
from strongroom.products.limits import LimitMeasure
from strongroom.products.quote import Quote, quote
from strongroom.workflows.definitions import StepFailed


async def open_account(
    directory: Directory, tenant: str, account_id: uuid.UUID, side: str, currency: str
) -> BankAccount:
    """The tenant's account `account_id`, open and in `currency`; `side` names it in refusals."""
    try:
        found = await directory.account(tenant, account_id)
    except NotFound:
        raise StepFailed(f"{side} account {account_id} not found") from None
    if found.status is not AccountStatus.OPEN:
        raise StepFailed(f"{side} account {account_id} is {found.status.value}")
    if found.currency != currency:
        raise StepFailed(f"{side} account {account_id} is in {found.currency}, not {currency}")
    return found


def customer_facts(customer: Customer) -> CustomerFacts:
    return CustomerFacts(
        id=str(customer.id),
        risk_rating=customer.risk_rating.value,
        kyc_status=customer.kyc_status.value,
        since=day_of(customer.created_at),
    )


def account_facts(account: BankAccount) -> AccountFacts:
    return AccountFacts(
        id=str(account.id), product=account.product, opened=day_of(account.opened_at)
    )


async def priced(
    lookups: Lookups, account_id: uuid.UUID, event: Event, usage: Usage | None
) -> Quote:
    """The quote of the product `account_id` is pinned to for `event`; a limit it refuses fails
    the step, naming the limit and what was left of it."""
    definition, assignment = await lookups.product(account_id)
    if definition.currency != event.currency:
        raise StepFailed(
            f"account {account_id}'s product {definition.product} is in {definition.currency}, "
            f"not {event.currency}"
        )
    found = quote(definition, event, usage, assignment.limit_overrides)
    refusal = found.refusal
    if refusal is not None:
        (rule,) = (r for r in definition.limits if r.id == refusal.limit_id)

        def shown(value: int) -> str:
            if rule.measure is LimitMeasure.AMOUNT:
                return format_amount(value, event.currency)
            return f"{value} payment(s)"

        raise StepFailed(
            f"limit {refusal.limit_id} ({rule.period.value}): {shown(refusal.requested)} asked, "
            f"{shown(refusal.headroom)} of {shown(refusal.maximum)} left"
        )
    return found
