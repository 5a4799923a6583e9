"""Bank accounts: opened for a verified customer on a version of a product, frozen, unfrozen,
re-pinned and closed. An account's id is its ledger account's id: the ledger holds its balance
and its status (open, frozen, closed), the bank's row its customer, currency and product.

Opening and closing are intents (crash-resumable; each step idempotent):

`banking.account.open` (mutex: the customer, so that two openings never race for one slot):
    initiated --checked--> checked --created--> created --opened--> opened, or failed
1. `check`: the customer is the tenant's and verified (not expired); the product's latest
   version is in the account's currency; the customer has no account in that currency and
   product that is not closed.
2. `ledger`: the ledger account (debits must not exceed credits, overdraft limit the product's
   arranged overdraft), and the account pinned to the product version (the catalogue's
   assignment, audited there).
3. `record`: the bank's row and the `banking.account.opened` event.

`banking.account.close` (mutex: the account, as its payments):
    initiated --released--> released --closed--> closed, or failed
1. `release`: every hold still pending on the account voided.
2. `close`: refused unless the balance is zero; the ledger account closed for good.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes, events, metering
from strongroom.banking.customers import standing
from strongroom.banking.fields import as_sent
from strongroom.banking.ports import AccountRecord, BankStore, CustomerRecord
from strongroom.banking.retry import RETRY
from strongroom.banking.types import (
    AccountStatus,
    BankAccount,
    Customer,
    KycStatus,
)
from strongroom.clock import Clock
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.ledger import (
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    PendingState,
    Transfer,
    TransferFlags,
)
from strongroom.ledger import AccountStatus as LedgerStatus
from strongroom.ledger.queries import PAGE_MAX, TransferQuery
from strongroom.products.stored import StoredProductCatalog
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.batching import Coalescer
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

OPEN = "banking.account.open"
CLOSE = "banking.account.close"
_NAMESPACE = uuid.UUID("9d2b6e41-7c3a-4f08-a5e2-1b8c0d4f7e93")
_MADE = {CreateAccountResult.OK, CreateAccountResult.EXISTS}
_RELEASED = {
    CreateTransferResult.OK,
    CreateTransferResult.EXISTS,
    CreateTransferResult.PENDING_TRANSFER_NOT_PENDING,
}


def account_id_of(tenant: str, reference: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{tenant}/{reference}")


def bank_account(record: AccountRecord, status: LedgerStatus) -> BankAccount:
    return BankAccount(
        id=record.id,
        tenant=record.tenant,
        customer_id=record.customer_id,
        currency=record.currency,
        product=record.product,
        product_version=record.product_version,
        status=AccountStatus(status.value),
        opened_at=record.opened_at,
        closed_at=record.closed_at,
    )


class OpenPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account_id: uuid.UUID
    customer_id: uuid.UUID
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    product: Annotated[str, msgspec.Meta(pattern="^[a-z0-9][a-z0-9_.-]{0,63}$")]


class ClosePayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account_id: uuid.UUID


OPEN_MACHINE = Machine(
    OPEN,
    initial="initiated",
    edges=[
        edge("initiated", "checked", "checked"),
        edge("checked", "created", "created"),
        edge("created", "opened", "opened"),
        edge(("initiated", "checked", "created"), FAIL, "failed"),
    ],
    terminal=("opened", "failed"),
)

CLOSE_MACHINE = Machine(
    CLOSE,
    initial="initiated",
    edges=[
        edge("initiated", "released", "released"),
        edge("released", "closed", "closed"),
        edge(("initiated", "released"), FAIL, "failed"),
    ],
    terminal=("closed", "failed"),
)


class BankDirectory:
    """The `Directory` the payments read customers and accounts through: the bank's rows and
    the ledger's status, the reads of concurrent payments shared (one query each)."""

    def __init__(self, store: BankStore, ledger: Ledger, clock: Clock) -> None:
        self._store = store
        self._ledger = ledger
        self._clock = clock
        self._customers: Coalescer[uuid.UUID, CustomerRecord | None] = Coalescer(
            self._fetch_customers
        )
        self._accounts: Coalescer[uuid.UUID, tuple[AccountRecord, Account] | None] = Coalescer(
            self._fetch_accounts
        )
        self._round_ups: Coalescer[uuid.UUID, uuid.UUID | None] = Coalescer(self._fetch_round_ups)

    async def _fetch_customers(self, ids: Sequence[uuid.UUID]) -> list[CustomerRecord | None]:
        found = {r.id: r for r in await self._store.customers(list(set(ids)))}
        return [found.get(i) for i in ids]

    async def _fetch_accounts(
        self, ids: Sequence[uuid.UUID]
    ) -> list[tuple[AccountRecord, Account] | None]:
        unique = list(set(ids))
        rows = {r.id: r for r in await self._store.accounts(unique)}
        ledger = {a.id: a for a in await self._ledger.lookup_accounts(list(rows))}
        return [(rows[i], ledger[i]) if i in rows and i in ledger else None for i in ids]

    async def _fetch_round_ups(self, ids: Sequence[uuid.UUID]) -> list[uuid.UUID | None]:
        found = {
            p.account_id: p.id for p in await self._store.pots_of(list(set(ids))) if p.round_up
        }
        return [found.get(i) for i in ids]

    async def round_up_pot(self, tenant: str, account_id: uuid.UUID) -> uuid.UUID | None:
        # The pot is the account's, so in the account's tenant: the payment checked that.
        return await self._round_ups.get(account_id)

    async def customer(self, tenant: str, customer_id: uuid.UUID) -> Customer:
        found = await self._customers.get(customer_id)
        if found is None or found.tenant != tenant:
            raise NotFound(f"customer {customer_id} not found")
        return standing(found, self._clock.now_ns())

    async def account(self, tenant: str, account_id: uuid.UUID) -> BankAccount:
        found = await self._accounts.get(account_id)
        if found is None or found[0].tenant != tenant:
            raise NotFound(f"account {account_id} not found")
        record, held = found
        return bank_account(record, held.status)


