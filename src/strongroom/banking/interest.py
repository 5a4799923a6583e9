"""Interest on the bank's accounts: `banking.interest.accrue` runs the product factory's accrual
job (strongroom.products.accrual) over every account of the tenant not closed, each priced by the
product version it is pinned to.

The business date is the payload's `date`, or the UTC day the intent was created: a durable
schedule (`every 1d from ...T00:05:00Z`) submits one just after each day's close, and every day
before the business date that an account has not accrued yet is accrued, month ends
capitalised. The job is idempotent per account and day (its transfer ids derive from both, its
carried state is saved after the ledger took the day), so a replayed step, a day asked twice or a
run resumed after a crash posts each day once. An account whose day the ledger refuses (a frozen
account at a month end, an interest account missing) is reported with the reason and tried
again by the next run; the others go on.
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec

from strongroom.banking.book import book
from strongroom.banking.ports import BankStore
from strongroom.banking.runs import failed, run_type, summary
from strongroom.days import business_day, day_of, not_over
from strongroom.ledger import Ledger
from strongroom.products.accrual import AccrualJob, AccrualReport, AccrualStore, AccrualTarget
from strongroom.products.businessdate import ManualBusinessDate
from strongroom.products.stored import StoredProductCatalog
from strongroom.workflows.definitions import (
    IntentType,
    StepContext,
    StepFailed,
)

ACCRUE = "banking.interest.accrue"
ACCRUED = "banking.interest.accrued"


class Accrual(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: Every day before it is accrued; absent: the UTC day the intent was created.
    date: datetime.date | None = None


def _tally(totals: dict[str, Any], report: AccrualReport) -> None:
    for done in report.accounts:
        totals["accounts"] += 1
        totals["days"] += done.days
        totals["transfers"] += done.transfers_ok
        totals["credit_accrued"] += done.credit_accrued
        totals["overdraft_accrued"] += done.overdraft_accrued
        totals["capitalised_credit"] += done.capitalised_credit
        totals["capitalised_overdraft"] += done.capitalised_overdraft
        if done.failure is not None:
            day = None if done.failed_day is None else done.failed_day.isoformat()
            failed(
                totals,
                {"account_id": str(done.account_id), "date": day, "reason": done.failure.value},
            )


def accrue_type(
    bank: BankStore, ledger: Ledger, catalog: StoredProductCatalog, accruals: AccrualStore
) -> IntentType[Accrual]:
    async def accrue(context: StepContext[Accrual]) -> Any:
        tenant = context.intent.tenant
        day = business_day(context.payload.date, context.intent.created_at)
        refusal = not_over(day, context.now)
        if refusal is not None:
            raise StepFailed(refusal)
        job = AccrualJob(ledger, accruals, ManualBusinessDate(day))
        totals: dict[str, Any] = {
            "date": day.isoformat(),
            "accounts": 0,
            "days": 0,
            "transfers": 0,
            "credit_accrued": 0,
            "overdraft_accrued": 0,
            "capitalised_credit": 0,
            "capitalised_overdraft": 0,
            "failed": 0,
            "failures": [],
        }
        async for page in book(bank, catalog, tenant):
            targets = [
                AccrualTarget(b.account.id, b.product, day_of(b.account.opened_at), tenant)
                for b in page
            ]
            _tally(totals, await job.run(targets))
        context.emit(ACCRUED, summary(totals))
        return totals

    return run_type(
        ACCRUE,
        Accrual,
        ("accrue", accrue),
        "accrued",
        "banking:interest",
        "Accrue interest on every account up to a day; capitalise month ends.",
    )
