"""`BillingService`: what the API and the CLI call for billing besides usage and definitions:
cycle runs, invoices (listed, shown, rendered), credit notes, a preview of the open period and
a subject's prepaid credit."""

from __future__ import annotations

import asyncio
import datetime
import re
import uuid
from dataclasses import dataclass
from typing import Any

import jinja2
import msgspec

from strongroom.billing import events
from strongroom.billing.cycles import RUN, Invoicer, prepaid, subscriptions
from strongroom.billing.periods import period_of
from strongroom.billing.ports import (
    BillingStore,
    CreditNoteRecord,
    InvoiceRecord,
    InvoiceStatus,
    Kind,
)
from strongroom.billing.posting import Posting, transfers
from strongroom.billing.resolve import Resolver, Subscription
from strongroom.billing.types import check_subject
from strongroom.clock import Clock
from strongroom.days import day_of, not_over
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.ledger import Ledger
from strongroom.money import format_amount
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.service import IntentService, Submitted

#: Invoices a page holds by default, and at most.
DEFAULT_PAGE = 50
MAX_PAGE = 500
#: A page's `next_cursor`: the last invoice's period start and subject.
CURSOR_PATTERN = r"^[0-9-]{10}~[^\x00-\x1f\x7f]{1,200}$"
CURSOR = re.compile(CURSOR_PATTERN)

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("strongroom.billing", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True, slots=True)
class Preview:
    """What the subject's invoice for its open period would be now."""

    subject: str
    period_start: datetime.date
    period_end: datetime.date
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Balance:
    subject: str
    currency: str
    credit_account: uuid.UUID | None
    #: Minor units of prepaid credit: the credit account's balance (0 without one).
    credit: int


