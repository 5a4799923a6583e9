"""Billing cycles: `billing.cycle.run` invoices every subject of the tenant for each of its periods
that ended by the run's day and is not invoiced yet, then posts the invoices to the ledger.

The day is the payload's `date`, or the UTC day the intent was created (a durable schedule, e.g.
`every 1d from 2026-01-01T00:30:00Z`, runs it daily; a subject whose period ended is invoiced by
the first run after). Subjects are read a page at a time; a page's invoices are stored, and the
usage they billed marked, in one transaction, so a run killed mid-way resumes at the first page
not stored, and an invoice (one per subject and period, its id derived from both) is never made
twice. Posting is the second step: each issued invoice's postings, decided when it was issued,
as one linked chain whose ids derive from the invoice. An invoice its paying account cannot pay
stays issued, is listed in the run's result with the ledger's reason, and is posted by a later
run.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import msgspec

from strongroom.billing import events
from strongroom.billing.invoices import (
    Line,
    Plan,
    adjustments,
    bill,
    charged_by_line,
    compute,
    invoice_id,
)
from strongroom.billing.periods import Period, period_of, periods_until, stretches
from strongroom.billing.ports import BillingStore, Definition, InvoiceRecord, InvoiceStatus, Kind
from strongroom.billing.posting import Posting, postings, transfers
from strongroom.billing.resolve import Resolver, Subscription
from strongroom.billing.types import UsageEvent
from strongroom.days import business_day, day_of, not_over
from strongroom.events.schemas import Envelope, encode_batch, new_event
from strongroom.ledger import Ledger
from strongroom.services.access import Role
from strongroom.workflows.definitions import (
    FAIL,
    IntentType,
    RetryPolicy,
    Step,
    StepContext,
    StepFailed,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge

RUN = "billing.cycle.run"
#: Subjects invoiced per transaction.
PAGE = 500
#: Invoices posted per ledger batch (a few transfers each, under the ledger's batch maximum).
POST_PAGE = 100
#: The invoices whose posting failed a run's result lists (the count covers them all).
LISTED_FAILURES = 100
RUN_TIMEOUT = 3600.0
RETRY = RetryPolicy(max_attempts=5, initial=0.05, maximum=5.0)


class CycleRun(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: Periods that ended on or before it are invoiced; absent: the UTC day of the intent.
    date: datetime.date | None = None


MACHINE = Machine(
    RUN,
    initial="initiated",
    edges=[
        edge("initiated", "invoiced", "invoiced"),
        edge("invoiced", "posted", "posted"),
        edge("initiated", FAIL, "failed"),
        edge("invoiced", FAIL, "failed"),
    ],
    terminal=("posted", "failed"),
)


def subscriptions(versions: Sequence[Definition]) -> dict[str, list[Definition]]:
    """Billing configurations by subject, oldest version first, leaving out archived ones."""
    out: dict[str, list[Definition]] = defaultdict(list)
    for version in versions:
        if version.archived_at is None:
            out[version.id].append(version)
    return out


def due_periods(
    subscription: Subscription, day: datetime.date, invoiced: set[tuple[str, str]]
) -> list[Period]:
    return [
        p
        for p in periods_until(subscription.anchor_day, subscription.first, day)
        if (subscription.subject, p.start.isoformat()) not in invoiced
    ]


class Invoicer:
    """Computes one subject's invoices: shared by a run and a preview."""

    def __init__(self, store: BillingStore, tenant: str, resolver: Resolver) -> None:
        self.store = store
        self.tenant = tenant
        self.resolver = resolver

    def plans(self, subscription: Subscription) -> dict[str, Plan]:
        return {plan.ref: plan for _, plan in subscription.plans}

    async def lines(
        self,
        subscription: Subscription,
        period: Period,
        usage: Sequence[UsageEvent],
        late: Sequence[UsageEvent],
    ) -> list[Line]:
        """`period`'s lines on `usage`, then the adjustments `late` usage (of earlier periods,
        not billed yet) calls for."""
        lines = bill(period, stretches(period, subscription.plans), usage)
        earlier = {period_of(subscription.anchor_day, day_of(e.at)) for e in late}
        if earlier:
            bodies = [
                i.body for i in await self.store.invoices(self.tenant, subscription.subject, None)
            ]
            charged = charged_by_line(bodies)
            for old in sorted(earlier, key=lambda p: p.start):
                everything = await self.store.usage_between(
                    self.tenant, subscription.subject, old.start_ns, old.end_ns
                )
                lines += adjustments(
                    old,
                    stretches(old, subscription.plans),
                    [u.event for u in everything],
                    charged,
                )
        return lines

    def body(
        self, subscription: Subscription, period: Period, lines: list[Line], credit_left: int
    ) -> dict[str, Any]:
        computed = compute(subscription.currency, lines, self.plans(subscription))
        body: dict[str, Any] = msgspec.to_builtins(computed)
        body.update(
            subject=subscription.subject,
            period={"start": period.start.isoformat(), "end": period.end.isoformat()},
            account=str(subscription.account),
            credit_account=(
                None if subscription.credit_account is None else str(subscription.credit_account)
            ),
        )
        legs = postings(body, credit_left)
        body["postings"] = msgspec.to_builtins(legs)
        body["credit_applied"] = sum(
            leg.amount for leg in legs if str(leg.debit) == body["credit_account"]
        )
        body["amount_due"] = computed.total - body["credit_applied"]
        return body


