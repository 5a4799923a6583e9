"""A deposit that arrives in parts: credited when all of it has arrived, returned if it has not by
its deadline.

`banking.deposit.multipart` (the expected whole):

    initiated --screened--> screened --opened--> collecting
    collecting --completed--> completed | --expire--> expired
    initiated | screened --fail--> failed

1. `screen`: the account is the tenant's, open, in the currency; the compliance decision on the
   whole amount, incoming. 2. `review` when asked. 3. `open`: the deadline (`expires_in` seconds
   from now) is fixed; the intent waits in `collecting` and expires at it.

`banking.deposit.part` (one part, payload: the multipart deposit and an amount): the part is
held on the way in, a pending transfer from the tenant's clearing account to the customer's that
the ledger expires at the deadline. The part that makes the whole posts every held part at
once (a linked chain: all or none) and fires `completed`; until then the customer sees the parts
as pending credits, never as money to spend. At the deadline the ledger expires the holds: the
money never reached the account and stays in clearing to be returned to the sender; the intent
moves to `expired` with a `banking.deposit.multipart.expired` event. Parts of one deposit share a
mutex key and are numbered in the ledger (payments/numbered.py): a part over what is still
expected, or after the deadline, fails.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes
from strongroom.banking.clearing import ensure_clearing_account
from strongroom.banking.payments import holds
from strongroom.banking.payments.accounts import open_account
from strongroom.banking.payments.deposit import Sender
from strongroom.banking.payments.numbered import Numbered
from strongroom.banking.payments.screening import REVIEW, cleared, decide
from strongroom.banking.retry import RETRY
from strongroom.banking.types import Directory
from strongroom.compliance.decide import Decider
from strongroom.compliance.rules.facts import Direction
from strongroom.ledger import Ledger, Transfer, TransferFlags
from strongroom.ledger.rules import TIMEOUT_MAX
from strongroom.money import AMOUNT_MAX
from strongroom.products.posting import link
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
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.transitions import Entry
from strongroom.workflows.types import Intent

MULTIPART = "banking.deposit.multipart"
PART = "banking.deposit.part"
EXPIRED = "banking.deposit.multipart.expired"
COMPLETED = "banking.deposit.multipart.completed"
NS = 10**9
#: The parts of a deposit, numbered under its id.
PARTS = Numbered("deposit-part", 100)

Fire = Callable[[Intent, uuid.UUID, str, str], Awaitable[object]]


class MultipartDeposit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account_id: uuid.UUID
    #: The whole expected, in minor units of `currency`.
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    #: Seconds from opening until the parts that arrived are returned.
    expires_in: Annotated[int, msgspec.Meta(ge=1, le=TIMEOUT_MAX)]
    sender: Sender = Sender()
    description: Annotated[str, msgspec.Meta(max_length=140)] = ""


class Part(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    multipart_id: uuid.UUID
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]


def _collecting(entry: Entry) -> None:
    payload: MultipartDeposit = entry.payload
    entry.after(payload.expires_in, "expire")


def _expired(entry: Entry) -> None:
    payload: MultipartDeposit = entry.payload
    entry.emit(
        EXPIRED,
        {
            "id": str(entry.intent.id),
            "account_id": str(payload.account_id),
            "amount": payload.amount,
            "currency": payload.currency,
        },
    )


MULTIPART_MACHINE = Machine(
    MULTIPART,
    initial="initiated",
    edges=[
        edge("initiated", "screened", "screened"),
        edge("screened", "opened", "collecting"),
        edge("collecting", "completed", "completed"),
        edge("collecting", "expire", "expired"),
        edge(("initiated", "screened"), FAIL, "failed"),
    ],
    terminal=("completed", "expired", "failed"),
    on_enter={"collecting": _collecting, "expired": _expired},
)

PART_MACHINE = Machine(
    PART,
    initial="initiated",
    edges=[
        edge("initiated", "checked", "checked"),
        edge("checked", "held", "held"),
        edge(("initiated", "checked"), FAIL, "failed"),
    ],
    terminal=("held", "failed"),
)


def multipart_type(directory: Directory, decider: Decider) -> IntentType[MultipartDeposit]:
    async def screen(context: StepContext[MultipartDeposit]) -> Any:
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
            channel="transfer",
            counterparty=d.sender.counterparty(),
        )

    async def open_deposit(context: StepContext[MultipartDeposit]) -> Any:
        cleared(context)
        return {"expires_at": context.now + context.payload.expires_in * NS}

    return IntentType(
        MULTIPART,
        MultipartDeposit,
        MULTIPART_MACHINE,
        Workflow(
            (
                group(Step("screen", screen, retry=RETRY), event="screened"),
                group(REVIEW),
                group(Step("open", open_deposit, retry=RETRY), event="opened"),
            )
        ),
        account=lambda d: str(d.account_id),
        description="A deposit arriving in parts: credited whole, or returned at its deadline.",
        through="POST /v1/banking/multipart-deposits",
    )


def part_type(ledger: Ledger, intents: IntentStore, fire: Fire) -> IntentType[Part]:
    async def whole(context: StepContext[Part]) -> tuple[Intent, MultipartDeposit]:
        found = await intents.get(context.payload.multipart_id, context.intent.tenant)
        if found is None or found.type != MULTIPART:
            raise StepFailed(f"multi-part deposit {context.payload.multipart_id} not found")
        return found, msgspec.convert(found.payload, MultipartDeposit)

    async def check(context: StepContext[Part]) -> Any:
        p = context.payload
        found, expected = await whole(context)
        if found.state != "collecting":
            raise StepFailed(
                f"multi-part deposit {p.multipart_id} is {found.state}, not collecting"
            )
        expires_at = found.results["open"]["expires_at"]
        if context.now >= expires_at:
            raise StepFailed(f"multi-part deposit {p.multipart_id} has passed its deadline")
        arrived = await PARTS.made(ledger, p.multipart_id)
        left = expected.amount - sum(t.amount for t in arrived)
        if p.amount > left:
            raise StepFailed(f"a part of {p.amount} exceeds the {left} still expected")
        return {"number": len(arrived) + 1, "complete": p.amount == left}

    async def hold(context: StepContext[Part]) -> Any:
        p = context.payload
        found, expected = await whole(context)
        tenant = context.intent.tenant
        number = context.results["check"]["number"]
        seconds = (found.results["open"]["expires_at"] - context.now) / NS
        part = Transfer(
            id=PARTS.id(p.multipart_id, number),
            debit_account_id=await ensure_clearing_account(ledger, tenant, expected.currency),
            credit_account_id=expected.account_id,
            amount=p.amount,
            ledger=expected.currency,
            code=codes.DEPOSIT,
            flags=TransferFlags.PENDING,
            timeout=max(1, math.ceil(seconds)),
            metadata={
                "payment": str(p.multipart_id),
                "part": number,
                "description": expected.description or "deposit in parts",
            },
            tenant=tenant,
        )
        await holds.hold(ledger, [part])
        if not context.results["check"]["complete"]:
            return {"transfer_id": str(part.id)}
        arrived = await PARTS.made(ledger, p.multipart_id)
        posts = holds.settlement(
            link(arrived),
            TransferFlags.POST_PENDING,
            lambda t: context.transfer_id(str(t.id)),
            linked=True,
        )
        await holds.post(ledger, posts, retryable=False)
        if found.state == "collecting":
            await fire(context.intent, p.multipart_id, "completed", f"part {number} completed it")
        context.emit(
            COMPLETED,
            {
                "id": str(p.multipart_id),
                "account_id": str(expected.account_id),
                "amount": expected.amount,
                "currency": expected.currency,
                "parts": len(arrived),
            },
        )
        return {"transfer_id": str(part.id), "completed": True}

    return IntentType(
        PART,
        Part,
        PART_MACHINE,
        Workflow(
            (
                group(Step("check", check, retry=RETRY), event="checked"),
                group(Step("hold", hold, retry=RETRY), event="held"),
            )
        ),
        mutex_key=lambda p: f"multipart:{p.multipart_id}",
        description="One part of a multi-part deposit: held, and the whole posted by the last.",
        through="POST /v1/banking/multipart-deposits/{id}/parts",
    )