def open_type(
    store: BankStore, ledger: Ledger, catalog: StoredProductCatalog, clock: Clock
) -> IntentType[OpenPayload]:
    async def check(context: StepContext[OpenPayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        found = await store.customers([p.customer_id])
        if not found or found[0].tenant != tenant:
            raise StepFailed(f"customer {p.customer_id} not found")
        customer = standing(found[0], context.now)
        if customer.erased:
            raise StepFailed(f"customer {p.customer_id} was erased")
        if customer.kyc_status is not KycStatus.VERIFIED:
            raise StepFailed(
                f"customer {p.customer_id} is {customer.kyc_status.value}: only a verified "
                "customer can open an account"
            )
        versions = await catalog.versions(p.product)
        if not versions:
            raise StepFailed(f"no product {p.product!r}")
        definition = await catalog.get(p.product, max(versions))
        if definition.currency != p.currency:
            raise StepFailed(f"product {p.product!r} is in {definition.currency}, not {p.currency}")
        for held in await store.accounts_of(tenant, p.customer_id):
            same = (held.currency, held.product) == (p.currency, p.product)
            if same and held.closed_at is None and held.id != p.account_id:
                raise StepFailed(
                    f"customer {p.customer_id} already has {p.currency} account {held.id} on "
                    f"{p.product}"
                )
        return {"version": definition.version, "overdraft_limit": definition.overdraft_limit}

    async def create(context: StepContext[OpenPayload]) -> Any:
        p = context.payload
        checked = context.results["check"]
        overdraft = checked["overdraft_limit"]
        (made,) = await ledger.create_accounts(
            [
                Account(
                    id=p.account_id,
                    ledger=p.currency,
                    code=codes.CUSTOMER_ACCOUNT,
                    flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                    overdraft_limit=overdraft,
                    metadata={"customer": str(p.customer_id), "product": p.product},
                    tenant=context.intent.tenant,
                )
            ]
        )
        if made not in _MADE:
            raise StepFailed(f"the ledger refused the account: {made.value}")
        await catalog.assign(
            p.account_id,
            p.product,
            checked["version"],
            tenant=context.intent.tenant,
            actor=context.intent.actor or "banking",
        )
        return None

    async def record(context: StepContext[OpenPayload]) -> Any:
        p = context.payload
        now = context.now
        row = AccountRecord(
            id=p.account_id,
            tenant=context.intent.tenant,
            reference=context.intent.reference,
            customer_id=p.customer_id,
            currency=p.currency,
            product=p.product,
            product_version=context.results["check"]["version"],
            opened_at=now,
            closed_at=None,
        )
        data = {
            "account_id": str(p.account_id),
            "customer_id": str(p.customer_id),
            "currency": p.currency,
            "product": p.product,
            "product_version": row.product_version,
        }
        try:
            await store.add_account(
                row,
                events.event(events.ACCOUNT_OPENED, row.tenant, context.intent.actor, now, data),
            )
        except Conflict as conflict:
            raise StepFailed(str(conflict)) from None
        metering.bill(context, metering.ACCOUNTS_OPENED, currency=p.currency, product=p.product)
        return {"account_id": str(p.account_id)}

    return IntentType(
        OPEN,
        OpenPayload,
        OPEN_MACHINE,
        Workflow(
            (
                group(Step("check", check, retry=RETRY), event="checked"),
                group(Step("ledger", create, retry=RETRY), event="created"),
                group(Step("record", record, retry=RETRY), event="opened"),
            )
        ),
        mutex_key=lambda p: f"customer:{p.customer_id}",
        customer=lambda p: str(p.customer_id),
        account=lambda p: str(p.account_id),
        description="Open a verified customer's account on a product.",
        through="POST /v1/banking/customers/{id}/accounts",
    )


async def _holds(ledger: Ledger, account_id: uuid.UUID, tenant: str) -> list[Transfer]:
    """The account's transfers that are holds still pending."""
    pending: list[Transfer] = []
    cursor: str | None = None
    while True:
        page = await ledger.get_account_transfers(
            TransferQuery(account_id, limit=PAGE_MAX, cursor=cursor)
        )
        pending.extend(t for t in page.items if TransferFlags.PENDING in t.flags)
        cursor = page.next_cursor
        if cursor is None:
            break
    states = await ledger.lookup_pending_transfers([t.id for t in pending], tenant=tenant)
    live = {p.id for p in states if p.state is PendingState.PENDING}
    return [t for t in pending if t.id in live]


def close_type(store: BankStore, ledger: Ledger) -> IntentType[ClosePayload]:
    async def release(context: StepContext[ClosePayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        rows = await store.accounts([p.account_id])
        if not rows or rows[0].tenant != tenant:
            raise StepFailed(f"account {p.account_id} not found")
        holds = await _holds(ledger, p.account_id, tenant)
        voids = [
            Transfer(
                id=context.transfer_id(str(t.id)),
                debit_account_id=t.debit_account_id,
                credit_account_id=t.credit_account_id,
                amount=t.amount,
                ledger=t.ledger,
                code=t.code,
                flags=TransferFlags.VOID_PENDING,
                pending_id=t.id,
                metadata={"description": "released: the account was closed"},
                tenant=tenant,
            )
            for t in holds
        ]
        results = await ledger.create_transfers(voids) if voids else []
        refused = sorted({r.value for r in results if r not in _RELEASED})
        if refused:
            raise StepFailed(f"releasing the holds: {', '.join(refused)}", retryable=True)
        return {"released": [str(t.pending_id) for t in voids]}

    async def close(context: StepContext[ClosePayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        (held,) = await ledger.lookup_accounts([p.account_id])
        if held.status is not LedgerStatus.CLOSED:
            pots = await store.pots_of([p.account_id])
            standing = await ledger.lookup_accounts([pot.id for pot in pots]) if pots else []
            kept = sorted(str(a.id) for a in standing if a.status is not LedgerStatus.CLOSED)
            if kept:
                raise StepFailed(f"account {p.account_id} has pots not closed: {', '.join(kept)}")
            if held.balance or held.debits_pending or held.credits_pending:
                raise StepFailed(
                    f"account {p.account_id} holds {held.balance}: move it out before closing"
                )
            try:
                await ledger.set_account_status(p.account_id, LedgerStatus.CLOSED, tenant=tenant)
            except Conflict as conflict:
                raise StepFailed(str(conflict)) from None
        (row,) = await store.accounts([p.account_id])
        if row.closed_at is None:
            now = context.now
            data = {"account_id": str(p.account_id), "status": AccountStatus.CLOSED.value}
            await store.update_account(
                replace(row, closed_at=now),
                now,
                events.event(events.ACCOUNT_STATUS, tenant, context.intent.actor, now, data),
            )
        return None

    return IntentType(
        CLOSE,
        ClosePayload,
        CLOSE_MACHINE,
        Workflow(
            (
                group(Step("release", release, retry=RETRY), event="released"),
                group(Step("close", close, retry=RETRY), event="closed"),
            )
        ),
        mutex_key=lambda p: f"account:{p.account_id}",
        account=lambda p: str(p.account_id),
        description="Close an account: release its holds; refused unless its balance is zero.",
        through="POST /v1/banking/accounts/{id}/closure",
    )


@dataclass(frozen=True, slots=True)
class AccountView:
    account: BankAccount
    #: The ledger account: its four counters and overdraft limit.
    ledger: Account


class AccountService:
    def __init__(
        self,
        store: BankStore,
        ledger: Ledger,
        catalog: StoredProductCatalog,
        intents: IntentService,
        clock: Clock,
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.catalog = catalog
        self.intents = intents
        self.clock = clock

    async def open(
        self,
        who: Principal,
        reference: str,
        customer_id: uuid.UUID,
        currency: str,
        product: str,
    ) -> tuple[uuid.UUID, Intent, bool]:
        """Submit the opening of an account; its id (derived from the reference) at once."""
        with acting(who, Role.WRITE):
            found = await self.store.customers([customer_id])
            if not found or found[0].tenant != who.tenant:
                raise NotFound(f"customer {customer_id} not found")
            account_id = account_id_of(who.tenant, reference)
            body = {
                "account_id": str(account_id),
                "customer_id": str(customer_id),
                "currency": currency,
                "product": product,
            }
            with as_sent():
                submitted = await self.intents.submit_checked(who, OPEN, reference, body)
            return account_id, submitted.intent, submitted.created

    async def show(self, who: Principal, account_id: uuid.UUID) -> AccountView:
        with acting(who, Role.READ):
            record = await self._record(who, account_id)
            (held,) = await self.ledger.lookup_accounts([account_id])
            return AccountView(bank_account(record, held.status), held)

    async def of_customer(self, who: Principal, customer_id: uuid.UUID) -> list[AccountView]:
        with acting(who, Role.READ):
            records = await self.store.accounts_of(who.tenant, customer_id)
            held = {a.id: a for a in await self.ledger.lookup_accounts([r.id for r in records])}
            return [AccountView(bank_account(r, held[r.id].status), held[r.id]) for r in records]

    async def set_status(
        self, who: Principal, account_id: uuid.UUID, status: str, reason: str
    ) -> AccountView:
        """Freeze (no money moves in or out; holds may still be released) or unfreeze."""
        with acting(who, Role.WRITE):
            wanted = {"frozen": LedgerStatus.FROZEN, "open": LedgerStatus.OPEN}.get(status)
            if wanted is None:
                raise ValidationError("status", "frozen or open (closing is `close`)")
            if not reason.strip():
                raise ValidationError("reason", "must not be blank")
            record = await self._record(who, account_id)
            held = await self.ledger.set_account_status(account_id, wanted, tenant=who.tenant)
            now = self.clock.now_ns()
            data = {"account_id": str(account_id), "status": wanted.value, "reason": reason}
            await self.store.update_account(
                record, now, events.event(events.ACCOUNT_STATUS, who.tenant, who.id, now, data)
            )
            return AccountView(bank_account(record, held.status), held)

    async def close(
        self, who: Principal, account_id: uuid.UUID, reference: str
    ) -> tuple[Intent, bool]:
        """Submit the closing of an account (its holds released; refused unless at zero)."""
        with acting(who, Role.WRITE):
            await self._record(who, account_id)
            body = {"account_id": str(account_id)}
            submitted = await self.intents.submit_checked(who, CLOSE, reference, body)
            return submitted.intent, submitted.created

    async def repin(
        self, who: Principal, account_id: uuid.UUID, version: int, reason: str
    ) -> AccountView:
        """Admin role: move the account to another version of its product, audited."""
        with acting(who, Role.ADMIN):
            record = await self._record(who, account_id)
            moved = await self.catalog.migrate(account_id, version, reason=reason, actor=who.id)
            now = self.clock.now_ns()
            changed = replace(record, product_version=moved.version)
            data = {
                "account_id": str(account_id),
                "product": record.product,
                "before": record.product_version,
                "after": moved.version,
                "reason": reason,
            }
            await self.store.update_account(
                changed, now, events.event(events.ACCOUNT_REPINNED, who.tenant, who.id, now, data)
            )
            (held,) = await self.ledger.lookup_accounts([account_id])
            return AccountView(bank_account(changed, held.status), held)

    async def _record(self, who: Principal, account_id: uuid.UUID) -> AccountRecord:
        found = await self.store.accounts([account_id])
        if not found or found[0].tenant != who.tenant:
            raise NotFound(f"account {account_id} not found")
        return found[0]
