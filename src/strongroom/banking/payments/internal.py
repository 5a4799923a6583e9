"""`banking.payment.internal`: a payment from one customer account to another of the same bank,
currency and tenant, with its whole lifecycle as a durable workflow.

    initiated --screened--> screened --checked--> checked --reserved--> reserved
        --settled--> settled
    any state before settled --fail--> failed; before reserved --cancel--> cancelled

1. `screen`: both accounts are the tenant's, open and in the payment's currency; the payer is a
   verified customer. The compliance decision is made (recorded under the subject
   `payment:<intent id>`); a block fails the payment with its reasons.
2. `review` (only when the decision is review): a `compliance.case` child opens the review case
   with the decision's reasons and hits, and the payment waits in `screened` for a person; a
   blocked case fails the payment.
3. `limits`: the product the payer's account is pinned to prices the payment (fees, taxes) and
   decides its limits per transaction, day and month over the account's own ledger history.
4. `reserve`: the principal, its fees and taxes as one linked chain of pending transfers: all are
   held or none (insufficient funds beyond the arranged overdraft fails the payment).
   Compensated by voiding them.
5. `settle`: the chain posted; the `banking.payment.settled` event.

Payments from one account run one at a time in submission order (their mutex key is the payer's
account, as for `ledger.transfer`): limits see every earlier payment, and no two reservations of
one account race. Transfer ids are derived from the intent, step and run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes, metering
from strongroom.banking.beneficiaries import BeneficiaryBook, BeneficiaryPolicy, check_payment
from strongroom.banking.clearing import ensure_clearing_account
from strongroom.banking.payments import holds
from strongroom.banking.payments.accounts import (
    open_account,
    priced,
)
from strongroom.banking.payments.lookups import Lookups
from strongroom.banking.payments.screening import REVIEW, cleared, decide, verified
from strongroom.banking.payments.usage import OUTGOING, outgoing_usage
from strongroom.banking.retry import RETRY
from strongroom.banking.types import BankAccount, Directory
from strongroom.compliance.decide import Decider
from strongroom.compliance.rules.facts import (
    Counterparty,
    Direction,
)
from strongroom.days import day_of
from strongroom.ledger import CreateTransferResult, Ledger, Transfer, TransferFlags
from strongroom.money import AMOUNT_MAX, exponent
from strongroom.products.events import Event, EventKind
from strongroom.products.posting import chain_for
from strongroom.workflows.definitions import (
    CANCEL,
    FAIL,
    KEY_PATTERN,
    IntentType,
    Step,
    StepContext,
    StepFailed,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge

TYPE = "banking.payment.internal"
SETTLED = "banking.payment.settled"


class InternalPayment(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a payer asks; the schema refuses malformed requests, `screen` what it cannot see
    (the accounts, their currency and standing)."""

    debit_account_id: uuid.UUID
    #: The payee: an account of the bank, or a beneficiary at another bank (one of the two).
    credit_account_id: uuid.UUID | None = None
    beneficiary_id: uuid.UUID | None = None
    #: Minor units of `currency`.
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    #: ISO 4217 code: both accounts' currency.
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    description: Annotated[str, msgspec.Meta(max_length=140)] = ""
    #: The channel the payer used, as the compliance rules see it.
    channel: Annotated[str, msgspec.Meta(pattern="^[a-z0-9_.-]{1,32}$")] = "api"
    #: The payer's customer id, for the views (checked against the payer's account).
    customer: Annotated[str, msgspec.Meta(pattern=KEY_PATTERN)] | None = None


MACHINE = Machine(
    TYPE,
    initial="initiated",
    edges=[
        edge("initiated", "screened", "screened"),
        edge("screened", "checked", "checked"),
        edge("checked", "reserved", "reserved"),
        edge("reserved", "settled", "settled"),
        edge(("initiated", "screened", "checked", "reserved"), FAIL, "failed"),
        edge(("initiated", "screened", "checked"), CANCEL, "cancelled"),
    ],
    terminal=("settled", "failed", "cancelled"),
)


