"""The one service layer both transports call: authenticate, authorize, scope to the caller's
tenant, call the ledger, and raise strongroom.errors for the transports to render.

Tenant isolation lives here and only here: created accounts and transfers get the tenant of the
key (a body never chooses it), every lookup passes `tenant=`, and another tenant's id is
reported exactly like an id that does not exist (NotFound), so a tenant cannot even learn that
it exists.

Roles: `read` may look up and list; `write` may also create accounts and transfers; `admin` may
also freeze, unfreeze and close accounts and manage the API keys of its own tenant.

May import the ledger and api.keys; never the transports.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal

from strongroom.api.keys import ApiKey, KeyStore, NewKey, Role
from strongroom.errors import NotFound, PermissionDenied, ValidationError
from strongroom.ids import NIL
from strongroom.ledger import (
    Account,
    AccountBalance,
    AccountFilter,
    AccountStatus,
    CreateAccountResult,
    CreateTransferResult,
    HistoryQuery,
    Ledger,
    Page,
    Transfer,
    TransferQuery,
)
from strongroom.tracing import Actor, bound, current_trace_id

Direction = Literal["debits", "credits", "both"]

#: The caller, as its API key says.
Principal = ApiKey


def _acting(who: Principal, needed: Role) -> AbstractContextManager[str]:
    """Check the role, and return the context to run in: the caller's actor, so that ledger
    events name the key. Returned as is rather than wrapped in a generator of our own: one
    context manager per service call, not two (~1 µs)."""
    if not who.role.allows(needed):
        raise PermissionDenied(
            f"this operation needs the {needed.value} role; the key has {who.role.value}"
        )
    return bound(current_trace_id(), Actor(who.tenant, who.id))


def _build(
    kind: type[Any], name: str, specs: Sequence[Mapping[str, Any]], tenant: str
) -> list[Any]:
    items = []
    for index, spec in enumerate(specs):
        try:
            items.append(kind(**spec, tenant=tenant))
        except ValidationError as error:
            raise ValidationError(f"{name}[{index}].{error.field}", error.reason) from None
    return items


class LedgerService:
    def __init__(self, ledger: Ledger, keys: KeyStore) -> None:
        self.ledger = ledger
        self.keys = keys

    async def authenticate(self, token: str | None) -> Principal:
        return await self.keys.authenticate(token)

    # -- accounts -------------------------------------------------------------------------

    async def create_accounts(
        self, who: Principal, specs: Sequence[Mapping[str, Any]]
    ) -> list[CreateAccountResult]:
        """`specs`: Account fields without `tenant`; the key's tenant is set on each."""
        with _acting(who, Role.WRITE):
            accounts: list[Account] = _build(Account, "accounts", specs, who.tenant)
            return await self.ledger.create_accounts(accounts)

    async def get_account(self, who: Principal, account_id: uuid.UUID) -> Account:
        with _acting(who, Role.READ):
            found = await self.ledger.lookup_accounts([account_id], tenant=who.tenant)
            if not found:
                raise NotFound(f"account {account_id} not found")
            return found[0]

    async def list_accounts(
        self,
        who: Principal,
        *,
        limit: int = 100,
        cursor: str | None = None,
        ledger: str | None = None,
        code: int | None = None,
        status: AccountStatus | None = None,
    ) -> Page[Account]:
        """The tenant's accounts by id."""
        with _acting(who, Role.READ):
            query = AccountFilter(
                ledger=ledger, code=code, status=status, limit=limit, cursor=cursor
            )
            return await self.ledger.list_accounts(query, tenant=who.tenant)

    async def set_account_status(
        self, who: Principal, account_id: uuid.UUID, status: AccountStatus
    ) -> Account:
        with _acting(who, Role.ADMIN):
            return await self.ledger.set_account_status(account_id, status, tenant=who.tenant)

    # -- transfers ------------------------------------------------------------------------

    async def create_transfers(
        self, who: Principal, specs: Sequence[Mapping[str, Any]]
    ) -> list[CreateTransferResult]:
        """`specs`: Transfer fields without `tenant`. The ledger itself refuses accounts of
        another tenant with `account_not_found`, the same code as for a missing account."""
        with _acting(who, Role.WRITE):
            transfers: list[Transfer] = _build(Transfer, "transfers", specs, who.tenant)
            return await self.ledger.create_transfers(transfers)

    async def get_transfer(self, who: Principal, transfer_id: uuid.UUID) -> Transfer:
        with _acting(who, Role.READ):
            found = await self.ledger.lookup_transfers([transfer_id], tenant=who.tenant)
            if not found:
                raise NotFound(f"transfer {transfer_id} not found")
            return found[0]

    async def _own_account(self, who: Principal, account_id: uuid.UUID) -> None:
        if account_id == NIL or not await self.ledger.lookup_accounts(
            [account_id], tenant=who.tenant
        ):
            raise NotFound(f"account {account_id} not found")

    async def account_transfers(
        self,
        who: Principal,
        account_id: uuid.UUID,
        *,
        direction: Direction = "both",
        seq_min: int | None = None,
        seq_max: int | None = None,
        timestamp_min: int | None = None,
        timestamp_max: int | None = None,
        code: int | None = None,
        limit: int = 100,
        reverse: bool = False,
        cursor: str | None = None,
    ) -> Page[Transfer]:
        with _acting(who, Role.READ):
            # Transfers only ever join accounts of one tenant, so owning the account is enough.
            await self._own_account(who, account_id)
            return await self.ledger.get_account_transfers(
                TransferQuery(
                    account_id,
                    direction=direction,
                    seq_min=seq_min,
                    seq_max=seq_max,
                    timestamp_min=timestamp_min,
                    timestamp_max=timestamp_max,
                    code=code,
                    limit=limit,
                    reverse=reverse,
                    cursor=cursor,
                )
            )

    async def account_balances(
        self,
        who: Principal,
        account_id: uuid.UUID,
        *,
        seq_min: int | None = None,
        seq_max: int | None = None,
        timestamp_min: int | None = None,
        timestamp_max: int | None = None,
        limit: int = 100,
        reverse: bool = False,
        cursor: str | None = None,
    ) -> Page[AccountBalance]:
        """Balances after each change (accounts with the `history` flag). The balance at a
        point in time T: `timestamp_max=T, reverse=True, limit=1`."""
        with _acting(who, Role.READ):
            await self._own_account(who, account_id)
            return await self.ledger.get_account_balances(
                HistoryQuery(
                    account_id,
                    seq_min=seq_min,
                    seq_max=seq_max,
                    timestamp_min=timestamp_min,
                    timestamp_max=timestamp_max,
                    limit=limit,
                    reverse=reverse,
                    cursor=cursor,
                )
            )

    # -- keys (admin, within the caller's tenant) ------------------------------------------

    async def create_key(self, who: Principal, role: Role, name: str = "") -> NewKey:
        with _acting(who, Role.ADMIN):
            return await self.keys.create(who.tenant, role, name)

    async def list_keys(self, who: Principal) -> list[ApiKey]:
        with _acting(who, Role.ADMIN):
            return await self.keys.list(who.tenant)

    async def revoke_key(self, who: Principal, key_id: str) -> ApiKey:
        with _acting(who, Role.ADMIN):
            return await self.keys.revoke(key_id, tenant=who.tenant)

    # -- health ---------------------------------------------------------------------------

    async def ready(self) -> bool:
        """True when the database answers a read."""
        await self.ledger.lookup_accounts([NIL])
        return True
