"""The console's customers pages: a search by email, phone or national id (the bank's blind
indexes: the values are never stored in clear, so there is no search by part of a value), and a
customer's profile with the KYC standing, risk rating, accounts, pots and beneficiaries.

Every read goes through the bank's services with the signed-in key: another tenant's customer is
a NotFound, shown as the 404 page."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from strongroom.api.console.rendering import page
from strongroom.api.console.routing import Console, ConsoleRoute, Staff
from strongroom.banking.customers import EMAIL, PHONE, CustomerView
from strongroom.banking.pots import PotView
from strongroom.banking.types import KycStatus
from strongroom.errors import NotFound

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Customers a page of the listing (no search) shows.
PAGE = 50

#: How a KYC standing reads on a page: a word first, its colour only repeating it.
KYC_STATE = {
    KycStatus.VERIFIED: "good",
    KycStatus.PENDING: "wait",
    KycStatus.REJECTED: "bad",
    KycStatus.EXPIRED: "bad",
}


async def _search(console: Console, staff: Staff, q: str) -> list[CustomerView]:
    """The customers `q` identifies: an id, an email, or a phone number or national id (a
    value of digits may be either, so both indexes are asked)."""
    who = staff.principal
    customers = console.banking.customers
    try:
        return [await customers.show(who, uuid.UUID(q))]
    except ValueError:
        pass
    except NotFound:
        return []
    if re.fullmatch(EMAIL, q):
        return (await customers.find(who, email=q))[0]
    found = {v.customer.id: v for v in (await customers.find(who, national_id=q))[0]}
    if re.fullmatch(PHONE, q):
        found |= {v.customer.id: v for v in (await customers.find(who, phone=q))[0]}
    return sorted(found.values(), key=lambda v: v.record.seq, reverse=True)


@router.get("/console/customers")
async def customers(
    request: Request,
    console: Console,
    staff: Staff,
    q: Annotated[str, Query(max_length=320)] = "",
    cursor: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    q = q.strip()
    more = None
    if q:
        found = await _search(console, staff, q)
    else:
        found, more = await console.banking.customers.find(
            staff.principal, cursor=cursor, limit=PAGE
        )
    return page(request, "customers.html", q=q, found=found, more=more, kyc_state=KYC_STATE)


@router.get("/console/customers/{customer_id}")
async def customer(
    request: Request, console: Console, staff: Staff, customer_id: uuid.UUID
) -> Response:
    who, bank = staff.principal, console.banking
    view = await bank.customers.show(who, customer_id)
    accounts = await bank.accounts.of_customer(who, customer_id)
    pots: list[PotView] = []
    for held in accounts:
        # A closed account's pots were closed with it (and the pot service refuses to list them).
        if held.account.closed_at is None:
            pots.extend(await bank.pots.of_account(who, held.account.id))
    return page(
        request,
        "customers_profile.html",
        view=view,
        accounts=accounts,
        pots=pots,
        beneficiaries=await bank.beneficiaries.of_customer(who, customer_id),
        now=console.clock.now_ns(),
        kyc_state=KYC_STATE,
    )
