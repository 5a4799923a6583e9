"""`BillingService`: what the API and the CLI call for billing besides usage and definitions:
cycle runs, invoices (listed, shown, rendered), credit notes, a preview of the open period and
a subject's prepaid credit."""

from __future__ import annotations

import asyncio
import datetime
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
        self, who: Principal, subject: str | None = None, status: str | None = None
    ) -> list[InvoiceRecord]:
        with acting(who, Role.READ):
            if subject is not None:
                check_subject(subject)
            try:
                wanted = None if status is None else InvoiceStatus(status)
            except ValueError:
                names = ", ".join(s.value for s in InvoiceStatus)
                raise ValidationError("status", f"{status!r} is not one of {names}") from None
            return await self.store.invoices(who.tenant, subject, wanted)

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
