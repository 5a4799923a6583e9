"""Card payments: an authorisation holds the money, a capture takes all or part of it, a release
gives it back, and a hold nobody captures expires.

`banking.card.authorisation`:

    initiated --screened--> screened --checked--> checked --held--> held
    held --captured--> captured | --released--> released | --expire--> expired
    initiated | screened | checked --fail--> declined

1. `screen`: the account is the tenant's, open, in the currency, its customer verified; the
   compliance decision on the card payment (channel `card`, the merchant as counterparty).
2. `review` when the decision asks for it.
3. `limits`: the account's product prices the payment as a card payment and decides its limits
   over the account's history (as for a payment out).
4. `hold`: the principal (to the tenant's clearing account, where the card scheme settles) and
   its charges, held as pending transfers that the ledger expires after `hold_seconds`. The
   intent then waits in `held`; `expire` fires a minute after the ledger's expiry, so that a
   capture the ledger accepted is always recorded before it.

`banking.card.capture` (payload: the authorisation and an amount up to the held one) posts the
hold: the principal for the captured amount (the ledger releases the rest), the charges in
full, all or none; then fires `captured` on the authorisation. `banking.card.release` voids the
hold and fires `released`. Both share the authorisation's mutex key, so one runs at a time, and
each refuses an authorisation that is no longer `held` (a hold is captured once).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes
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
from strongroom.banking.types import Directory
from strongroom.compliance.decide import Decider
from strongroom.compliance.rules.facts import Counterparty, Direction
from strongroom.days import day_of
from strongroom.ledger import Ledger, Transfer, TransferFlags
from strongroom.ledger.rules import TIMEOUT_MAX
from strongroom.money import AMOUNT_MAX
from strongroom.products.events import Event, EventKind
from strongroom.products.posting import chain_for
from strongroom.workflows.definitions import (
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
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.transitions import Entry
from strongroom.workflows.types import Intent

AUTHORISATION = "banking.card.authorisation"
CAPTURE = "banking.card.capture"
RELEASE = "banking.card.release"
CAPTURED = "banking.card.captured"
#: Seconds after the ledger expires a hold that the authorisation is marked expired.
EXPIRY_GRACE = 60
#: Seven days: how long a card hold waits for its capture unless the request says otherwise.
DEFAULT_HOLD = 7 * 86_400

#: How a capture or a release tells the authorisation: (acting intent, authorisation id,
#: event, reason).
Fire = Callable[[Intent, uuid.UUID, str, str], Awaitable[object]]


class Merchant(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=140)]
    #: ISO 3166-1 alpha-2.
    country: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")] | None = None
    #: The ISO 18245 merchant category code.
    category: Annotated[str, msgspec.Meta(pattern="^[0-9]{4}$")] | None = None


class Authorisation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account_id: uuid.UUID
    #: Minor units of `currency`.
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    merchant: Merchant
    hold_seconds: Annotated[int, msgspec.Meta(ge=1, le=TIMEOUT_MAX - EXPIRY_GRACE)] = DEFAULT_HOLD
    customer: Annotated[str, msgspec.Meta(pattern=KEY_PATTERN)] | None = None


class Capture(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    authorisation_id: uuid.UUID
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]


class Release(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    authorisation_id: uuid.UUID


def _held(entry: Entry) -> None:
    payload: Authorisation = entry.payload
    entry.after(payload.hold_seconds + EXPIRY_GRACE, "expire")


AUTHORISATION_MACHINE = Machine(
    AUTHORISATION,
    initial="initiated",
    edges=[
        edge("initiated", "screened", "screened"),
        edge("screened", "checked", "checked"),
        edge("checked", "held", "held"),
        edge("held", "captured", "captured"),
        edge("held", "released", "released"),
        edge("held", "expire", "expired"),
        edge(("initiated", "screened", "checked"), FAIL, "declined"),
    ],
    terminal=("captured", "released", "expired", "declined"),
    on_enter={"held": _held},
)


def _step_machine(name: str, done: str) -> Machine:
    return Machine(
        name,
        initial="initiated",
        edges=[
            edge("initiated", "checked", "checked"),
            edge("checked", done, done),
            edge(("initiated", "checked"), FAIL, "failed"),
        ],
        terminal=(done, "failed"),
    )


def authorisation_type(
    ledger: Ledger, directory: Directory, decider: Decider, lookups: Lookups
) -> IntentType[Authorisation]:
    async def screen(context: StepContext[Authorisation]) -> Any:
        a = context.payload
        tenant = context.intent.tenant
        account = await open_account(directory, tenant, a.account_id, "card", a.currency)
        if a.customer is not None and a.customer != str(account.customer_id):
            raise StepFailed(f"card account {account.id} is not customer {a.customer}'s")
        customer = verified(await directory.customer(tenant, account.customer_id))
        return await decide(
            decider,
            context,
            account,
            customer,
            amount=a.amount,
            direction=Direction.OUT,
            channel="card",
            counterparty=Counterparty(name=a.merchant.name, country=a.merchant.country),
        )

    async def limits(context: StepContext[Authorisation]) -> Any:
        cleared(context)
        a = context.payload
        tenant = context.intent.tenant
        day = day_of(context.now)
        balance = await lookups.balance(a.account_id)
        event = Event(EventKind.CARD_WITHDRAWAL, a.amount, a.currency, day, balance=balance)
        usage = await outgoing_usage(ledger, a.account_id, day, OUTGOING)
        found = await priced(lookups, a.account_id, event, usage)
        principal = Transfer(
            id=context.transfer_id("principal"),
            debit_account_id=a.account_id,
            credit_account_id=await ensure_clearing_account(ledger, tenant, a.currency),
            amount=a.amount,
            ledger=a.currency,
            code=codes.CARD,
            metadata={"payment": str(context.intent.id), "description": a.merchant.name},
            tenant=tenant,
        )
        chain = chain_for(found, customer_account_id=a.account_id, movement=principal)
        return {"fees": found.total_fees, "taxes": found.total_taxes, "chain": holds.kept(chain)}

    async def hold(context: StepContext[Authorisation]) -> Any:
        chain = holds.held(context.results["limits"]["chain"], context.payload.hold_seconds)
        return {"pending": await holds.hold(ledger, chain)}

    return IntentType(
        AUTHORISATION,
        Authorisation,
        AUTHORISATION_MACHINE,
        Workflow(
            (
                group(Step("screen", screen, retry=RETRY), event="screened"),
                group(REVIEW, release_key=True),
                group(Step("limits", limits, retry=RETRY), event="checked"),
                group(Step("hold", hold, retry=RETRY), event="held"),
            )
        ),
        mutex_key=lambda a: f"account:{a.account_id}",
        customer=lambda a: a.customer,
        account=lambda a: str(a.account_id),
        description="A card payment's hold: screen, review when asked, limits, hold; then "
        "captured, released or expired.",
        through="POST /v1/banking/cards/authorisations",
    )


async def _authorisation(
    intents: IntentStore, context: StepContext[Any], authorisation_id: uuid.UUID
) -> tuple[Intent, Authorisation]:
    """The tenant's authorisation, still held."""
    found = await intents.get(authorisation_id, context.intent.tenant)
    if found is None or found.type != AUTHORISATION:
        raise StepFailed(f"card authorisation {authorisation_id} not found")
    if found.state != "held":
        raise StepFailed(f"card authorisation {authorisation_id} is {found.state}, not held")
    return found, msgspec.convert(found.payload, Authorisation)


