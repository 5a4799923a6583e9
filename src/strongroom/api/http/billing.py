"""/v1/billing: usage ingested, the versioned definitions plans are made of (rule groups, tiers,
cost configurations, billing configurations), cycle runs, invoices (JSON, HTML, PDF), credit
notes, a subject's preview of its open period and its prepaid credit (strongroom.billing)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, Strict, StrictBool, StrictInt, StrictStr

from strongroom.api.http.auth import Caller
from strongroom.api.http.models import DateText, IntentOut, JsonObject
from strongroom.api.http.models import Request as Body
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.billing.plans import DEFINITION_ID
from strongroom.billing.ports import CreditNoteRecord, Definition, InvoiceRecord, Kind
from strongroom.billing.service import (
    CURSOR_PATTERN,
    DEFAULT_PAGE,
    MAX_PAGE,
    Balance,
    Preview,
)
from strongroom.billing.services import BillingServices
from strongroom.billing.types import MAX_BATCH, NAME_PATTERN, QUANTITY_MAX
from strongroom.ledger.queries import INT64_MAX

router = APIRouter(tags=["billing"], responses=RESPONSES, route_class=JsonBodyRoute)


async def billing_of(request: Request) -> BillingServices:
    services: BillingServices = request.app.state.billing
    return services


Billing = Annotated[BillingServices, Depends(billing_of)]
_Subject = Annotated[str, Field(min_length=1, max_length=200, pattern=NAME_PATTERN)]
_Property = Annotated[str, Strict(), Field(min_length=1, max_length=100)]


class UsageEventIn(Body):
    id: uuid.UUID = Field(description="The idempotency key: an id stored already is ignored")
    subject: Annotated[_Subject, Strict()] = Field(description="Who is billed")
    metric: Annotated[_Subject, Strict()]
    quantity: Annotated[int, Strict(), Field(ge=-QUANTITY_MAX, le=QUANTITY_MAX)] = Field(
        description="Negative: a correction"
    )
    at: Annotated[int, Strict(), Field(ge=0, le=INT64_MAX)] = Field(
        description="When the use happened, ns since the epoch"
    )
    properties: dict[_Property, StrictStr | StrictInt | StrictBool] = Field(default_factory=dict)


class UsageIn(Body):
    events: list[UsageEventIn] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"Usage events; at most {MAX_BATCH}"
    )


class UsageOut(BaseModel):
    received: int
    stored: int
    duplicates: int


@router.post("/v1/billing/usage", response_model=UsageOut, summary="Ingest usage events")
async def ingest(body: UsageIn, caller: Caller, billing: Billing) -> UsageOut:
    """Write role. The batch is checked whole (a bad event is a 422 naming it, and nothing is
    stored); events whose id is stored already are counted as duplicates."""
    done = await billing.usage.ingest(caller, [e.model_dump(mode="json") for e in body.events])
    return UsageOut(received=done.received, stored=done.stored, duplicates=done.duplicates)


class DefinitionOut(BaseModel):
    kind: str
    id: str
    version: int
    body: dict[str, Any]
    digest: str
    created_at: int
    created_by: str | None
    archived_at: int | None

    @classmethod
    def of(cls, d: Definition) -> DefinitionOut:
        return cls(
            kind=d.kind.value,
            id=d.id,
            version=d.version,
            body=d.body,
            digest=d.digest,
            created_at=d.created_at,
            created_by=d.created_by,
            archived_at=d.archived_at,
        )


class DefinitionList(BaseModel):
    items: list[DefinitionOut]


def _definition_routes(kind: Kind, path: str, noun: str) -> None:
    """The five operations on one kind of definition (a billing configuration's id is the
    subject it bills)."""
    # A default, not an annotation: annotations are text here, resolved at module level.
    named = (
        Path(min_length=1, max_length=200, pattern=NAME_PATTERN)
        if kind is Kind.CONFIG
        else Path(min_length=1, max_length=100, pattern=DEFINITION_ID.pattern)
    )

    @router.put(
        f"/v1/billing/{path}/{{id}}",
        response_model=DefinitionOut,
        status_code=201,
        summary=f"Put a new version of a {noun}",
        responses={200: {"model": DefinitionOut, "description": "Unchanged: the latest"}},
        operation_id=f"put_{kind.value}",
    )
    async def put(
        body: JsonObject, caller: Caller, billing: Billing, response: Response, id: str = named
    ) -> DefinitionOut:
        made, created = await billing.catalog.put(caller, kind.value, id, body)
        if not created:
            response.status_code = 200
        return DefinitionOut.of(made)

    @router.get(
        f"/v1/billing/{path}/{{id}}",
        response_model=DefinitionOut,
        summary=f"Show a {noun} (the latest version, or one)",
        operation_id=f"show_{kind.value}",
    )
    async def show(
        caller: Caller,
        billing: Billing,
        id: str = named,
        version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    ) -> DefinitionOut:
        return DefinitionOut.of(await billing.catalog.show(caller, kind.value, id, version))

    @router.get(
        f"/v1/billing/{path}/{{id}}/versions",
        response_model=DefinitionList,
        summary=f"Every version of a {noun}",
        operation_id=f"versions_{kind.value}",
    )
    async def versions(caller: Caller, billing: Billing, id: str = named) -> DefinitionList:
        found = await billing.catalog.versions(caller, kind.value, id)
        return DefinitionList(items=[DefinitionOut.of(d) for d in found])

    @router.get(
        f"/v1/billing/{path}",
        response_model=DefinitionList,
        summary=f"List the {noun}s (latest versions)",
        operation_id=f"list_{kind.value}",
    )
    async def listing(caller: Caller, billing: Billing) -> DefinitionList:
        found = await billing.catalog.definitions(caller, kind.value)
        return DefinitionList(items=[DefinitionOut.of(d) for d in found])

    @router.delete(
        f"/v1/billing/{path}/{{id}}",
        response_model=DefinitionOut,
        summary=f"Archive a {noun}",
        operation_id=f"archive_{kind.value}",
    )
    async def archive(caller: Caller, billing: Billing, id: str = named) -> DefinitionOut:
        return DefinitionOut.of(await billing.catalog.archive(caller, kind.value, id))


for _kind, _path, _noun in (
    (Kind.RULE_GROUP, "rule-groups", "rule group"),
    (Kind.TIER, "tiers", "tier"),
    (Kind.COST, "costs", "cost configuration"),
    (Kind.CONFIG, "configs", "billing configuration"),
):
    _definition_routes(_kind, _path, _noun)


class CycleIn(Body):
    date: DateText = Field(description="Periods that ended on or before it are invoiced")


@router.post(
    "/v1/billing/cycles",
    response_model=IntentOut,
    status_code=201,
    summary="Invoice the periods that ended, and post the invoices",
    responses={200: {"model": IntentOut, "description": "Asked before: the same run"}},
)
async def run_cycle(
    body: CycleIn, caller: Caller, billing: Billing, response: Response
) -> IntentOut:
    """Admin role. A `billing.cycle.run` intent: one invoice per subject and period, however
    often it runs."""
    submitted = await billing.billing.run(caller, body.date)
    if not submitted.created:
        response.status_code = 200
    return IntentOut.of(submitted.intent)


class InvoiceOut(BaseModel):
    id: uuid.UUID
    subject: str
    period_start: datetime.date
    period_end: datetime.date
    currency: str
    status: Literal["issued", "posted", "credited"]
    total: int
    created_at: int
    posted_at: int | None
    #: Lines (with their tier breakdowns), taxes, totals, the postings.
    body: dict[str, Any]

    @classmethod
    def of(cls, i: InvoiceRecord) -> InvoiceOut:
        return cls(
            id=i.id,
            subject=i.subject,
            period_start=datetime.date.fromisoformat(i.period_start),
            period_end=datetime.date.fromisoformat(i.period_end),
            currency=i.currency,
            status=i.status.value,
            total=i.total,
            created_at=i.created_at,
            posted_at=i.posted_at,
            body=i.body,
        )


class InvoiceList(BaseModel):
    items: list[InvoiceOut]
    #: Pass as `cursor` for the next page; null after the last.
    next_cursor: str | None = None


@router.get("/v1/billing/invoices", response_model=InvoiceList, summary="List invoices")
async def invoices(
    caller: Caller,
    billing: Billing,
    subject: Annotated[
        str | None, Query(min_length=1, max_length=200, pattern=NAME_PATTERN)
    ] = None,
    status: Literal["issued", "posted", "credited"] | None = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN, description="next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> InvoiceList:
    """Oldest period first, then by subject, a page at a time."""
    found, more = await billing.billing.invoices(
        caller, subject, status, cursor=cursor, limit=limit
    )
    return InvoiceList(items=[InvoiceOut.of(i) for i in found], next_cursor=more)


@router.get("/v1/billing/invoices/{id}", response_model=InvoiceOut, summary="Show an invoice")
async def invoice(id: uuid.UUID, caller: Caller, billing: Billing) -> InvoiceOut:
    return InvoiceOut.of(await billing.billing.invoice(caller, id))


@router.get(
    "/v1/billing/invoices/{id}/document",
    summary="An invoice rendered as HTML or PDF",
    response_class=Response,
    responses={
        200: {
            "description": "The invoice",
            "content": {"text/html": {}, "application/pdf": {}},
        }
    },
)
async def document(
    id: uuid.UUID,
    caller: Caller,
    billing: Billing,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    rendered = await billing.billing.render(caller, id, format)
    media = "text/html; charset=utf-8" if format == "html" else "application/pdf"
    return Response(rendered, media_type=media)


class CreditIn(Body):
    reason: Annotated[str, Strict(), Field(min_length=1, max_length=500)]


class CreditNoteOut(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    amount: int
    reason: str
    created_at: int
    created_by: str | None

    @classmethod
    def of(cls, n: CreditNoteRecord) -> CreditNoteOut:
        return cls(
            id=n.id,
            invoice_id=n.invoice_id,
            amount=n.amount,
            reason=n.reason,
            created_at=n.created_at,
            created_by=n.created_by,
        )


@router.post(
    "/v1/billing/invoices/{id}/credit-note",
    response_model=CreditNoteOut,
    summary="Reverse a posted invoice in full",
    responses={409: documented("The invoice is not posted, or the ledger refused the reversal")},
)
async def credit(id: uuid.UUID, body: CreditIn, caller: Caller, billing: Billing) -> CreditNoteOut:
    """Admin role. Once per invoice: asking again returns the note."""
    return CreditNoteOut.of(await billing.billing.credit(caller, id, body.reason))


class PreviewOut(BaseModel):
    subject: str
    period_start: datetime.date
    period_end: datetime.date
    body: dict[str, Any]

    @classmethod
    def of(cls, p: Preview) -> PreviewOut:
        return cls(
            subject=p.subject, period_start=p.period_start, period_end=p.period_end, body=p.body
        )


@router.get(
    "/v1/billing/subjects/{subject}/preview",
    response_model=PreviewOut,
    summary="What the open period's invoice would be now",
)
async def preview(subject: _Subject, caller: Caller, billing: Billing) -> PreviewOut:
    return PreviewOut.of(await billing.billing.preview(caller, subject))


class BalanceOut(BaseModel):
    subject: str
    currency: str
    credit_account: uuid.UUID | None
    credit: int

    @classmethod
    def of(cls, b: Balance) -> BalanceOut:
        return cls(
            subject=b.subject, currency=b.currency, credit_account=b.credit_account, credit=b.credit
        )


@router.get(
    "/v1/billing/subjects/{subject}/balance",
    response_model=BalanceOut,
    summary="A subject's prepaid credit",
)
async def balance(subject: _Subject, caller: Caller, billing: Billing) -> BalanceOut:
    return BalanceOut.of(await billing.billing.balance(caller, subject))
