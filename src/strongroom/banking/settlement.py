"""End-of-day settlement of the clearing accounts: what crossed the bank's edge in a currency
during the day (payments to beneficiaries out, deposits in) is settled with the outside world, so
the tenant's clearing account in that currency is emptied into its settlement account (the
nostro: the bank's own account at the central bank or its correspondent).

`banking.settlement.eod` (payload: currency, business date) moves the clearing account's whole
posted balance, whichever way it stands, by one transfer whose id is derived from (tenant,
currency, date): running a day twice, or resuming it after a crash, settles once. A durable
schedule of the intent engine can run it every evening.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes
from strongroom.banking.clearing import ensure_clearing_account
from strongroom.banking.retry import RETRY
from strongroom.errors import ValidationError
from strongroom.ledger import Account, CreateAccountResult, CreateTransferResult, Ledger, Transfer
from strongroom.money import is_currency
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.definitions import (
    FAIL,
    IntentType,
    Step,
    StepContext,
    StepFailed,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent

EOD = "banking.settlement.eod"
_NAMESPACE = uuid.UUID("e8b4c2a1-5f7d-4b3e-9c60-2a8d1f4e7b93")
_MADE = {CreateAccountResult.OK, CreateAccountResult.EXISTS}
_DONE = {CreateTransferResult.OK, CreateTransferResult.EXISTS}


def settlement_account_id(tenant: str, currency: str) -> uuid.UUID:
    """The tenant's settlement (nostro) account in `currency`."""
    return uuid.uuid5(_NAMESPACE, f"{tenant}/settlement/{currency}")


def settlement_transfer_id(tenant: str, currency: str, day: datetime.date) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{tenant}/eod/{currency}/{day.isoformat()}")


class EndOfDay(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    date: datetime.date


MACHINE = Machine(
    EOD,
    initial="initiated",
    edges=[edge("initiated", "settled", "settled"), edge("initiated", FAIL, "failed")],
    terminal=("settled", "failed"),
)


def eod_type(ledger: Ledger) -> IntentType[EndOfDay]:
    async def settle(context: StepContext[EndOfDay]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        transfer_id = settlement_transfer_id(tenant, p.currency, p.date)
        done = await ledger.lookup_transfers([transfer_id])
        if done:
            # Settled before (a replay, or the day run twice): the amount stands.
            return {"transfer_id": str(transfer_id), "amount": done[0].amount}
        clearing = await ensure_clearing_account(ledger, tenant, p.currency)
        nostro = settlement_account_id(tenant, p.currency)
        (made,) = await ledger.create_accounts(
            [
                Account(
                    id=nostro,
                    ledger=p.currency,
                    code=codes.SETTLEMENT_ACCOUNT,
                    tenant=tenant,
                    metadata={"kind": "settlement"},
                )
            ]
        )
        if made not in _MADE:
            raise StepFailed(f"the settlement account: {made.value}")
        (held,) = await ledger.lookup_accounts([clearing])
        balance = held.balance
        if balance == 0:
            return {"transfer_id": None, "amount": 0}
        owed = balance > 0
        (result,) = await ledger.create_transfers(
            [
                Transfer(
                    id=transfer_id,
                    debit_account_id=clearing if owed else nostro,
                    credit_account_id=nostro if owed else clearing,
                    amount=abs(balance),
                    ledger=p.currency,
                    code=codes.SETTLEMENT,
                    metadata={"description": f"end of day {p.date.isoformat()}"},
                    tenant=tenant,
                )
            ]
        )
        if result not in _DONE:
            raise StepFailed(result.value, retryable=True)
        return {"transfer_id": str(transfer_id), "amount": balance}

    return IntentType(
        EOD,
        EndOfDay,
        MACHINE,
        Workflow((group(Step("settle", settle, retry=RETRY), event="settled"),)),
        mutex_key=lambda p: f"settlement:{p.currency}",
        description="Settle a currency's clearing account into its settlement account for a day.",
        role=Role.ADMIN,
    )


class SettlementService:
    def __init__(self, intents: IntentService) -> None:
        self.intents = intents

    async def end_of_day(self, who: Principal, currency: str, day: datetime.date) -> Intent:
        """Admin role: settle `currency`'s clearing account for `day` (once per day)."""
        with acting(who, Role.ADMIN):
            if not is_currency(currency):
                raise ValidationError("currency", f"{currency!r} is not an ISO 4217 currency")
            body = {"currency": currency, "date": day.isoformat()}
            submitted = await self.intents.submit(who, EOD, f"eod:{currency}:{day}", body)
            return submitted.intent
