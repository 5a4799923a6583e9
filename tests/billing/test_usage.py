"""Usage ingestion on both backends: events stored once by id (a retried batch stores nothing
more), a bad event named and nothing of its batch stored, tenants apart; metered steps emit one
event per step and run, which the bus consumer ingests once however often it is delivered."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest

from strongroom.billing.metering import USAGE, UsageConsumer, meter, metered, usage_id
from strongroom.billing.types import MAX_BATCH
from strongroom.billing.usage import UsageService
from strongroom.bootstrap.platform import Platform
from strongroom.errors import BatchTooLarge, PermissionDenied, ValidationError
from strongroom.events.schemas import Envelope
from strongroom.services.access import Principal, Role
from strongroom.workflows.definitions import StepContext
from strongroom.workflows.types import Intent, IntentStatus
from tests.banking.conftest import key

T0 = 1_796_000_000 * 10**9


def event(
    subject: str = "c-1", metric: str = "api_calls", quantity: int = 1, **more: Any
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "subject": subject,
        "metric": metric,
        "quantity": quantity,
        "at": T0,
        **more,
    }


@pytest.fixture
async def usage(platform: Platform) -> UsageService:
    return UsageService(await platform.billing_store(), platform.clock)


@pytest.fixture
async def writer(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "meter")


async def test_events_are_stored_once_by_id(
    platform: Platform, usage: UsageService, writer: Principal
) -> None:
    batch = [event(), event(properties={"currency": "SGD", "large": True}), event("c-2")]
    first = await usage.ingest(writer, batch)
    assert (first.received, first.stored, first.duplicates) == (3, 3, 0)
    again = await usage.ingest(writer, [*batch, event()])
    assert (again.stored, again.duplicates) == (1, 3)
    store = await platform.billing_store()
    stored = await store.unbilled_usage("acme", ["c-1", "c-2"], T0 + 1)
    assert len(stored) == 4
    assert {s.event.properties.get("currency") for s in stored} == {None, "SGD"}
    assert await store.unbilled_usage("other", ["c-1"], T0 + 1) == []
    assert await store.unbilled_usage("acme", ["c-1"], T0) == []


async def test_a_bad_event_is_named_and_its_batch_is_not_stored(
    platform: Platform, usage: UsageService, writer: Principal
) -> None:
    good = event()
    cases: list[tuple[Any, str]] = [
        ([good, event(quantity=2**63)], "events[1].quantity"),
        ([good, {**event(), "id": "nope"}], "events[1].id"),
        ([good, {**event(), "extra": 1}], "events[1].extra"),
        ([good, event(subject="")], "events[1].subject"),
        ([good, event(properties={"x": 1.5})], "events[1].properties"),
        ([good, {**good, "quantity": 2}], "events[1].id"),
        ([], "events"),
        ({"events": []}, "events"),
    ]
    for batch, field in cases:
        with pytest.raises(ValidationError) as refused:
            await usage.ingest(writer, batch)
        assert refused.value.field.startswith(field), (batch, refused.value)
    with pytest.raises(BatchTooLarge):
        await usage.ingest(writer, [event() for _ in range(MAX_BATCH + 1)])
    store = await platform.billing_store()
    assert await store.unbilled_usage("acme", ["c-1"], T0 + 1) == []
    reader = await key(platform, Role.READ, "reader")
    with pytest.raises(PermissionDenied):
        await usage.ingest(reader, [good])


def step_context(step: str = "settle") -> StepContext[Any]:
    intent = Intent(
        id=uuid.uuid4(),
        tenant="acme",
        type="demo",
        reference="r",
        payload={},
        state="initiated",
        status=IntentStatus.READY,
        version=1,
        created_at=T0,
        updated_at=T0,
    )
    return StepContext(intent, msgspec.Struct(), step, 1, T0 + 5)


async def test_a_metered_step_meters_once_per_run_and_the_consumer_ingests_once(
    platform: Platform, usage: UsageService
) -> None:
    @metered(
        "payments",
        subject=lambda context, result: result["payer"],
        quantity=lambda context, result: result["amount"],
        properties=lambda context, result: {"currency": "SGD"},
    )
    async def settle(context: StepContext[Any]) -> dict[str, Any]:
        return {"payer": "c-9", "amount": 1250}

    context = step_context()
    assert await settle(context) == {"payer": "c-9", "amount": 1250}
    replay = StepContext(context.intent, context.payload, "settle", 2, T0 + 9)
    await settle(replay)
    meter(replay, "api_calls", "c-9")
    (first_type, first), (_, second), (_, calls) = replay_emitted = [
        *context.emitted,
        *replay.emitted,
    ]
    assert first_type == USAGE
    assert first["id"] == second["id"] == str(usage_id(context, "payments"))
    assert len(replay_emitted) == 3
    envelopes = [
        Envelope(id=uuid.uuid4(), type=USAGE, version=1, occurred_at=T0, tenant="acme", data=data)
        for data in (first, second, calls, {"id": "broken"})
    ]
    consumer = UsageConsumer(usage)
    await consumer.handle_batch(envelopes)
    await consumer(envelopes[0])
    stored = await (await platform.billing_store()).unbilled_usage("acme", ["c-9"], T0 + 10)
    assert sorted((s.event.metric, s.event.quantity) for s in stored) == [
        ("api_calls", 1),
        ("payments", 1250),
    ]