def internal_payment_type(
    ledger: Ledger,
    directory: Directory,
    decider: Decider,
    lookups: Lookups,
    beneficiaries: BeneficiaryBook,
    policy: BeneficiaryPolicy,
) -> IntentType[InternalPayment]:
    """The `banking.payment.internal` type over these parts."""

    async def payee(
        context: StepContext[InternalPayment], payer: BankAccount
    ) -> tuple[uuid.UUID, Counterparty]:
        """The account the money goes to, and the counterparty compliance sees."""
        p = context.payload
        tenant = context.intent.tenant
        if (p.credit_account_id is None) == (p.beneficiary_id is None):
            raise StepFailed("a payment goes to an account of the bank or to a beneficiary")
        if p.credit_account_id is not None:
            if p.debit_account_id == p.credit_account_id:
                raise StepFailed("the payer's and the payee's accounts must differ")
            account = await open_account(
                directory, tenant, p.credit_account_id, "credit", p.currency
            )
            return account.id, Counterparty(account=str(account.id))
        assert p.beneficiary_id is not None
        found = await beneficiaries.get([p.beneficiary_id])
        if not found or found[0].tenant != tenant or found[0].customer_id != payer.customer_id:
            raise StepFailed(f"beneficiary {p.beneficiary_id} of the payer not found")
        beneficiary = found[0]
        if beneficiary.currency != p.currency:
            raise StepFailed(f"beneficiary {beneficiary.id} is paid in {beneficiary.currency}")
        refusal = check_payment(beneficiary, p.amount, context.intent.created_at, policy)
        if refusal is not None:
            raise StepFailed(refusal)
        clearing = await ensure_clearing_account(ledger, tenant, p.currency)
        return clearing, Counterparty(
            name=beneficiary.name, country=beneficiary.country, account=beneficiary.account
        )

    async def screen(context: StepContext[InternalPayment]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        payer = await open_account(directory, tenant, p.debit_account_id, "debit", p.currency)
        if p.customer is not None and p.customer != str(payer.customer_id):
            raise StepFailed(f"debit account {payer.id} is not customer {p.customer}'s")
        credit, counterparty = await payee(context, payer)
        customer = verified(await directory.customer(tenant, payer.customer_id))
        screened = await decide(
            decider,
            context,
            payer,
            customer,
            amount=p.amount,
            direction=Direction.OUT,
            channel=p.channel,
            counterparty=counterparty,
        )
        return {**screened, "credit_account_id": str(credit)}

    def principal(context: StepContext[InternalPayment], flags: TransferFlags) -> Transfer:
        p = context.payload
        metadata: dict[str, Any] = {"payment": str(context.intent.id)}
        if p.description:
            metadata["description"] = p.description
        return Transfer(
            id=context.transfer_id("principal"),
            debit_account_id=p.debit_account_id,
            credit_account_id=uuid.UUID(context.results["screen"]["credit_account_id"]),
            amount=p.amount,
            ledger=p.currency,
            code=codes.PAYMENT,
            flags=flags,
            metadata=metadata,
            tenant=context.intent.tenant,
        )

    async def limits(context: StepContext[InternalPayment]) -> Any:
        cleared(context)
        p = context.payload
        day = day_of(context.now)
        balance = await lookups.balance(p.debit_account_id)
        event = Event(EventKind.TRANSFER_OUT, p.amount, p.currency, day, balance=balance)
        usage = await outgoing_usage(ledger, p.debit_account_id, day, OUTGOING)
        found = await priced(lookups, p.debit_account_id, event, usage)
        chain = chain_for(
            found,
            customer_account_id=p.debit_account_id,
            movement=principal(context, TransferFlags.NONE),
        )
        return {
            "product": found.product,
            "version": found.version,
            "fees": found.total_fees,
            "taxes": found.total_taxes,
            "chain": holds.kept(chain),
        }

    def chain(context: StepContext[InternalPayment]) -> list[Transfer]:
        return holds.held(context.results["limits"]["chain"])

    def derived(
        context: StepContext[InternalPayment], kind: str
    ) -> Callable[[Transfer], uuid.UUID]:
        return lambda t: context.transfer_id(f"{kind}:{t.id}")

    async def reserve(context: StepContext[InternalPayment]) -> Any:
        return {"pending": await holds.hold(ledger, chain(context))}

    async def release(context: StepContext[InternalPayment]) -> None:
        voids = holds.settlement(
            chain(context),
            TransferFlags.VOID_PENDING,
            derived(context, "VOID_PENDING"),
            linked=False,
        )
        await holds.release(ledger, voids)

    async def settle(context: StepContext[InternalPayment]) -> Any:
        posts = holds.settlement(
            chain(context),
            TransferFlags.POST_PENDING,
            derived(context, "POST_PENDING"),
            linked=True,
        )
        await holds.post(ledger, posts, retryable=True)
        rounded = await round_up(context)
        p = context.payload
        limits_result = context.results["limits"]
        context.emit(
            SETTLED,
            {
                "id": str(context.intent.id),
                "reference": context.intent.reference,
                "debit_account_id": str(p.debit_account_id),
                "credit_account_id": context.results["screen"]["credit_account_id"],
                "beneficiary_id": None if p.beneficiary_id is None else str(p.beneficiary_id),
                "amount": p.amount,
                "currency": p.currency,
                "fees": limits_result["fees"],
                "taxes": limits_result["taxes"],
                "transfer_id": str(posts[0].id),
                "round_up": rounded,
            },
        )
        payee = "account" if p.beneficiary_id is None else "beneficiary"
        metering.bill(context, metering.PAYMENTS, currency=p.currency, payee=payee)
        metering.bill(context, metering.PAYMENT_VOLUME, p.amount, currency=p.currency)
        return {"posted": [str(t.id) for t in posts], "round_up": rounded}

    async def round_up(context: StepContext[InternalPayment]) -> int:
        """The round-up moved into the payer account's round-up pot (0: none): best effort,
        after the payment settled; one the account cannot fund is skipped."""
        p = context.payload
        unit = 10 ** exponent(p.currency)
        amount = -p.amount % unit
        if not amount:
            return 0
        pot = await directory.round_up_pot(context.intent.tenant, p.debit_account_id)
        if pot is None:
            return 0
        (result,) = await ledger.create_transfers(
            [
                Transfer(
                    id=context.transfer_id("round-up"),
                    debit_account_id=p.debit_account_id,
                    credit_account_id=pot,
                    amount=amount,
                    ledger=p.currency,
                    code=codes.ROUND_UP,
                    metadata={"payment": str(context.intent.id), "description": "round-up"},
                    tenant=context.intent.tenant,
                )
            ]
        )
        return amount if result in (CreateTransferResult.OK, CreateTransferResult.EXISTS) else 0

    return IntentType(
        TYPE,
        InternalPayment,
        MACHINE,
        Workflow(
            (
                group(Step("screen", screen, retry=RETRY), event="screened"),
                group(REVIEW, release_key=True),
                group(Step("limits", limits, retry=RETRY), event="checked"),
                group(Step("reserve", reserve, release, retry=RETRY), event="reserved"),
                group(Step("settle", settle, retry=RETRY), event="settled"),
            )
        ),
        mutex_key=lambda p: f"account:{p.debit_account_id}",
        customer=lambda p: p.customer,
        account=lambda p: str(p.debit_account_id),
        description=(
            "A payment between two accounts of the bank: screen, review when asked, price and "
            "check limits, reserve with charges, settle."
        ),
        through="POST /v1/banking/payments",
    )