class BillingService:
    def __init__(
        self, store: BillingStore, ledger: Ledger, intents: IntentService, clock: Clock
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.intents = intents
        self.clock = clock

    async def run(self, who: Principal, day: datetime.date) -> Submitted:
        """Admin role: invoice every period that ended by `day` and post the invoices."""
        with acting(who, Role.ADMIN):
            refusal = not_over(day, self.clock.now_ns())
            if refusal is not None:
                raise ValidationError("date", refusal)
            return await self.intents.submit(
                who, RUN, f"cycle:{day.isoformat()}", {"date": day.isoformat()}
            )

    async def invoices(
        self,
        who: Principal,
        subject: str | None = None,
        status: str | None = None,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> tuple[list[InvoiceRecord], str | None]:
        """A page of the tenant's invoices, oldest period first, and the cursor of the next
        page (None after the last)."""
        with acting(who, Role.READ):
            if subject is not None:
                check_subject(subject)
            try:
                wanted = None if status is None else InvoiceStatus(status)
            except ValueError:
                names = ", ".join(s.value for s in InvoiceStatus)
                raise ValidationError("status", f"{status!r} is not one of {names}") from None
            if not 1 <= limit <= MAX_PAGE:
                raise ValidationError("limit", f"must be 1 to {MAX_PAGE}")
            after = None if cursor is None else _position(cursor)
            found = await self.store.invoices(
                who.tenant, subject, wanted, after=after, limit=limit + 1
            )
            page = found[:limit]
            more = len(found) > limit
            return page, _cursor(page[-1]) if more else None

    async def invoice(self, who: Principal, invoice_id: uuid.UUID) -> InvoiceRecord:
        with acting(who, Role.READ):
            found = await self.store.invoice(who.tenant, invoice_id)
            if found is None:
                raise NotFound(f"invoice {invoice_id} not found")
            return found

    async def render(self, who: Principal, invoice_id: uuid.UUID, format: str) -> bytes:
        """The invoice as `html` or `pdf` (WeasyPrint, no network: the template is whole)."""
        if format not in ("html", "pdf"):
            raise ValidationError("format", "must be html or pdf")
        record = await self.invoice(who, invoice_id)
        page = as_html(record)
        if format == "html":
            return page.encode()
        import weasyprint

        def pdf() -> bytes:
            made: bytes = weasyprint.HTML(string=page).write_pdf()
            return made

        # Parsing and laying out a page is CPU work of tens of milliseconds: not on the loop.
        return await asyncio.to_thread(pdf)

    async def credit(self, who: Principal, invoice_id: uuid.UUID, reason: str) -> CreditNoteRecord:
        """Admin role: reverse a posted invoice in full (once; asking again returns the note)."""
        with acting(who, Role.ADMIN):
            if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
                raise ValidationError("reason", "must be 1 to 500 characters, not blank")
            record = await self.invoice(who, invoice_id)
            existing = await self.store.credit_note(who.tenant, invoice_id)
            if existing is None and record.status is not InvoiceStatus.POSTED:
                raise Conflict(f"invoice {invoice_id} is {record.status.value}: only a posted one")
            legs = [msgspec.convert(p, Posting, strict=False) for p in record.body["postings"]]
            chain = transfers(record.id, record.tenant, record.currency, legs, reverse=True)
            results = await self.ledger.create_transfers(chain) if chain else []
            failed = sorted({r.value for r in results if not r.succeeded})
            if failed:
                raise Conflict(f"the ledger refused the reversal: {', '.join(failed)}")
            now = self.clock.now_ns()
            note = CreditNoteRecord(
                id=uuid.uuid5(invoice_id, "credit-note"),
                tenant=who.tenant,
                invoice_id=invoice_id,
                amount=record.total,
                reason=reason,
                created_at=now,
                created_by=who.id,
            )
            data = {"invoice_id": str(invoice_id), "amount": record.total, "reason": reason}
            written = events.event(events.CREDITED, who.tenant, who.id, now, data)
            return await self.store.add_credit_note(note, written)

    async def preview(self, who: Principal, subject: str) -> Preview:
        """Read role: the invoice of `subject`'s open period if it were made now (with the
        adjustments its late usage calls for); nothing is stored."""
        with acting(who, Role.READ):
            invoicer, subscription = await self._subscription(who.tenant, subject)
            now = self.clock.now_ns()
            period = period_of(subscription.anchor_day, day_of(now))
            usage = [
                u.event
                for u in await self.store.unbilled_usage(who.tenant, [subject], period.end_ns)
            ]
            inside = [e for e in usage if e.at >= period.start_ns]
            late = [e for e in usage if e.at < period.start_ns]
            lines = await invoicer.lines(subscription, period, inside, late)
            credit = await prepaid(self.ledger, subscription.credit_account)
            body = invoicer.body(subscription, period, lines, credit)
            return Preview(subject, period.start, period.end, body)

    async def balance(self, who: Principal, subject: str) -> Balance:
        """Read role: the subject's prepaid credit (CustomerBalance), drawn down first by its
        invoices; topping it up is a ledger transfer into its credit account."""
        with acting(who, Role.READ):
            _, subscription = await self._subscription(who.tenant, subject)
            return Balance(
                subject,
                subscription.currency,
                subscription.credit_account,
                await prepaid(self.ledger, subscription.credit_account),
            )

    async def _subscription(self, tenant: str, subject: str) -> tuple[Invoicer, Subscription]:
        check_subject(subject)
        versions = subscriptions(await self.store.versions(tenant, Kind.CONFIG, subject))
        if subject not in versions:
            raise NotFound(f"no billing configuration for {subject!r}")
        resolver = Resolver(self.store, tenant)
        return Invoicer(self.store, tenant, resolver), await resolver.subscription(
            versions[subject]
        )


def as_html(record: InvoiceRecord) -> str:
    def money(amount: int) -> str:
        return format_amount(amount, record.currency)

    def tier_part(part: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in part.items())

    context = {"i": record, "b": record.body, "money": money, "tier_part": tier_part}
    return _TEMPLATES.get_template("invoice.html").render(**context)


def _cursor(last: InvoiceRecord) -> str:
    """Where the next page starts: after this invoice's period start and subject."""
    return f"{last.period_start}~{last.subject}"


def _position(cursor: str) -> tuple[str, str]:
    # Any text matching the pattern is a position in the order (one past every invoice, at
    # worst: an empty page), so a well-formed cursor is never refused.
    if not isinstance(cursor, str) or CURSOR.fullmatch(cursor) is None:
        raise ValidationError("cursor", "not a cursor this listing returned")
    period_start, subject = cursor.split("~", 1)
    return period_start, subject
