"""The console's account page: the ledger's counters and balance, the bank's side of the account
(customer, product, status) when it is a customer's, a chart of the balance over its latest
movements, its transfers a page at a time with filters, and a form to pay from it.

An account of the bank's own (fee income, funding) or a pot is a ledger account without a bank
row: its page shows the ledger's side only, and no payment form (payments are between customer
accounts). Reads and the payment go through the same services as the APIs, with the signed-in
key: another tenant's account is a NotFound, shown as the 404 page."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from markupsafe import Markup

from strongroom.api.console.charts import line
from strongroom.api.console.rendering import money, page
from strongroom.api.console.routing import Console, ConsoleRoute, Form, Staff, redirect
from strongroom.banking.statements import describe
from strongroom.banking.types import AccountStatus, BankAccount
from strongroom.days import day_of, day_start
from strongroom.errors import NotFound, ValidationError
from strongroom.ledger import Account, Transfer, TransferFlags
from strongroom.ledger.queries import TransferQuery
from strongroom.money import AMOUNT_MAX
from strongroom.products.rounding import to_minor
from strongroom.services.access import Principal, Role, require

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Transfers a page of the table shows.
PAGE = 50
#: The newest movements the balance chart is drawn from: weeks of a customer's account, and one
#: bounded read of a hot one's log.
CHART_MOVEMENTS = 500

#: What moved nothing posted: a hold reserves, its release gives the reservation back.
_UNPOSTED = TransferFlags.PENDING | TransferFlags.VOID_PENDING
#: Digits and at most one decimal point: no sign, exponent, separator or NaN to misread.
_AMOUNT = re.compile(r"[0-9]{1,19}(?:\.[0-9]{1,19})?")


def signed(transfer: Transfer, account_id: uuid.UUID) -> int:
    """`transfer`'s amount from the account's side: a credit raises its balance."""
    return transfer.amount if transfer.credit_account_id == account_id else -transfer.amount


def kind(transfer: Transfer) -> str:
    if TransferFlags.PENDING in transfer.flags:
        return "hold"
    if TransferFlags.VOID_PENDING in transfer.flags:
        return "hold released"
    if TransferFlags.POST_PENDING in transfer.flags:
        return "hold posted"
    return "posted"


def balance_points(
    account_id: uuid.UUID, balance: int, newest_first: Sequence[Transfer], until: int
) -> list[tuple[int, int]]:
    """(ns, posted balance) oldest first, from the account's transfers newest first and
    `balance`, the posted balance right after the newest: the balance before the oldest
    movement, after each movement, and held until `until`."""
    points: list[tuple[int, int]] = []
    for transfer in newest_first:
        if transfer.flags & _UNPOSTED:
            continue
        points.append((transfer.timestamp, balance))
        balance -= signed(transfer, account_id)
    if not points:
        return []
    points.append((points[-1][0], balance))
    points.reverse()
    if until > points[-1][0]:
        points.append((until, points[-1][1]))
    return points


def balance_chart(
    points: Sequence[tuple[int, int]], currency: str, *, width: int = 640, height: int = 160
) -> Markup:
    """`points` (ns, balance) as a step line (a balance holds between movements); its title and
    label give the range in words. Empty for fewer than two points."""
    if len(points) < 2:
        return Markup("")
    t0, t1 = points[0][0], points[-1][0]
    balances = [b for _, b in points]
    summary = (
        f"Balance from {money(balances[0], currency)} on {day_of(t0)} "
        f"to {money(balances[-1], currency)} on {day_of(t1)}; "
        f"lowest {money(min(balances), currency)}, highest {money(max(balances), currency)}."
    )
    return line(points, summary, step=True, width=width, height=height)


def minor_units(text: str, currency: str) -> int:
    """An amount typed in major units (`12.50`) as minor units of `currency` (1250), exactly
    (Decimal, never float): more decimals than the currency's ISO 4217 exponent is refused,
    never rounded."""
    text = text.strip()
    if not _AMOUNT.fullmatch(text):
        raise ValidationError("amount", f"an amount in {currency} like 12.50, digits and a point")
    amount = to_minor(Decimal(text), currency, "amount")
    if not 0 < amount <= AMOUNT_MAX:
        raise ValidationError("amount", "must be more than 0 and at most 2^63-1 minor units")
    return amount


def _account_id(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise ValidationError(
            field, "an account id, like 0192f5a0-0000-7000-8000-000000000001"
        ) from None


#: The days the ledger's nanosecond timestamps (signed 64-bit, from 1970) can name.
_DAYS = (datetime.date(1970, 1, 1), datetime.date(2261, 12, 31))


def _day(text: str, field: str) -> datetime.date | None:
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, "a date like 2026-12-05") from None
    if not _DAYS[0] <= day <= _DAYS[1]:
        raise ValidationError(field, f"a date from {_DAYS[0]} to {_DAYS[1]}")
    return day


async def _held(
    console: Console, who: Principal, account_id: uuid.UUID
) -> tuple[BankAccount | None, Account]:
    """The bank's account (None for the bank's own accounts and pots) and the ledger's."""
    try:
        view = await console.banking.accounts.show(who, account_id)
    except NotFound:
        return None, await console.ledger.get_account(who, account_id)
    return view.account, view.ledger


