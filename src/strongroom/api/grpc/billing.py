"""`BillingServicer`: strongroom.v1.Billing on grpc.aio, over billing's services
(strongroom.billing.services.BillingServices): the same operations, roles and checks as
/v1/billing over HTTP. Definitions' bodies and invoices' bodies travel as JSON text, so a price
written as a decimal string never becomes a float on the way."""

from __future__ import annotations

import datetime
import json
from typing import Any, TypeAlias

import grpc

from strongroom.api.grpc.banking import submitted_pb
from strongroom.api.grpc.calls import Calls
from strongroom.api.grpc.gen import banking_pb2 as banking_pb
from strongroom.api.grpc.gen import billing_pb2 as pb
from strongroom.api.grpc.gen import billing_pb2_grpc
from strongroom.billing.ports import Definition, InvoiceRecord
from strongroom.billing.service import DEFAULT_PAGE
from strongroom.billing.services import BillingServices
from strongroom.errors import ValidationError
from strongroom.ids import parse_id
from strongroom.services.access import AccessService, Principal

_Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"
_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _definition_pb(d: Definition) -> pb.Definition:
    return pb.Definition(
        kind=d.kind.value,
        id=d.id,
        version=d.version,
        body_json=json.dumps(d.body, sort_keys=True),
        digest=d.digest,
        created_at=d.created_at,
        archived=d.archived_at is not None,
    )


def _invoice_pb(i: InvoiceRecord) -> pb.Invoice:
    return pb.Invoice(
        id=str(i.id),
        subject=i.subject,
        period_start=i.period_start,
        period_end=i.period_end,
        currency=i.currency,
        status=i.status.value,
        total=i.total,
        body_json=json.dumps(i.body, sort_keys=True),
    )


def _event(message: pb.UsageEvent) -> dict[str, Any]:
    """A usage event as the service reads one (its checks name a bad field)."""
    properties: dict[str, Any] = {}
    for name, value in message.properties.items():
        kind = value.WhichOneof("value")
        properties[name] = None if kind is None else getattr(value, kind)
    return {
        "id": message.id,
        "subject": message.subject,
        "metric": message.metric,
        "quantity": message.quantity,
        "at": message.at,
        "properties": properties,
    }


