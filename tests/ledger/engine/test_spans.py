"""The engine's spans: one per batch, parented by its first caller and linked to the others, and
one per database write; nothing captured without a tracer provider."""

from __future__ import annotations

import asyncio
import uuid

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from strongroom.ledger import Account, CreateTransferResult, Ledger, Transfer
from strongroom.ledger.engine.spans import submitter
from strongroom.tracing import get_tracer


async def two_accounts(ledger: Ledger) -> tuple[uuid.UUID, uuid.UUID]:
    a, b = uuid.uuid4(), uuid.uuid4()
    await ledger.create_accounts([Account(id=x, ledger="USD", code=1) for x in (a, b)])
    return a, b


async def test_a_batch_is_a_child_of_its_first_call_and_links_the_others(
    ledger: Ledger, spans: InMemorySpanExporter
) -> None:
    a, b = await two_accounts(ledger)
    tracer = get_tracer("strongroom.test.requests").otel
    assert tracer is not None

    async def request(name: str) -> list[CreateTransferResult]:
        with tracer.start_as_current_span(name):
            transfer = Transfer(
                id=uuid.uuid4(),
                debit_account_id=a,
                credit_account_id=b,
                amount=1,
                ledger="USD",
                code=1,
            )
            return await ledger.create_transfers([transfer])

    spans.clear()
    # Both calls are queued before the worker wakes: one batch serves them.
    results = await asyncio.gather(request("first"), request("second"))
    assert results == [[CreateTransferResult.OK]] * 2
    by_name = {s.name: s for s in spans.get_finished_spans()}
    first, second, batch = by_name["first"], by_name["second"], by_name["ledger.batch"]
    assert batch.attributes is not None
    assert batch.attributes["strongroom.ledger.calls"] == 2
    assert batch.parent is not None
    assert batch.parent.span_id == first.context.span_id
    assert [link.context.span_id for link in batch.links] == [second.context.span_id]
    write = by_name["ledger.write"]
    assert write.parent is not None
    assert write.parent.span_id == batch.context.span_id


def test_nothing_is_captured_without_a_provider() -> None:
    with TracerProvider().get_tracer("elsewhere").start_as_current_span("not ours"):
        assert submitter() is None
