"""Reconciliation of a settlement file: what the outside world says crossed the bank's edge,
against what the bank says did.

A settlement file is CSV with the header `reference,amount,currency,value_date`: one line per
movement the correspondent settled (the amount in major units of the currency, exactly; the
value date the UTC day it settled). The bank's side is its payments that crossed the edge:
payments to beneficiaries (out) and deposits (in) that settled, whose value date is the UTC day
they were initiated, on the file's value dates and in its currencies. Each is keyed by the
reference its caller gave it. The report puts every line of the file and every payment of the
bank's side in exactly one bucket:

- `matched`: the same reference on both sides, the same amount and currency;
- `breaks`: the same reference, another amount or currency;
- `unmatched_file`: in the file, not the bank's;
- `unmatched_bank`: the bank's, not in the file.

`banking.reconciliation.run` (reference: the file's SHA-256, so importing a file again is the
same run) matches, then opens a compliance case (kind `break`) for each break and unmatched
item, one per run and item however often the step is replayed.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from strongroom.banking.payments import deposit, internal
from strongroom.banking.retry import RETRY
from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.cases import CaseService
from strongroom.days import day_of, day_start
from strongroom.errors import BatchTooLarge, NotFound, ValidationError
from strongroom.money import is_currency
from strongroom.products.rounding import to_minor
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.definitions import (
    FAIL,
    IntentType,
    Step,
    StepContext,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.service import IntentService, Submitted
from strongroom.workflows.types import Intent, IntentQuery

RECONCILE = "banking.reconciliation.run"
HEADER = ("reference", "amount", "currency", "value_date")
#: Lines one file may hold.
MAX_LINES = 10_000
#: Intents read per page while gathering the bank's side.
_PAGE = 1000


class Line(msgspec.Struct, frozen=True):
    """One movement of a settlement file (`line`: its line number, the header being 1)."""

    line: int
    reference: str
    amount: int
    currency: str
    value_date: datetime.date


class Ours(msgspec.Struct, frozen=True):
    """One of the bank's payments that crossed its edge."""

    reference: str
    amount: int
    currency: str
    value_date: datetime.date
    intent_id: uuid.UUID
    #: payment (to a beneficiary) or deposit.
    kind: str


class Break(msgspec.Struct, frozen=True):
    reference: str
    file: Line
    bank: Ours


class Report(msgspec.Struct, frozen=True):
    matched: list[Break]
    breaks: list[Break]
    unmatched_file: list[Line]
    unmatched_bank: list[Ours]


class ReconcilePayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    lines: list[Line]