class BillingServicer(Calls, billing_pb2_grpc.BillingServicer):
    service_name = "strongroom.v1.Billing"

    def __init__(self, billing: BillingServices, access: AccessService) -> None:
        super().__init__(access)
        self._billing = billing

    async def IngestUsage(
        self, request: pb.IngestUsageRequest, context: _Context
    ) -> pb.IngestUsageReply:
        async def work(who: Principal) -> pb.IngestUsageReply:
            events = [_event(e) for e in request.events]
            done = await self._billing.usage.ingest(who, events)
            return pb.IngestUsageReply(
                received=done.received, stored=done.stored, duplicates=done.duplicates
            )

        return await self._call("IngestUsage", context, work)

    async def PutDefinition(
        self, request: pb.PutDefinitionRequest, context: _Context
    ) -> pb.DefinitionReply:
        async def work(who: Principal) -> pb.DefinitionReply:
            try:
                body = json.loads(request.body_json)
            except ValueError:
                raise ValidationError("body_json", "is not JSON") from None
            made, created = await self._billing.catalog.put(who, request.kind, request.id, body)
            return pb.DefinitionReply(definition=_definition_pb(made), created=created)

        return await self._call("PutDefinition", context, work)

    async def ShowDefinition(
        self, request: pb.DefinitionRequest, context: _Context
    ) -> pb.Definition:
        async def work(who: Principal) -> pb.Definition:
            version = request.version or None
            found = await self._billing.catalog.show(who, request.kind, request.id, version)
            return _definition_pb(found)

        return await self._call("ShowDefinition", context, work)

    async def ListDefinitions(
        self, request: pb.ListDefinitionsRequest, context: _Context
    ) -> pb.DefinitionList:
        async def work(who: Principal) -> pb.DefinitionList:
            found = await self._billing.catalog.definitions(who, request.kind)
            return pb.DefinitionList(items=[_definition_pb(d) for d in found])

        return await self._call("ListDefinitions", context, work)

    async def ArchiveDefinition(
        self, request: pb.DefinitionRequest, context: _Context
    ) -> pb.Definition:
        async def work(who: Principal) -> pb.Definition:
            return _definition_pb(
                await self._billing.catalog.archive(who, request.kind, request.id)
            )

        return await self._call("ArchiveDefinition", context, work)

    async def RunCycle(
        self, request: pb.RunCycleRequest, context: _Context
    ) -> banking_pb.Submitted:
        async def work(who: Principal) -> banking_pb.Submitted:
            try:
                day = datetime.date.fromisoformat(request.date)
            except ValueError:
                raise ValidationError("date", "must be YYYY-MM-DD") from None
            submitted = await self._billing.billing.run(who, day)
            return submitted_pb((submitted.intent, submitted.created))

        return await self._call("RunCycle", context, work)

    async def ListInvoices(
        self, request: pb.ListInvoicesRequest, context: _Context
    ) -> pb.InvoiceList:
        async def work(who: Principal) -> pb.InvoiceList:
            found, more = await self._billing.billing.invoices(
                who,
                request.subject or None,
                request.status or None,
                cursor=request.cursor or None,
                limit=request.limit or DEFAULT_PAGE,
            )
            return pb.InvoiceList(items=[_invoice_pb(i) for i in found], next_cursor=more or "")

        return await self._call("ListInvoices", context, work)

    async def ShowInvoice(self, request: pb.InvoiceRequest, context: _Context) -> pb.Invoice:
        async def work(who: Principal) -> pb.Invoice:
            found = await self._billing.billing.invoice(who, parse_id(request.id, "id"))
            return _invoice_pb(found)

        return await self._call("ShowInvoice", context, work)

    async def RenderInvoice(
        self, request: pb.RenderInvoiceRequest, context: _Context
    ) -> pb.InvoiceDocument:
        async def work(who: Principal) -> pb.InvoiceDocument:
            format = request.format or "html"
            rendered = await self._billing.billing.render(who, parse_id(request.id, "id"), format)
            return pb.InvoiceDocument(media_type=_MEDIA[format], document=rendered)

        return await self._call("RenderInvoice", context, work)

    async def CreditInvoice(
        self, request: pb.CreditInvoiceRequest, context: _Context
    ) -> pb.CreditNote:
        async def work(who: Principal) -> pb.CreditNote:
            note = await self._billing.billing.credit(
                who, parse_id(request.id, "id"), request.reason
            )
            return pb.CreditNote(
                id=str(note.id),
                invoice_id=str(note.invoice_id),
                amount=note.amount,
                reason=note.reason,
                created_at=note.created_at,
            )

        return await self._call("CreditInvoice", context, work)

    async def PreviewInvoice(self, request: pb.SubjectRequest, context: _Context) -> pb.Preview:
        async def work(who: Principal) -> pb.Preview:
            found = await self._billing.billing.preview(who, request.subject)
            return pb.Preview(
                subject=found.subject,
                period_start=found.period_start.isoformat(),
                period_end=found.period_end.isoformat(),
                body_json=json.dumps(found.body, sort_keys=True),
            )

        return await self._call("PreviewInvoice", context, work)

    async def ShowBalance(self, request: pb.SubjectRequest, context: _Context) -> pb.PrepaidCredit:
        async def work(who: Principal) -> pb.PrepaidCredit:
            found = await self._billing.billing.balance(who, request.subject)
            account = "" if found.credit_account is None else str(found.credit_account)
            return pb.PrepaidCredit(
                subject=found.subject,
                currency=found.currency,
                credit_account=account,
                credit=found.credit,
            )

        return await self._call("ShowBalance", context, work)