async def _chart(
    console: Console,
    who: Principal,
    account: Account,
    timestamp_min: int | None,
    timestamp_max: int | None,
    until: int,
) -> Markup:
    newest = await console.ledger.account_transfers(
        who,
        TransferQuery(
            account.id,
            timestamp_min=timestamp_min,
            timestamp_max=timestamp_max,
            limit=CHART_MOVEMENTS,
            reverse=True,
        ),
    )
    if not newest.items:
        return Markup("")
    # The balance as of exactly the newest transfer read: a transfer committed since cannot
    # shift the points.
    after = await console.ledger.ledger.balance_at(account.id, seq=newest.items[0].seq)
    balance = after.credits_posted - after.debits_posted
    return balance_chart(balance_points(account.id, balance, newest.items, until), account.ledger)


@router.get("/console/accounts/{account_id}")
async def account(
    request: Request,
    console: Console,
    staff: Staff,
    account_id: uuid.UUID,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    direction: Literal["both", "credits", "debits"] = "both",
    cursor: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    who = staff.principal
    first, last = _day(start, "from"), _day(end, "to")
    timestamp_min = None if first is None else day_start(first)
    # `to` is the last day shown, included: up to the instant before the next day begins.
    timestamp_max = None if last is None else day_start(last + datetime.timedelta(days=1)) - 1
    bank, held = await _held(console, who, account_id)
    transfers = await console.ledger.account_transfers(
        who,
        TransferQuery(
            account_id,
            direction=direction,
            timestamp_min=timestamp_min,
            timestamp_max=timestamp_max,
            limit=PAGE,
            reverse=True,
            cursor=cursor or None,
        ),
    )
    now = console.clock.now_ns()
    until = now if timestamp_max is None else min(now, timestamp_max)
    return page(
        request,
        "account.html",
        bank=bank,
        held=held,
        chart=await _chart(console, who, held, timestamp_min, timestamp_max, until),
        chart_movements=CHART_MOVEMENTS,
        transfers=[(t, signed(t, account_id), kind(t), describe(t)) for t in transfers.items],
        next_cursor=transfers.next_cursor,
        filters={"from": start, "to": end, "direction": direction},
        # Only what a payment could come from: a customer's account that is open.
        can_pay=bank is not None
        and bank.status is AccountStatus.OPEN
        and who.role.allows(Role.WRITE),
        payment_reference=str(uuid.uuid4()),
    )


@router.post("/console/accounts/{account_id}/payments")
async def pay(console: Console, staff: Staff, form: Form, account_id: uuid.UUID) -> Response:
    who = staff.principal
    # Before any lookup: a reader must not learn which accounts exist from the answers.
    require(who, Role.WRITE)
    payer = (await console.banking.accounts.show(who, account_id)).account
    payee = _account_id(form.get("to_account", ""), "to_account")
    try:
        await console.banking.accounts.show(who, payee)
    except NotFound:
        # Told now, rather than by a payment failing once submitted.
        raise ValidationError("to_account", f"no account {payee} in this bank") from None
    amount = minor_units(form.get("amount", ""), payer.currency)
    payment, _ = await console.banking.payments.pay(
        who,
        form.get("reference", ""),
        {
            "debit_account_id": str(account_id),
            "credit_account_id": str(payee),
            "amount": amount,
            "currency": payer.currency,
            "description": form.get("description", ""),
            "channel": "console",
        },
    )
    return redirect(f"/console/intents/{payment.intent.id}")
