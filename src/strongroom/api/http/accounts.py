"""/v1/accounts: create (batch), show, list, an account's transfers and balances, status."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from strongroom.api.http.auth import Caller, Service
from strongroom.api.http.models import (
    AccountOut,
    AccountPage,
    AccountResult,
    AccountResults,
    BalanceOut,
    BalancePage,
    CreateAccounts,
    StatusChange,
    TransferOut,
    TransferPage,
)
from strongroom.api.http.problems import RESPONSES
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.ledger import PAGE_MAX, AccountFilter, AccountStatus, HistoryQuery, TransferQuery
from strongroom.ledger.queries import INT64_MAX
from strongroom.ledger.rules import CODE_MAX

router = APIRouter(
    prefix="/v1/accounts", tags=["accounts"], responses=RESPONSES, route_class=JsonBodyRoute
)

Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description="Items per page")]
# The patterns are exactly the cursors the ledger reads back: an account id, or a `seq` below
# 2**63 as 8 bytes of unpadded base64url (a first character past `f` sets the top bit).
AccountCursor = Annotated[
    str | None,
    Query(
        pattern="^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="next_cursor of the last page",
    ),
]
SeqCursor = Annotated[
    str | None,
    Query(pattern="^[A-Za-f][A-Za-z0-9_-]{10}$", description="next_cursor of the last page"),
]
Seq = Annotated[int | None, Query(ge=0, le=INT64_MAX)]
Nanos = Annotated[int | None, Query(ge=0, le=INT64_MAX, description="ns since the epoch")]
Reverse = Annotated[bool, Query(description="Newest first")]
# The codes an account or transfer can have: a larger filter would match nothing, and PostgreSQL
# refuses one beyond its INTEGER column outright.
Code = Annotated[int | None, Query(ge=0, le=CODE_MAX)]


@router.post("", response_model=AccountResults, summary="Create accounts (batch)")
async def create_accounts(body: CreateAccounts, caller: Caller, service: Service) -> AccountResults:
    """One result per account, in order: `ok`, `exists`, or the ledger's error code. The
    accounts belong to the key's tenant."""
    results = await service.create_accounts(caller, [a.spec() for a in body.accounts])
    return AccountResults(
        results=[
            AccountResult(index=i, id=a.id, result=r)
            for i, (a, r) in enumerate(zip(body.accounts, results, strict=True))
        ]
    )


@router.get("", response_model=AccountPage, summary="List the tenant's accounts")
async def list_accounts(
    caller: Caller,
    service: Service,
    limit: Limit = 100,
    cursor: AccountCursor = None,
    ledger: Annotated[str | None, Query(max_length=16)] = None,
    code: Code = None,
    status: AccountStatus | None = None,
) -> AccountPage:
    """Accounts by id, only those of `ledger`, `code` and `status` when given; follow
    `next_cursor` until it is null."""
    query = AccountFilter(ledger=ledger, code=code, status=status, limit=limit, cursor=cursor)
    page = await service.list_accounts(caller, query)
    return AccountPage(items=[AccountOut.of(a) for a in page.items], next_cursor=page.next_cursor)


@router.get("/{id}", response_model=AccountOut, summary="Show an account")
async def get_account(id: uuid.UUID, caller: Caller, service: Service) -> AccountOut:
    return AccountOut.of(await service.get_account(caller, id))


@router.post("/{id}/status", response_model=AccountOut, summary="Freeze, unfreeze or close")
async def set_status(
    id: uuid.UUID, body: StatusChange, caller: Caller, service: Service
) -> AccountOut:
    """Admin only. Closing needs a zero balance and no reservations (else 409 conflict)."""
    return AccountOut.of(await service.set_account_status(caller, id, body.status))


@router.get("/{id}/transfers", response_model=TransferPage, summary="An account's transfers")
async def account_transfers(
    id: uuid.UUID,
    caller: Caller,
    service: Service,
    direction: Literal["debits", "credits", "both"] = "both",
    seq_min: Seq = None,
    seq_max: Seq = None,
    timestamp_min: Nanos = None,
    timestamp_max: Nanos = None,
    code: Code = None,
    limit: Limit = 100,
    reverse: Reverse = False,
    cursor: SeqCursor = None,
) -> TransferPage:
    query = TransferQuery(
        id,
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
    page = await service.account_transfers(caller, query)
    return TransferPage(items=[TransferOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/{id}/balances", response_model=BalancePage, summary="Balances over time")
async def account_balances(
    id: uuid.UUID,
    caller: Caller,
    service: Service,
    seq_min: Seq = None,
    seq_max: Seq = None,
    timestamp_min: Nanos = None,
    timestamp_max: Nanos = None,
    limit: Limit = 100,
    reverse: Reverse = False,
    cursor: SeqCursor = None,
) -> BalancePage:
    """The counters after each change, for accounts created with the `history` flag. The
    balance at a point in time T: `timestamp_max=T&reverse=true&limit=1`."""
    query = HistoryQuery(
        id,
        seq_min=seq_min,
        seq_max=seq_max,
        timestamp_min=timestamp_min,
        timestamp_max=timestamp_max,
        limit=limit,
        reverse=reverse,
        cursor=cursor,
    )
    page = await service.account_balances(caller, query)
    return BalancePage(items=[BalanceOut.of(b) for b in page.items], next_cursor=page.next_cursor)
