"""The engine's spans: one per batch, parented by its first caller and linked to the others, and
one per database write; nothing captured without a tracer provider."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from strongroom.errors import StorageError
from strongroom.ledger import Account, CreateTransferResult, Ledger, Transfer
from strongroom.ledger.engine import EngineSettings
from strongroom.ledger.engine.spans import submitter
from strongroom.tracing import get_tracer
from tests.ledger.faults import faulty_ledger


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


async def test_a_batch_whose_callers_get_a_storage_error_is_an_error_span(
    sqlite_url: str, spans: InMemorySpanExporter
) -> None:
    async with faulty_ledger(sqlite_url, EngineSettings(bucket_refresh_seconds=0)) as (
        ledger,
        store,
    ):
        a, b = await two_accounts(ledger)
        store.failing.add("split_accounts")
        spans.clear()
        transfer = Transfer(
            id=uuid.uuid4(), debit_account_id=a, credit_account_id=b, amount=1, ledger="USD", code=1
        )
        with pytest.raises(StorageError):
            await ledger.create_transfers([transfer])
    (batch,) = [s for s in spans.get_finished_spans() if s.name == "ledger.batch"]
    assert batch.status.status_code is StatusCode.ERROR
    assert "split_accounts" in (batch.status.description or "")
