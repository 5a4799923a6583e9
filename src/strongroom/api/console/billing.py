"""The console's invoice pages: the tenant's invoices (by subject and status), an invoice's lines
with their tier breakdowns, taxes and totals, and the document the customer receives, as HTML
and as PDF.

Reads go through the billing service with the signed-in key, as /v1/billing does (read role):
another tenant's invoice is a NotFound, shown as the 404 page. The service lists without pages,
so this page does too."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response

from strongroom.api.console.rendering import page
from strongroom.api.console.routing import Console, ConsoleRoute, Staff
from strongroom.billing.ports import InvoiceStatus

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: How a status reads on a page: a word first, its colour only repeating it.
STATUS_STATE = {
    InvoiceStatus.ISSUED: "wait",
    InvoiceStatus.POSTED: "good",
    InvoiceStatus.CREDITED: "bad",
}

#: The document is the invoice's own page, with its own styles: shown in a frame that may run no
#: script, submit no form and reach no other origin, and never cached (an invoice is personal).
_DOCUMENT_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/console/invoices")
async def invoices(
    request: Request,
    console: Console,
    staff: Staff,
    subject: str = "",
    status: str = "",
    cursor: str = "",
) -> Response:
    subject = subject.strip()
    found, next_cursor = await console.billing.billing.invoices(
        staff.principal, subject or None, status or None, cursor=cursor or None
    )
    return page(
        request,
        "invoices.html",
        invoices=found,
        subject=subject,
        status=status,
        filters={"subject": subject, "status": status},
        next_cursor=next_cursor,
        statuses=list(InvoiceStatus),
        state=STATUS_STATE,
    )


@router.get("/console/invoices/{invoice_id}")
async def invoice(
    request: Request, console: Console, staff: Staff, invoice_id: uuid.UUID
) -> Response:
    record = await console.billing.billing.invoice(staff.principal, invoice_id)
    return page(request, "invoice.html", i=record, b=record.body, state=STATUS_STATE)


async def _document(
    console: Console, staff: Staff, invoice_id: uuid.UUID, format: Literal["html", "pdf"]
) -> Response:
    rendered = await console.billing.billing.render(staff.principal, invoice_id, format)
    media = "text/html; charset=utf-8" if format == "html" else "application/pdf"
    headers = dict(_DOCUMENT_HEADERS)
    if format == "pdf":
        headers["Content-Disposition"] = f'inline; filename="invoice-{invoice_id}.pdf"'
    return Response(rendered, media_type=media, headers=headers)


@router.get("/console/invoices/{invoice_id}/html")
async def invoice_html(console: Console, staff: Staff, invoice_id: uuid.UUID) -> Response:
    return await _document(console, staff, invoice_id, "html")


@router.get("/console/invoices/{invoice_id}/pdf")
async def invoice_pdf(console: Console, staff: Staff, invoice_id: uuid.UUID) -> Response:
    return await _document(console, staff, invoice_id, "pdf")
