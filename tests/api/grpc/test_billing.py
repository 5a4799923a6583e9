"""strongroom.v1.Billing on both backends: definitions put and shown, usage ingested once, a
cycle run, its invoice listed, shown, rendered and credited; bad input INVALID_ARGUMENT naming
the field; roles; another tenant's invoice NOT_FOUND."""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest

from strongroom.api.grpc import start_grpc_server
from strongroom.api.grpc.gen import billing_pb2 as pb
from strongroom.api.grpc.gen import billing_pb2_grpc
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_start
from strongroom.services.access import Role
from tests.banking.conftest import Travel, key
from tests.billing.test_cycles import Books, travel

D = datetime.date


@pytest.fixture
def clock() -> Travel:
    traveller = Travel()
    traveller.to(D(2026, 12, 5))
    return traveller


@pytest.fixture
async def stub(platform: Platform) -> AsyncIterator[billing_pb2_grpc.BillingStub]:
    await (await platform.intent_engine()).start()
    services = await platform.services()
    server, port = await start_grpc_server(
        services.ledger_service, services.access, "127.0.0.1", 0, billing=services.billing
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield billing_pb2_grpc.BillingStub(channel)
    await channel.close()
    await server.stop(None)


async def auth(platform: Platform, role: Role, tenant: str = "acme") -> tuple[tuple[str, str]]:
    made = await (await platform.access()).create(tenant, role, "grpc")
    return (("authorization", f"Bearer {made.token}"),)


async def test_define_meter_run_and_credit(
    platform: Platform, stub: billing_pb2_grpc.BillingStub
) -> None:
    books = Books(platform, await platform.billing(), await key(platform, Role.ADMIN, "ops"))
    await books.open()
    admin = await auth(platform, Role.ADMIN)
    writer = await auth(platform, Role.WRITE)
    put = await stub.PutDefinition(
        pb.PutDefinitionRequest(
            kind="cost", id="standard", body_json=json.dumps(books.cost("35.00"))
        ),
        metadata=admin,
    )
    assert (put.definition.version, put.created) == (2, True)
    shown = await stub.ShowDefinition(
        pb.DefinitionRequest(kind="cost", id="standard", version=1), metadata=writer
    )
    assert json.loads(shown.body_json)["recurring"][0]["amount"] == "31.00"
    listed = await stub.ListDefinitions(pb.ListDefinitionsRequest(kind="cost"), metadata=writer)
    assert [d.id for d in listed.items] == ["standard"]
    event = pb.UsageEvent(
        id=str(uuid.uuid4()),
        subject="c-1",
        metric="api_calls",
        quantity=350,
        at=day_start(D(2026, 12, 10)),
        properties={"channel": pb.PropertyValue(text="api"), "n": pb.PropertyValue(number=1)},
    )
    ingested = await stub.IngestUsage(pb.IngestUsageRequest(events=[event]), metadata=writer)
    assert (ingested.stored, ingested.duplicates) == (1, 0)
    again = await stub.IngestUsage(pb.IngestUsageRequest(events=[event]), metadata=writer)
    assert again.duplicates == 1
    credit = await stub.ShowBalance(pb.SubjectRequest(subject="c-1"), metadata=writer)
    assert credit.credit == 1_000
    await travel(platform, D(2027, 1, 1))
    run = await stub.RunCycle(pb.RunCycleRequest(date="2027-01-01"), metadata=admin)
    assert run.created
    intents = await platform.intents()
    for _ in range(1500):
        found = await intents.store.get(uuid.UUID(run.intent.id))
        if found is not None and found.status.value == "done":
            break
        await asyncio.sleep(0.01)
    listed = await stub.ListInvoices(pb.ListInvoicesRequest(subject="c-1"), metadata=writer)
    ((invoice,), after) = (listed.items, listed.next_cursor)
    assert after == ""
    assert (invoice.status, invoice.period_start) == ("posted", "2026-12-01")
    assert json.loads(invoice.body_json)["total"] == invoice.total
    pdf = await stub.RenderInvoice(
        pb.RenderInvoiceRequest(id=invoice.id, format="pdf"), metadata=writer
    )
    assert (pdf.media_type, pdf.document[:5]) == ("application/pdf", b"%PDF-")
    other = await auth(platform, Role.ADMIN, tenant="other")
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await stub.ShowInvoice(pb.InvoiceRequest(id=invoice.id), metadata=other)
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await stub.CreditInvoice(
            pb.CreditInvoiceRequest(id=invoice.id, reason="x"), metadata=writer
        )
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
    note = await stub.CreditInvoice(
        pb.CreditInvoiceRequest(id=invoice.id, reason="goodwill"), metadata=admin
    )
    assert note.amount == invoice.total
    preview = await stub.PreviewInvoice(pb.SubjectRequest(subject="c-1"), metadata=writer)
    assert preview.period_start == "2027-01-01"


async def test_bad_input_names_the_field(
    platform: Platform, stub: billing_pb2_grpc.BillingStub
) -> None:
    admin = await auth(platform, Role.ADMIN)
    cases = [
        (
            stub.PutDefinition,
            pb.PutDefinitionRequest(kind="tier", id="t", body_json="{"),
            "body_json",
        ),
        (stub.PutDefinition, pb.PutDefinitionRequest(kind="plan", id="t", body_json="{}"), "kind"),
        (stub.RunCycle, pb.RunCycleRequest(date="2026-02-30"), "date"),
        (stub.ShowInvoice, pb.InvoiceRequest(id="nope"), "id"),
        (stub.ListInvoices, pb.ListInvoicesRequest(cursor="nope"), "cursor"),
        (stub.ListInvoices, pb.ListInvoicesRequest(limit=501), "limit"),
        (
            stub.IngestUsage,
            pb.IngestUsageRequest(events=[pb.UsageEvent(id="x", subject="c", metric="m")]),
            "events[0].id",
        ),
    ]
    for call, request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call(request, metadata=admin)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in (refused.value.details() or ""), (field, refused.value.details())
    reader = await auth(platform, Role.READ)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await stub.PutDefinition(
            pb.PutDefinitionRequest(kind="rule_group", id="r", body_json='{"metric": "m"}'),
            metadata=reader,
        )
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