def capture_type(ledger: Ledger, intents: IntentStore, fire: Fire) -> IntentType[Capture]:
    async def check(context: StepContext[Capture]) -> Any:
        c = context.payload
        _, authorised = await _authorisation(intents, context, c.authorisation_id)
        if c.amount > authorised.amount:
            raise StepFailed(f"a capture of {c.amount} exceeds the {authorised.amount} held")
        return None

    async def capture(context: StepContext[Capture]) -> Any:
        c = context.payload
        found = await intents.get(c.authorisation_id, context.intent.tenant)
        assert found is not None
        chain = holds.held(found.results["limits"]["chain"])
        posts = holds.settlement(
            chain,
            TransferFlags.POST_PENDING,
            lambda t: context.transfer_id(str(t.id)),
            linked=True,
            amounts={chain[0].id: c.amount},
        )
        await holds.post(ledger, posts, retryable=False)
        # A replay after the fire finds the authorisation captured already.
        if found.state == "held":
            await fire(context.intent, c.authorisation_id, "captured", f"captured {c.amount}")
        context.emit(
            CAPTURED,
            {
                "id": str(c.authorisation_id),
                "capture_id": str(context.intent.id),
                "amount": c.amount,
                "currency": chain[0].ledger,
                "transfer_id": str(posts[0].id),
            },
        )
        return {"posted": [str(t.id) for t in posts]}

    return IntentType(
        CAPTURE,
        Capture,
        _step_machine(CAPTURE, "captured"),
        Workflow(
            (
                group(Step("check", check, retry=RETRY), event="checked"),
                group(Step("capture", capture, retry=RETRY), event="captured"),
            )
        ),
        mutex_key=lambda c: f"card:{c.authorisation_id}",
        description="Capture a card hold, in full or in part (the rest is released).",
        through="POST /v1/banking/cards/authorisations/{id}/captures",
    )


def release_type(ledger: Ledger, intents: IntentStore, fire: Fire) -> IntentType[Release]:
    async def check(context: StepContext[Release]) -> Any:
        await _authorisation(intents, context, context.payload.authorisation_id)
        return None

    async def release(context: StepContext[Release]) -> Any:
        r = context.payload
        found = await intents.get(r.authorisation_id, context.intent.tenant)
        assert found is not None
        chain = holds.held(found.results["limits"]["chain"])
        voids = holds.settlement(
            chain,
            TransferFlags.VOID_PENDING,
            lambda t: context.transfer_id(str(t.id)),
            linked=False,
        )
        await holds.release(ledger, voids)
        if found.state == "held":
            await fire(context.intent, r.authorisation_id, "released", "released by the merchant")
        return {"voided": [str(t.id) for t in voids]}

    return IntentType(
        RELEASE,
        Release,
        _step_machine(RELEASE, "released"),
        Workflow(
            (
                group(Step("check", check, retry=RETRY), event="checked"),
                group(Step("release", release, retry=RETRY), event="released"),
            )
        ),
        mutex_key=lambda r: f"card:{r.authorisation_id}",
        description="Release a card hold without capturing it.",
        through="POST /v1/banking/cards/authorisations/{id}/releases",
    )
