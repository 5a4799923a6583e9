"""Account statements: for an account and a period of UTC days [start, end), the opening balance,
every posted movement in ledger order with its description and the running balance, the closing
balance, and the holds still open. JSON (the API's model), CSV and PDF (rendered from an HTML
template with WeasyPrint).

The ledger is the only source: the opening balance is its point-in-time balance (a snapshot
plus the log), the movements are its transfers of the account, so a statement always adds up:
closing = opening + the movements. A movement is what changed the posted balance: a transfer, or
the posting of a hold (for the amount posted); a hold itself, its release or its expiry moves
nothing posted. Amounts are signed from the account's side: a credit raises the balance of a
customer's account (the bank owes more), a debit lowers it.
"""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from strongroom.banking import codes
from strongroom.banking.types import BankAccount, Directory
from strongroom.clock import Clock
from strongroom.days import day_of, day_start
from strongroom.errors import NotFound
from strongroom.ledger import Ledger, PendingState, Transfer, TransferFlags
from strongroom.ledger.queries import PAGE_MAX, TransferQuery
from strongroom.money import format_amount, to_decimal
from strongroom.services.access import Principal, Role, acting

_DESCRIPTIONS = {
    codes.PAYMENT: "payment",
    codes.REFUND: "refund",
    codes.DEPOSIT: "deposit",
    codes.CARD: "card payment",
    codes.POT_MOVE: "pot",
    codes.ROUND_UP: "round-up",
}


@dataclass(frozen=True, slots=True)
class Movement:
    transfer_id: uuid.UUID
    seq: int
    timestamp: int
    #: The other side of the transfer.
    counterparty: uuid.UUID
    #: Signed from the account's side, minor units.
    amount: int
    description: str
    #: The balance after this movement.
    balance: int


@dataclass(frozen=True, slots=True)
class Hold:
    transfer_id: uuid.UUID
    timestamp: int
    amount: int
    description: str


@dataclass(frozen=True, slots=True)
class Statement:
    account: BankAccount
    start: datetime.date
    end: datetime.date
    opening: int
    closing: int
    movements: tuple[Movement, ...]
    holds: tuple[Hold, ...]
    generated_at: int


def describe(transfer: Transfer) -> str:
    """What the statement says a transfer was: the caller's description, else its kind."""
    metadata = transfer.metadata or {}
    described = metadata.get("description")
    if isinstance(described, str) and described:
        return described
    kind = metadata.get("kind")
    if kind in ("fee", "tax"):
        return f"{kind}: {metadata.get('rule', '')}".rstrip(": ")
    return _DESCRIPTIONS.get(transfer.code, f"transfer (code {transfer.code})")


class StatementService:
    def __init__(self, ledger: Ledger, directory: Directory, clock: Clock) -> None:
        self.ledger = ledger
        self.directory = directory
        self.clock = clock

    async def statement(
        self, who: Principal, account_id: uuid.UUID, start: datetime.date, end: datetime.date
    ) -> Statement:
        """The statement of `account_id` for the UTC days from `start` to `end` (excluded)."""
        with acting(who, Role.READ):
            # A period that ends where (or before) it starts holds no day: its statement is
            # the balance at its start, with nothing moving.
            end = max(end, start)
            try:
                account = await self.directory.account(who.tenant, account_id)
            except NotFound:
                raise NotFound(f"account {account_id} not found") from None
            begin_ns, end_ns = day_start(start), day_start(end)
            before = await self.ledger.balance_at(account_id, timestamp=begin_ns - 1)
            opening = before.credits_posted - before.debits_posted
            transfers = await self._transfers(account_id, before.seq, end_ns - 1)
            balance = opening
            movements: list[Movement] = []
            holds: list[Hold] = []
            for t in transfers:
                credited = t.credit_account_id == account_id
                signed = t.amount if credited else -t.amount
                counterparty = t.debit_account_id if credited else t.credit_account_id
                if TransferFlags.PENDING in t.flags:
                    holds.append(Hold(t.id, t.timestamp, signed, describe(t)))
                    continue
                if TransferFlags.VOID_PENDING in t.flags:
                    continue
                balance += signed
                movements.append(
                    Movement(t.id, t.seq, t.timestamp, counterparty, signed, describe(t), balance)
                )
            still = await self._still_held([h.transfer_id for h in holds], who.tenant)
            return Statement(
                account=account,
                start=start,
                end=end,
                opening=opening,
                closing=balance,
                movements=tuple(movements),
                holds=tuple(h for h in holds if h.transfer_id in still),
                generated_at=self.clock.now_ns(),
            )

    async def _transfers(self, account_id: uuid.UUID, after_seq: int, until: int) -> list[Transfer]:
        found: list[Transfer] = []
        cursor: str | None = None
        while True:
            page = await self.ledger.get_account_transfers(
                TransferQuery(
                    account_id,
                    seq_min=after_seq + 1,
                    timestamp_max=until,
                    limit=PAGE_MAX,
                    cursor=cursor,
                )
            )
            found.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return found

    async def _still_held(self, ids: Sequence[uuid.UUID], tenant: str) -> set[uuid.UUID]:
        pending = await self.ledger.lookup_pending_transfers(ids, tenant=tenant)
        return {p.id for p in pending if p.state is PendingState.PENDING}


def as_csv(statement: Statement) -> str:
    """One row per movement, after an opening and before a closing row; amounts in minor
    units and as decimals of the currency."""
    currency = statement.account.currency
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "date",
            "transfer_id",
            "description",
            "counterparty",
            "amount_minor",
            "amount",
            "balance_minor",
            "balance",
        ]
    )

    def row(when: str, ident: str, what: str, other: str, amount: int | None, balance: int) -> None:
        writer.writerow(
            [
                when,
                ident,
                what,
                other,
                "" if amount is None else amount,
                "" if amount is None else str(to_decimal(amount, currency)),
                balance,
                str(to_decimal(balance, currency)),
            ]
        )

    row(statement.start.isoformat(), "", "opening balance", "", None, statement.opening)
    for m in statement.movements:
        row(
            _day(m.timestamp),
            str(m.transfer_id),
            m.description,
            str(m.counterparty),
            m.amount,
            m.balance,
        )
    row(statement.end.isoformat(), "", "closing balance", "", None, statement.closing)
    return out.getvalue()


def _day(ns: int) -> str:
    return day_of(ns).isoformat()


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("strongroom.banking", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def as_html(statement: Statement) -> str:
    currency = statement.account.currency

    def money(amount: int) -> str:
        return format_amount(amount, currency)

    context: dict[str, Any] = {"s": statement, "money": money, "day": _day}
    return _TEMPLATES.get_template("statement.html").render(**context)


def as_pdf(statement: Statement) -> bytes:
    """The statement's HTML rendered to PDF (WeasyPrint; no network: the template is whole)."""
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=as_html(statement)).write_pdf()
    return pdf
