"""`LedgerService`: the ledger as the API and the CLI use it. Checks the caller's role, scopes
every call to the caller's tenant, calls the ledger, and raises strongroom.errors for the
transports to render.

Tenant isolation lives here and only here: created accounts and transfers get the tenant of the
key (a spec has no tenant field to choose another), every lookup passes `tenant=`, and another
tenant's id is reported exactly like an id that does not exist (NotFound), so a tenant cannot
even learn that it exists.

Roles: `read` may look up and list; `write` may also create accounts and transfers; `admin` may
also freeze, unfreeze and close accounts (and manage keys, see services.access).

Every use case runs in a span `ledger.<method>` (`ledger.create_transfers`) when a tracer provider
is installed (strongroom.tracing), a child of the request's span.

May import the ledger and services.access; never strongroom.store nor the transports.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from strongroom.errors import NotFound, ValidationError
from strongroom.ids import NIL
from strongroom.ledger import (
    Account,
    AccountBalance,
    AccountFilter,
    AccountFlags,
    AccountStatus,
    CreateAccountResult,
    CreateTransferResult,
    HistoryQuery,
    Ledger,
    Page,
    Transfer,
    TransferFlags,
    TransferQuery,
)
from strongroom.ledger.types import Metadata, as_flags
from strongroom.services.access import Principal, Role, acting
from strongroom.tracing import get_tracer, traced

_TRACER = get_tracer(__name__)


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """An account to create, as a caller asks for it: `Account`'s fields without the tenant
    (the caller's) and what the ledger keeps (status, counters, timestamp). Checked when the
    account is built; an error names the item (`accounts[3].flags`)."""

    id: uuid.UUID
    ledger: str
    code: int
    #: AccountFlags bits.
    flags: int = 0
    overdraft_limit: int = 0
    metadata: Metadata = None


class TransferSpec(msgspec.Struct, frozen=True):
    """A transfer to create, as a caller asks for it: `Transfer`'s fields without the tenant
    (the caller's) and what the ledger assigns (timestamp, seq). Checked when the transfer is
    built; an error names the item (`transfers[3].amount`). A msgspec Struct, like Transfer: one
    is built per transfer of every request."""

    id: uuid.UUID
    debit_account_id: uuid.UUID = NIL
    credit_account_id: uuid.UUID = NIL
    amount: int = 0
    ledger: str = ""
    code: int = 0
    #: TransferFlags bits.
    flags: int = 0
    pending_id: uuid.UUID | None = None
    timeout: int = 0
    metadata: Metadata = None


def _accounts(specs: Sequence[AccountSpec], tenant: str) -> list[Account]:
    accounts = []
    for index, s in enumerate(specs):
        try:
            accounts.append(
                Account(
                    id=s.id,
                    ledger=s.ledger,
                    code=s.code,
                    flags=as_flags(AccountFlags, s.flags),
                    overdraft_limit=s.overdraft_limit,
                    metadata=s.metadata,
                    tenant=tenant,
                )
            )
        except ValidationError as error:
            raise ValidationError(f"accounts[{index}].{error.field}", error.reason) from None
    return accounts


def _transfers(specs: Sequence[TransferSpec], tenant: str) -> list[Transfer]:
    transfers = []
    for index, s in enumerate(specs):
        try:
            transfers.append(
                Transfer(
                    id=s.id,
                    debit_account_id=s.debit_account_id,
                    credit_account_id=s.credit_account_id,
                    amount=s.amount,
                    ledger=s.ledger,
                    code=s.code,
                    flags=as_flags(TransferFlags, s.flags),
                    pending_id=s.pending_id,
                    timeout=s.timeout,
                    metadata=s.metadata,
                    tenant=tenant,
                )
            )
        except ValidationError as error:
            raise ValidationError(f"transfers[{index}].{error.field}", error.reason) from None
    return transfers


class LedgerService:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # -- accounts -------------------------------------------------------------------------

    @traced(_TRACER, "ledger.create_accounts")
    async def create_accounts(
        self, who: Principal, specs: Sequence[AccountSpec]
    ) -> list[CreateAccountResult]:
        with acting(who, Role.WRITE):
            return await self.ledger.create_accounts(_accounts(specs, who.tenant))

    @traced(_TRACER, "ledger.get_account")
    async def get_account(self, who: Principal, account_id: uuid.UUID) -> Account:
        with acting(who, Role.READ):
            found = await self.ledger.lookup_accounts([account_id], tenant=who.tenant)
            if not found:
                raise NotFound(f"account {account_id} not found")
            return found[0]

    async def lookup_accounts(
        self, who: Principal, account_ids: Sequence[uuid.UUID]
    ) -> list[Account]:
        """Those of `account_ids` that are the tenant's accounts (others are left out)."""
        with acting(who, Role.READ):
            return await self.ledger.lookup_accounts(list(account_ids), tenant=who.tenant)

    @traced(_TRACER, "ledger.list_accounts")
    async def list_accounts(
        self, who: Principal, query: AccountFilter | None = None
    ) -> Page[Account]:
        """The tenant's accounts by id."""
        with acting(who, Role.READ):
            return await self.ledger.list_accounts(query, tenant=who.tenant)

    @traced(_TRACER, "ledger.set_account_status")
    async def set_account_status(
        self, who: Principal, account_id: uuid.UUID, status: AccountStatus
    ) -> Account:
        with acting(who, Role.ADMIN):
            return await self.ledger.set_account_status(account_id, status, tenant=who.tenant)

    # -- transfers ------------------------------------------------------------------------

    @traced(_TRACER, "ledger.create_transfers")
    async def create_transfers(
        self, who: Principal, specs: Sequence[TransferSpec]
    ) -> list[CreateTransferResult]:
        """The ledger itself refuses accounts of another tenant with `account_not_found`, the
        same code as for a missing account."""
        with acting(who, Role.WRITE):
            return await self.ledger.create_transfers(_transfers(specs, who.tenant))

    @traced(_TRACER, "ledger.get_transfer")
    async def get_transfer(self, who: Principal, transfer_id: uuid.UUID) -> Transfer:
        with acting(who, Role.READ):
            found = await self.ledger.lookup_transfers([transfer_id], tenant=who.tenant)
            if not found:
                raise NotFound(f"transfer {transfer_id} not found")
            return found[0]

    async def _own_account(self, who: Principal, account_id: uuid.UUID) -> None:
        if account_id == NIL or not await self.ledger.lookup_accounts(
            [account_id], tenant=who.tenant
        ):
            raise NotFound(f"account {account_id} not found")

    @traced(_TRACER, "ledger.account_transfers")
    async def account_transfers(self, who: Principal, query: TransferQuery) -> Page[Transfer]:
        with acting(who, Role.READ):
            # Transfers only ever join accounts of one tenant, so owning the account is enough.
            await self._own_account(who, query.account_id)
            return await self.ledger.get_account_transfers(query)

    @traced(_TRACER, "ledger.account_balances")
    async def account_balances(self, who: Principal, query: HistoryQuery) -> Page[AccountBalance]:
        """Balances after each change (accounts with the `history` flag). The balance at a
        point in time T: `timestamp_max=T, reverse=True, limit=1`."""
        with acting(who, Role.READ):
            await self._own_account(who, query.account_id)
            return await self.ledger.get_account_balances(query)

    # -- health ---------------------------------------------------------------------------

    async def ready(self) -> bool:
        """True when the database answers a read."""
        await self.ledger.lookup_accounts([NIL])
        return True
