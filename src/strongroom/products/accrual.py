"""The accrual job: daily interest accrual and monthly capitalisation, posted to the ledger.

Owns: `AccrualTarget`, `AccrualStore` (where each account's carried state lives between runs),
`accrual_transfers` (pure: one day's postings as one linked chain) and `AccrualJob` (driven by
a BusinessDateClock: accrues every closed day since the last run, on the account's balance as
read from the ledger).

Postings per day (accounts named by the product's `interest` section):
  credit interest    interest_expense    -> interest_payable     (accrual)
                     interest_payable    -> customer             (capitalisation, month end)
  overdraft interest interest_receivable -> interest_income      (accrual)
                     customer            -> interest_receivable  (capitalisation, month end)

Idempotent per account and date: a day's transfer ids are uuid5 of (account, date, leg), and
the carried state is saved only after the ledger accepted the day. Re-running a day therefore
posts nothing new: the store says the day is done, and even with a lost store the ledger
answers `exists` for the same ids; a month end posted just before a crash is taken out of the
balance the next run starts from (`_posted_unsaved`).
May import strongroom.ledger's public API; never api/ or cli/.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from strongroom.ledger import Account, CreateTransferResult, Transfer
from strongroom.products.businessdate import BusinessDateClock
from strongroom.products.definitions import ProductDefinition
from strongroom.products.interest import AccrualState, AccrualStep, InterestRule, accrue_day
from strongroom.products.posting import TransferSink, derived_id, link


class LedgerPort(TransferSink, Protocol):
    """The part of strongroom.ledger.Ledger the accrual job needs."""

    async def lookup_accounts(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Account]: ...

    async def lookup_transfers(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Transfer]: ...


@dataclass(frozen=True, slots=True)
class AccrualTarget:
    """A customer account earning (or paying) interest under `product`, from `opened_on`."""

    account_id: uuid.UUID
    product: ProductDefinition
    opened_on: date
    tenant: str = "default"


class AccrualStore(Protocol):
    async def load(self, account_id: uuid.UUID) -> AccrualState | None: ...

    async def save(self, account_id: uuid.UUID, state: AccrualState) -> None: ...


class InMemoryAccrualStore:
    """Keeps the carried states in a dict: for tests, simulations and single-process demos."""

    def __init__(self) -> None:
        self.states: dict[uuid.UUID, AccrualState] = {}

    async def load(self, account_id: uuid.UUID) -> AccrualState | None:
        return self.states.get(account_id)

    async def save(self, account_id: uuid.UUID, state: AccrualState) -> None:
        self.states[account_id] = state


#: The legs that move the customer's balance, and the sign of their effect on it.
_CUSTOMER_LEGS = (("capitalise-credit", 1), ("capitalise-overdraft", -1))


def leg_id(account_id: uuid.UUID, day: date, kind: str) -> uuid.UUID:
    """The transfer id of one leg of one account's day: the idempotency key of the posting."""
    return derived_id(account_id, "interest", day.isoformat(), kind)


def accrual_transfers(
    target: AccrualTarget, rule: InterestRule, step: AccrualStep
) -> list[Transfer]:
    """One day's postings for one account as a linked chain (empty when nothing is due)."""
    customer = target.account_id
    day = step.day.isoformat()
    legs = [
        (
            "accrue-credit",
            step.credit,
            rule.expense_account,
            rule.accrued_account,
            rule.accrual_code,
        ),
        (
            "capitalise-credit",
            step.capitalise_credit,
            rule.accrued_account,
            customer,
            rule.capitalisation_code,
        ),
        (
            "accrue-overdraft",
            step.overdraft,
            rule.receivable_account,
            rule.income_account,
            rule.overdraft_accrual_code,
        ),
        (
            "capitalise-overdraft",
            step.capitalise_overdraft,
            customer,
            rule.receivable_account,
            rule.overdraft_capitalisation_code,
        ),
    ]
    product = target.product
    transfers = [
        Transfer(
            id=leg_id(customer, step.day, kind),
            debit_account_id=debit,
            credit_account_id=credit,
            amount=amount,
            ledger=product.currency,
            code=code,
            metadata={
                "kind": kind,
                "account": str(customer),
                "date": day,
                "product": product.product,
                "version": product.version,
            },
            tenant=target.tenant,
        )
        for kind, amount, debit, credit, code in legs
        if amount > 0
    ]
    return link(transfers)