def parse_file(text: str) -> list[Line]:
    """The file's lines; ValidationError naming the line and field of the first bad one."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("file", "is empty: a header and lines are expected")
    rows = list(csv.reader(io.StringIO(text)))
    header = tuple(cell.strip().lower() for cell in rows[0])
    if header != HEADER:
        raise ValidationError("file", f"line 1: the header must be {','.join(HEADER)}")
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    if len(body) > MAX_LINES:
        raise BatchTooLarge(len(body), MAX_LINES)
    lines: list[Line] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        lines.append(_line(number, row, seen))
    if not lines:
        raise ValidationError("file", "holds no lines")
    return lines


def _line(number: int, row: list[str], seen: set[str]) -> Line:
    def field(name: str) -> str:
        return f"line {number}: {name}"

    if len(row) != len(HEADER):
        raise ValidationError(f"line {number}", f"has {len(row)} fields, not {len(HEADER)}")
    reference, amount_text, currency, day_text = (cell.strip() for cell in row)
    if not reference or len(reference) > 200 or not reference.isprintable():
        raise ValidationError(field("reference"), "must be 1 to 200 printable characters")
    if reference in seen:
        raise ValidationError(field("reference"), f"{reference!r} is on an earlier line too")
    seen.add(reference)
    if not is_currency(currency):
        raise ValidationError(field("currency"), f"{currency!r} is not an ISO 4217 currency")
    try:
        amount = to_minor(Decimal(amount_text), currency, field("amount"))
    except InvalidOperation:
        raise ValidationError(field("amount"), f"{amount_text!r} is not a decimal") from None
    if amount <= 0:
        raise ValidationError(field("amount"), "must be more than zero")
    try:
        value_date = datetime.date.fromisoformat(day_text)
    except ValueError:
        raise ValidationError(field("value_date"), f"{day_text!r} is not YYYY-MM-DD") from None
    return Line(number, reference, amount, currency, value_date)


def reconcile(lines: Sequence[Line], ours: Sequence[Ours]) -> Report:
    """Every line and every payment of ours in exactly one bucket (the module says which)."""
    bank: dict[str, list[Ours]] = {}
    for payment in ours:
        bank.setdefault(payment.reference, []).append(payment)
    matched: list[Break] = []
    breaks: list[Break] = []
    unmatched_file: list[Line] = []
    for line in lines:
        candidates = bank.get(line.reference)
        if not candidates:
            unmatched_file.append(line)
            continue
        same = next(
            (c for c in candidates if (c.amount, c.currency) == (line.amount, line.currency)),
            None,
        )
        taken = same or candidates[0]
        candidates.remove(taken)
        (matched if same else breaks).append(Break(line.reference, line, taken))
    unmatched_bank = [p for left in bank.values() for p in left]
    return Report(matched, breaks, unmatched_file, unmatched_bank)


async def bank_side(store: IntentStore, tenant: str, lines: Sequence[Line]) -> list[Ours]:
    """The tenant's settled payments to beneficiaries and deposits on the file's value dates
    and in its currencies."""
    days = {line.value_date for line in lines}
    currencies = {line.currency for line in lines}
    start, end = day_start(min(days)), day_start(max(days) + datetime.timedelta(days=1))
    out = []
    for type, kind in ((internal.TYPE, "payment"), (deposit.TYPE, "deposit")):
        before: int | None = None
        while True:
            page = await store.find(
                IntentQuery(
                    tenant,
                    type=type,
                    state="settled",
                    created_from=start,
                    created_to=end,
                    before_seq=before,
                    limit=_PAGE,
                )
            )
            for intent in page:
                p = intent.payload
                crossed = kind == "deposit" or p.get("beneficiary_id") is not None
                value_date = day_of(intent.created_at)
                if crossed and value_date in days and p["currency"] in currencies:
                    out.append(
                        Ours(
                            intent.reference,
                            p["amount"],
                            p["currency"],
                            value_date,
                            intent.id,
                            kind,
                        )
                    )
            if len(page) < _PAGE:
                break
            before = page[-1].seq
    return out


MACHINE = Machine(
    RECONCILE,
    initial="initiated",
    edges=[
        edge("initiated", "matched", "matched"),
        edge("matched", "reconciled", "reconciled"),
        edge("initiated", FAIL, "failed"),
        edge("matched", FAIL, "failed"),
    ],
    terminal=("reconciled", "failed"),
)


def reconcile_type(store: IntentStore, cases: CaseService) -> IntentType[ReconcilePayload]:
    async def match(context: StepContext[ReconcilePayload]) -> Any:
        lines = context.payload.lines
        ours = await bank_side(store, context.intent.tenant, lines)
        report = reconcile(lines, ours)
        return msgspec.to_builtins(report)

    async def open_cases(context: StepContext[ReconcilePayload]) -> Any:
        report = msgspec.convert(context.results["match"], Report, strict=False)
        intent = context.intent
        items: list[tuple[str, str, tuple[str, ...]]] = [
            (
                "break",
                b.reference,
                (
                    f"the file says {b.file.amount} {b.file.currency} (line {b.file.line}), "
                    f"the bank {b.bank.amount} {b.bank.currency} "
                    f"({b.bank.kind} {b.bank.intent_id})",
                ),
            )
            for b in report.breaks
        ]
        items += [
            ("file", line.reference, (f"line {line.line}: not a payment of the bank's",))
            for line in report.unmatched_file
        ]
        items += [
            ("bank", p.reference, (f"{p.kind} {p.intent_id} is not in the settlement file",))
            for p in report.unmatched_bank
        ]
        opened = []
        for side, reference, reasons in items:
            case, _ = await cases.open_for(
                intent.tenant,
                intent.actor or f"intent:{intent.id}",
                CaseKind.BREAK,
                f"reconciliation:{intent.id}:{reference}",
                # One case per run and item, however often this step is replayed.
                reference=f"reconciliation:{intent.id}:{side}:{reference}",
                intent_id=intent.id,
                reasons=reasons,
            )
            opened.append(str(case.id))
        return {"cases": opened}

    return IntentType(
        RECONCILE,
        ReconcilePayload,
        MACHINE,
        Workflow(
            (
                group(Step("match", match, retry=RETRY), event="matched"),
                group(Step("cases", open_cases, retry=RETRY), event="reconciled"),
            )
        ),
        mutex_key=lambda p: "banking:reconciliation",
        description="Match a settlement file against the bank's payments; breaks open cases.",
        role=Role.ADMIN,
        through="POST /v1/banking/reconciliations",
    )


class ReconciliationService:
    def __init__(self, intents: IntentService) -> None:
        self.intents = intents

    async def run(self, who: Principal, text: str) -> Submitted:
        """Admin role: reconcile the settlement file `text` (the same file again: the same
        run)."""
        with acting(who, Role.ADMIN):
            lines = parse_file(text)
            digest = hashlib.sha256(text.encode()).hexdigest()
            body = {"lines": msgspec.to_builtins(lines)}
            return await self.intents.submit_checked(who, RECONCILE, f"reconcile:{digest}", body)

    async def show(self, who: Principal, run_id: uuid.UUID) -> Intent:
        """Read role: a run, its report in its `match` result once matched."""
        with acting(who, Role.READ):
            detail = await self.intents.show(who, run_id)
            if detail.intent.type != RECONCILE:
                raise NotFound(f"reconciliation {run_id} not found")
            return detail.intent