def cycle_type(store: BillingStore, ledger: Ledger) -> IntentType[CycleRun]:
    async def invoice(context: StepContext[CycleRun]) -> Any:
        tenant = context.intent.tenant
        day = business_day(context.payload.date, context.intent.created_at)
        refusal = not_over(day, context.now)
        if refusal is not None:
            raise StepFailed(refusal)
        resolver = Resolver(store, tenant)
        invoicer = Invoicer(store, tenant, resolver)
        configs = subscriptions(await store.all_versions(tenant, Kind.CONFIG))
        invoiced = await store.invoiced(tenant)
        subjects = sorted(configs)
        made = 0
        for start in range(0, len(subjects), PAGE):
            page = subjects[start : start + PAGE]
            due: list[tuple[Subscription, list[Period]]] = []
            for subject in page:
                subscription = await resolver.subscription(configs[subject])
                periods = due_periods(subscription, day, invoiced)
                if periods:
                    due.append((subscription, periods))
            if not due:
                continue
            until = max(periods[-1].end_ns for _, periods in due)
            usage: dict[str, list[UsageEvent]] = defaultdict(list)
            for stored in await store.unbilled_usage(tenant, [s.subject for s, _ in due], until):
                usage[stored.event.subject].append(stored.event)
            records, billed, envelopes = [], [], []
            for subscription, periods in due:
                credit_left = await prepaid(ledger, subscription.credit_account)
                pending = usage[subscription.subject]
                for i, period in enumerate(periods):
                    inside = [e for e in pending if period.start_ns <= e.at < period.end_ns]
                    late = [e for e in pending if e.at < period.start_ns] if i == 0 else []
                    lines = await invoicer.lines(subscription, period, inside, late)
                    body = invoicer.body(subscription, period, lines, credit_left)
                    credit_left -= body["credit_applied"]
                    record = InvoiceRecord(
                        id=invoice_id(tenant, subscription.subject, period),
                        tenant=tenant,
                        subject=subscription.subject,
                        period_start=period.start.isoformat(),
                        period_end=period.end.isoformat(),
                        currency=subscription.currency,
                        status=InvoiceStatus.ISSUED,
                        body=body,
                        total=body["total"],
                        created_at=context.now,
                    )
                    records.append(record)
                    billed += [(e.id, record.id) for e in inside + late]
                    envelopes.append(_envelope(events.INVOICED, record, context))
            made += len(await store.add_invoices(records, billed, encode_batch(envelopes)))
        return {"date": day.isoformat(), "subjects": len(subjects), "invoices": made}

    async def post(context: StepContext[CycleRun]) -> Any:
        tenant = context.intent.tenant
        posted, failures = 0, list[dict[str, str]]()
        issued = await store.invoices(tenant, None, InvoiceStatus.ISSUED)
        for start in range(0, len(issued), POST_PAGE):
            # The chains of many invoices go to the ledger in one batch, each all or nothing.
            chains = [
                transfers(
                    record.id,
                    tenant,
                    record.currency,
                    [msgspec.convert(p, Posting, strict=False) for p in record.body["postings"]],
                    reverse=False,
                )
                for record in issued[start : start + POST_PAGE]
            ]
            flat = [t for chain in chains for t in chain]
            results = await ledger.create_transfers(flat) if flat else []
            done, envelopes = [], []
            for record, chain in zip(issued[start : start + POST_PAGE], chains, strict=True):
                mine, results = results[: len(chain)], results[len(chain) :]
                failed = [r for r in mine if not r.succeeded]
                if failed:
                    if len(failures) < LISTED_FAILURES:
                        first = next(
                            (r for r in failed if r.value != "linked_event_failed"), failed[0]
                        )
                        failures.append({"invoice_id": str(record.id), "reason": first.value})
                    continue
                done.append(record.id)
                envelopes.append(_envelope(events.POSTED, record, context))
            if done:
                await store.set_invoices_status(
                    done, InvoiceStatus.POSTED, context.now, encode_batch(envelopes)
                )
            posted += len(done)
        return {"posted": posted, "failed": len(failures), "failures": failures}

    return IntentType(
        RUN,
        CycleRun,
        MACHINE,
        Workflow(
            (
                group(Step("invoice", invoice, retry=RETRY, timeout=RUN_TIMEOUT), event="invoiced"),
                group(Step("post", post, retry=RETRY, timeout=RUN_TIMEOUT), event="posted"),
            )
        ),
        mutex_key=lambda p: "billing:cycle",
        description="Invoice every subject's ended periods and post the invoices to the ledger.",
        role=Role.ADMIN,
    )


async def prepaid(ledger: Ledger, credit_account: uuid.UUID | None) -> int:
    """A subject's prepaid credit: its credit account's balance (0 without one)."""
    if credit_account is None:
        return 0
    found = await ledger.lookup_accounts([credit_account])
    return max(found[0].balance, 0) if found else 0


def _envelope(type: str, record: InvoiceRecord, context: StepContext[Any]) -> Envelope:
    data = {
        "invoice_id": str(record.id),
        "subject": record.subject,
        "period_start": record.period_start,
        "currency": record.currency,
        "total": record.total,
    }
    return new_event(type, record.tenant, context.intent.actor, context.now, data)