@dataclass(slots=True)
class AccountAccrual:
    """What one run did for one account."""

    account_id: uuid.UUID
    days: int = 0
    transfers_ok: int = 0
    transfers_existing: int = 0
    credit_accrued: int = 0
    overdraft_accrued: int = 0
    capitalised_credit: int = 0
    capitalised_overdraft: int = 0
    last_day: date | None = None
    #: The day that could not be posted and the ledger's code; later days were not attempted.
    failed_day: date | None = None
    failure: CreateTransferResult | None = None


@dataclass(slots=True)
class AccrualReport:
    accounts: list[AccountAccrual] = field(default_factory=list)

    @property
    def failures(self) -> list[AccountAccrual]:
        return [a for a in self.accounts if a.failure is not None]

    @property
    def transfers_ok(self) -> int:
        return sum(a.transfers_ok for a in self.accounts)

    @property
    def transfers_existing(self) -> int:
        return sum(a.transfers_existing for a in self.accounts)


def _balance(account: Account) -> int:
    return account.credits_posted - account.debits_posted


class AccrualJob:
    """Accrues every day before the business date that an account has not accrued yet.

    Run it once per business day after the day's close; a run after a pause catches up day by
    day, using the balance read at the start of the run (plus what it capitalises) for each
    missed day, since the ledger's current balance is the end-of-day balance of the last day.
    """

    def __init__(
        self, ledger: LedgerPort, store: AccrualStore, business_date: BusinessDateClock
    ) -> None:
        self._ledger = ledger
        self._store = store
        self._business_date = business_date

    async def run(self, targets: Sequence[AccrualTarget]) -> AccrualReport:
        today = self._business_date.today()
        report = AccrualReport()
        for target in targets:
            if target.product.interest is not None:
                report.accounts.append(await self._run_account(target, today))
        return report

    async def _posted_unsaved(self, target: AccrualTarget, day: date) -> int:
        """The effect on the balance of `day`'s capitalisation if the ledger already holds it.

        A run that stopped after the ledger accepted a day but before its state was saved
        (a crash) left that day's postings in the ledger: the balance read now includes them,
        though the day is accrued again on the balance before them. Only a month end moves the
        customer's balance, and only the first day of a run can be in that window.
        """
        if (day + timedelta(days=1)).day != 1:
            return 0
        ids = {leg_id(target.account_id, day, kind): sign for kind, sign in _CUSTOMER_LEGS}
        found = await self._ledger.lookup_transfers(list(ids), tenant=target.tenant)
        return sum(ids[t.id] * t.amount for t in found)

    async def _run_account(self, target: AccrualTarget, today: date) -> AccountAccrual:
        rule = target.product.interest
        assert rule is not None
        outcome = AccountAccrual(target.account_id)
        state = await self._store.load(target.account_id) or AccrualState()
        day = state.last_day + timedelta(days=1) if state.last_day else target.opened_on
        if day >= today:
            return outcome
        found = await self._ledger.lookup_accounts([target.account_id], tenant=target.tenant)
        if not found:
            outcome.failed_day, outcome.failure = day, CreateTransferResult.ACCOUNT_NOT_FOUND
            return outcome
        balance = _balance(found[0]) - await self._posted_unsaved(target, day)
        while day < today:
            step, next_state = accrue_day(rule, state, balance, day)
            transfers = accrual_transfers(target, rule, step)
            if transfers:
                results = await self._ledger.create_transfers(transfers)
                if not all(r.succeeded for r in results):
                    outcome.failed_day = day
                    outcome.failure = next(
                        (
                            r
                            for r in results
                            if not r.succeeded and r is not CreateTransferResult.LINKED_EVENT_FAILED
                        ),
                        results[0],
                    )
                    return outcome
                outcome.transfers_ok += sum(r is CreateTransferResult.OK for r in results)
                outcome.transfers_existing += sum(r is CreateTransferResult.EXISTS for r in results)
            await self._store.save(target.account_id, next_state)
            state = next_state
            balance += step.capitalise_credit - step.capitalise_overdraft
            outcome.days += 1
            outcome.credit_accrued += step.credit
            outcome.overdraft_accrued += step.overdraft
            outcome.capitalised_credit += step.capitalise_credit
            outcome.capitalised_overdraft += step.capitalise_overdraft
            outcome.last_day = day
            day += timedelta(days=1)
        return outcome
