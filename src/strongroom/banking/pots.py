"""Pots: sub-accounts of a customer's account, for saving towards a goal. A pot is a ledger account
of its own (so its money is never spent by a payment from the main account), in the main
account's currency, that may not go below zero.

Money moves between a pot and its account by the `banking.pot.move` intent (mutex: the main
account, as its payments): `in` from the account to the pot, `out` back; a move the side paying
cannot fund fails. A pot that collects **round-ups** receives, with every payment from its
account, the difference up to the next whole unit of the currency (a payment of 12.30 SGD puts
0.70 in the pot) once the payment has settled, when the account can fund it (a round-up
never makes a payment fail). A
**sweep** is a durable schedule of the intent engine that moves a fixed amount in at each of its
times (`every 1d`, `cron 0 9 1 * *`, ...).

A pot is **closed** by the `banking.pot.close` intent (same mutex): whatever it holds moves back
to its account, then its ledger account is closed for good (the ledger's status is the pot's),
its sweep is deleted and it collects no more round-ups. An account with a pot not closed cannot
be closed (banking.accounts), so no money is left behind in a pot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec

from strongroom.banking import codes, events
from strongroom.banking.fields import as_sent
from strongroom.banking.ports import BankStore, PotRecord
from strongroom.banking.retry import RETRY
from strongroom.clock import Clock
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.ledger import (
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
)
from strongroom.ledger import AccountStatus as LedgerStatus
from strongroom.money import AMOUNT_MAX
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
from strongroom.workflows.ports import IntentStore, Schedule
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent

MOVE = "banking.pot.move"
CLOSE = "banking.pot.close"
_NAMESPACE = uuid.UUID("c41f0b7e-2a5d-4e88-9f3c-6d1a8b2e4f70")
_MADE = {CreateAccountResult.OK, CreateAccountResult.EXISTS}
_DONE = {CreateTransferResult.OK, CreateTransferResult.EXISTS}


def pot_id_of(tenant: str, reference: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{tenant}/{reference}")


def sweep_name(pot_id: uuid.UUID) -> str:
    return f"pot-sweep:{pot_id}"


class MovePayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pot_id: uuid.UUID
    #: The main account (for its mutex key): checked against the pot's.
    account_id: uuid.UUID
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    #: in: account -> pot; out: pot -> account.
    direction: Literal["in", "out"]


MACHINE = Machine(
    MOVE,
    initial="initiated",
    edges=[
        edge("initiated", "moved", "moved"),
        edge("initiated", FAIL, "failed"),
    ],
    terminal=("moved", "failed"),
)


async def pot_of(
    store: BankStore, tenant: str, pot_id: uuid.UUID, account_id: uuid.UUID
) -> PotRecord:
    """The pot a step names, which must be the tenant's and the account's."""
    found = await store.pots([pot_id])
    if not found or found[0].tenant != tenant or found[0].account_id != account_id:
        raise StepFailed(f"pot {pot_id} of account {account_id} not found")
    return found[0]


def move_type(store: BankStore, ledger: Ledger) -> IntentType[MovePayload]:
    async def move(context: StepContext[MovePayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        pot = await pot_of(store, tenant, p.pot_id, p.account_id)
        into = p.direction == "in"
        transfer = Transfer(
            id=context.transfer_id(),
            debit_account_id=pot.account_id if into else pot.id,
            credit_account_id=pot.id if into else pot.account_id,
            amount=p.amount,
            ledger=pot.currency,
            code=codes.POT_MOVE,
            metadata={"description": f"{'to' if into else 'from'} pot {pot.name}"},
            tenant=tenant,
        )
        (result,) = await ledger.create_transfers([transfer])
        if result is CreateTransferResult.EXCEEDS_CREDITS:
            side = "account" if into else "pot"
            raise StepFailed(f"insufficient funds: the {side} holds less than {p.amount}")
        if result not in _DONE:
            raise StepFailed(result.value)
        return {"transfer_id": str(transfer.id)}

    return IntentType(
        MOVE,
        MovePayload,
        MACHINE,
        Workflow((group(Step("move", move, retry=RETRY), event="moved"),)),
        mutex_key=lambda p: f"account:{p.account_id}",
        account=lambda p: str(p.account_id),
        description="Move money between a pot and its account.",
        through="POST /v1/banking/pots/{id}/moves",
    )


class ClosePotPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pot_id: uuid.UUID
    #: The main account (for its mutex key): checked against the pot's.
    account_id: uuid.UUID


CLOSE_MACHINE = Machine(
    CLOSE,
    initial="initiated",
    edges=[
        edge("initiated", "emptied", "emptied"),
        edge("emptied", "closed", "closed"),
        edge("initiated", FAIL, "failed"),
        edge("emptied", FAIL, "failed"),
    ],
    terminal=("closed", "failed"),
)


def close_pot_type(
    store: BankStore, ledger: Ledger, schedules: IntentStore
) -> IntentType[ClosePotPayload]:
    async def held(context: StepContext[ClosePotPayload]) -> tuple[PotRecord, Account]:
        p = context.payload
        pot = await pot_of(store, context.intent.tenant, p.pot_id, p.account_id)
        (account,) = await ledger.lookup_accounts([p.pot_id])
        return pot, account

    async def empty(context: StepContext[ClosePotPayload]) -> Any:
        pot, account = await held(context)
        if account.status is LedgerStatus.CLOSED or account.balance == 0:
            return {"transfer_id": None, "amount": 0}
        transfer = Transfer(
            id=context.transfer_id(),
            debit_account_id=pot.id,
            credit_account_id=pot.account_id,
            amount=account.balance,
            ledger=pot.currency,
            code=codes.POT_MOVE,
            metadata={"description": f"pot {pot.name} closed"},
            tenant=pot.tenant,
        )
        (result,) = await ledger.create_transfers([transfer])
        if result not in _DONE:
            raise StepFailed(f"moving the pot's {account.balance} to its account: {result.value}")
        return {"transfer_id": str(transfer.id), "amount": account.balance}

    async def close(context: StepContext[ClosePotPayload]) -> Any:
        pot, account = await held(context)
        if account.status is not LedgerStatus.CLOSED:
            try:
                await ledger.set_account_status(pot.id, LedgerStatus.CLOSED, tenant=pot.tenant)
            except Conflict as conflict:
                raise StepFailed(str(conflict)) from None
            now = context.now
            data = {"pot_id": str(pot.id), "account_id": str(pot.account_id)}
            await store.close_pot(
                pot.id,
                now,
                events.event(events.POT_CLOSED, pot.tenant, context.intent.actor, now, data),
            )
        await schedules.delete_schedule(pot.tenant, sweep_name(pot.id))
        return {"closed": str(pot.id)}

    return IntentType(
        CLOSE,
        ClosePotPayload,
        CLOSE_MACHINE,
        Workflow(
            (
                group(Step("empty", empty, retry=RETRY), event="emptied"),
                group(Step("close", close, retry=RETRY), event="closed"),
            )
        ),
        mutex_key=lambda p: f"account:{p.account_id}",
        account=lambda p: str(p.account_id),
        description="Move a pot's money back to its account and close the pot.",
        through="POST /v1/banking/pots/{id}/closure",
    )


@dataclass(frozen=True, slots=True)
class PotView:
    pot: PotRecord
    balance: int
    sweep: Schedule | None
    #: The pot's ledger account's: open or closed.
    status: LedgerStatus


class PotService:
    def __init__(
        self, store: BankStore, ledger: Ledger, intents: IntentService, clock: Clock
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.intents = intents
        self.clock = clock

    async def create(
        self,
        who: Principal,
        reference: str,
        account_id: uuid.UUID,
        name: str,
        goal: int = 0,
        round_up: bool = False,
    ) -> PotView:
        """A pot of `account_id` (open, the tenant's); the same reference again returns it."""
        with acting(who, Role.WRITE):
            if not name.strip() or len(name) > 200:
                raise ValidationError("name", "must be 1 to 200 characters, not blank")
            if type(goal) is not int or not 0 <= goal <= AMOUNT_MAX:
                raise ValidationError("goal", "must be a whole number of minor units, at least 0")
            account = await self._account(who, account_id)
            if account.status is not LedgerStatus.OPEN:
                raise ValidationError("account_id", f"the account is {account.status.value}")
            pot_id = pot_id_of(who.tenant, reference)
            (made,) = await self.ledger.create_accounts(
                [
                    Account(
                        id=pot_id,
                        ledger=account.ledger,
                        code=codes.POT_ACCOUNT,
                        flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                        metadata={"pot_of": str(account_id)},
                        tenant=who.tenant,
                    )
                ]
            )
            if made not in _MADE:
                raise ValidationError("reference", f"the ledger refused the pot: {made.value}")
            now = self.clock.now_ns()
            record = PotRecord(
                id=pot_id,
                tenant=who.tenant,
                reference=reference,
                account_id=account_id,
                currency=account.ledger,
                name=name,
                goal=goal,
                round_up=round_up,
                created_at=now,
            )
            data = {"pot_id": str(pot_id), "account_id": str(account_id), "name": name}
            stored = await self.store.add_pot(
                record, events.event(events.POT_CREATED, who.tenant, who.id, now, data)
            )
            return await self._view(stored)

    async def of_account(self, who: Principal, account_id: uuid.UUID) -> list[PotView]:
        with acting(who, Role.READ):
            await self._account(who, account_id)
            return [await self._view(p) for p in await self.store.pots_of([account_id])]

    async def show(self, who: Principal, pot_id: uuid.UUID) -> PotView:
        with acting(who, Role.READ):
            return await self._view(await self._pot(who, pot_id))

    async def move(
        self, who: Principal, pot_id: uuid.UUID, reference: str, amount: int, direction: str
    ) -> tuple[Intent, bool]:
        """Submit a move of `amount` into (`in`) or out of (`out`) the pot."""
        with acting(who, Role.WRITE):
            pot = await self._pot(who, pot_id)
            body = {
                "pot_id": str(pot_id),
                "account_id": str(pot.account_id),
                "amount": amount,
                "direction": direction,
            }
            with as_sent():
                submitted = await self.intents.submit_checked(who, MOVE, reference, body)
            return submitted.intent, submitted.created

    async def close(self, who: Principal, pot_id: uuid.UUID, reference: str) -> tuple[Intent, bool]:
        """Submit the pot's closing: its money back to its account, then the pot closed."""
        with acting(who, Role.WRITE):
            pot = await self._pot(who, pot_id)
            body = {"pot_id": str(pot_id), "account_id": str(pot.account_id)}
            with as_sent():
                submitted = await self.intents.submit_checked(who, CLOSE, reference, body)
            return submitted.intent, submitted.created

    async def sweep(self, who: Principal, pot_id: uuid.UUID, amount: int, spec: str) -> Schedule:
        """Admin role: move `amount` into the pot at each time of `spec` (a schedule of the
        intent engine, replaced if the pot had one)."""
        with acting(who, Role.ADMIN):
            pot = await self._pot(who, pot_id)
            body = {
                "pot_id": str(pot_id),
                "account_id": str(pot.account_id),
                "amount": amount,
                "direction": "in",
            }
            with as_sent():
                return await self.intents.put_schedule_checked(
                    who, sweep_name(pot_id), MOVE, spec, body
                )

    async def _account(self, who: Principal, account_id: uuid.UUID) -> Account:
        rows = await self.store.accounts([account_id])
        if not rows or rows[0].tenant != who.tenant or rows[0].closed_at is not None:
            raise NotFound(f"account {account_id} not found")
        (account,) = await self.ledger.lookup_accounts([account_id])
        return account

    async def _pot(self, who: Principal, pot_id: uuid.UUID) -> PotRecord:
        found = await self.store.pots([pot_id])
        if not found or found[0].tenant != who.tenant:
            raise NotFound(f"pot {pot_id} not found")
        return found[0]

    async def _view(self, pot: PotRecord) -> PotView:
        (held,) = await self.ledger.lookup_accounts([pot.id])
        sweeps = {
            s.name: s
            for s in await self.intents.store.schedules(pot.tenant)
            if s.name == sweep_name(pot.id)
        }
        return PotView(pot, held.balance, sweeps.get(sweep_name(pot.id)), held.status)
