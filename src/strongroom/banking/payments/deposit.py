"""`banking.payment.deposit`: money arriving from outside the bank into a customer's account.

    initiated --screened--> screened --settled--> settled;  initiated | screened --fail--> failed

1. `screen`: the account is the tenant's, open and in the deposit's currency; the compliance
   decision is made on the incoming payment (direction `in`, the sender as counterparty).
2. `review` (only when the decision is review): held on a case until a person decides.
3. `credit`: one linked chain: the tenant's clearing account in the currency to the customer's
   account, then the charges the account's product sets on an incoming payment. A deposit that
   fails is not credited: the money stays in clearing, to be returned to the sender.

Deposits have no mutex key: money coming in needs no turn, and a held one holds up nothing.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes, metering
from strongroom.banking.clearing import ensure_clearing_account
from strongroom.banking.payments.accounts import (
    open_account,
    priced,
)
from strongroom.banking.payments.lookups import Lookups
from strongroom.banking.payments.screening import REVIEW, cleared, decide
from strongroom.banking.retry import RETRY
from strongroom.banking.types import Directory
from strongroom.compliance.decide import Decider
from strongroom.compliance.rules.facts import Counterparty, Direction
from strongroom.days import day_of
from strongroom.ledger import CreateTransferResult, Ledger, Transfer
from strongroom.money import AMOUNT_MAX
from strongroom.products.events import Event, EventKind
from strongroom.products.posting import chain_for
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

TYPE = "banking.payment.deposit"
SETTLED = "banking.deposit.settled"
_DONE = {CreateTransferResult.OK, CreateTransferResult.EXISTS}


class Sender(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who sent the money, as the paying bank described them."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=140)] | None = None
    #: ISO 3166-1 alpha-2.
    country: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")] | None = None
    #: Their account: an IBAN or another bank's account number.
    account: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None

    def counterparty(self) -> Counterparty:
        return Counterparty(name=self.name, country=self.country, account=self.account)


class Deposit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account_id: uuid.UUID
    #: Minor units of `currency`.
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    sender: Sender = Sender()
    description: Annotated[str, msgspec.Meta(max_length=140)] = ""
    channel: Annotated[str, msgspec.Meta(pattern="^[a-z0-9_.-]{1,32}$")] = "transfer"


MACHINE = Machine(
    TYPE,
    initial="initiated",
    edges=[
        edge("initiated", "screened", "screened"),
        edge("screened", "settled", "settled"),
        edge(("initiated", "screened"), FAIL, "failed"),
    ],
    terminal=("settled", "failed"),
)


def deposit_type(
    ledger: Ledger, directory: Directory, decider: Decider, lookups: Lookups
) -> IntentType[Deposit]:
    """The `banking.payment.deposit` type over these parts."""

    async def screen(context: StepContext[Deposit]) -> Any:
        d = context.payload
        tenant = context.intent.tenant
        account = await open_account(directory, tenant, d.account_id, "credit", d.currency)
        return await decide(
            decider,
            context,
            account,
            await directory.customer(tenant, account.customer_id),
            amount=d.amount,
            direction=Direction.IN,
            channel=d.channel,
            counterparty=d.sender.counterparty(),
        )

    async def credit(context: StepContext[Deposit]) -> Any:
        cleared(context)
        d = context.payload
        tenant = context.intent.tenant
        clearing = await ensure_clearing_account(ledger, tenant, d.currency)
        metadata: dict[str, Any] = {"payment": str(context.intent.id)}
        if d.description:
            metadata["description"] = d.description
        if d.sender.name:
            metadata["sender"] = d.sender.name
        movement = Transfer(
            id=context.transfer_id("deposit"),
            debit_account_id=clearing,
            credit_account_id=d.account_id,
            amount=d.amount,
            ledger=d.currency,
            code=codes.DEPOSIT,
            metadata=metadata,
            tenant=tenant,
        )
        day = day_of(context.now)
        balance = await lookups.balance(d.account_id)
        event = Event(EventKind.INCOMING_PAYMENT, d.amount, d.currency, day, balance=balance)
        found = await priced(lookups, d.account_id, event, None)
        chain = chain_for(found, customer_account_id=d.account_id, movement=movement)
        results = await ledger.create_transfers(chain)
        if not all(r in _DONE for r in results):
            failed = ", ".join(sorted({r.value for r in results if r not in _DONE}))
            raise StepFailed(f"crediting the deposit: {failed}")
        context.emit(
            SETTLED,
            {
                "id": str(context.intent.id),
                "reference": context.intent.reference,
                "account_id": str(d.account_id),
                "amount": d.amount,
                "currency": d.currency,
                "fees": found.total_fees,
                "taxes": found.total_taxes,
                "transfer_id": str(movement.id),
            },
        )
        metering.bill(context, metering.DEPOSITS, currency=d.currency)
        return {
            "transfer_id": str(movement.id),
            "fees": found.total_fees,
            "taxes": found.total_taxes,
        }

    return IntentType(
        TYPE,
        Deposit,
        MACHINE,
        Workflow(
            (
                group(Step("screen", screen, retry=RETRY), event="screened"),
                group(REVIEW),
                group(Step("credit", credit, retry=RETRY), event="settled"),
            )
        ),
        account=lambda d: str(d.account_id),
        description="Money from outside the bank: screen, review when asked, credit.",
        through="POST /v1/banking/deposits",
    )
