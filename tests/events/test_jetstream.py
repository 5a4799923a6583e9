from __future__ import annotations

import asyncio
import json
import uuid

import nats

from strongroom.events.jetstream import JetStreamBus, trace_id_from, traceparent
from strongroom.events.schemas import Envelope, decode_envelope
from strongroom.tracing import current_trace_id


def envelope(make_event, **options) -> Envelope:
    return decode_envelope(json.dumps(make_event(**options)).encode())


async def test_publish_deduplicates_by_event_id(jetstream: JetStreamBus, make_event) -> None:
    events = [envelope(make_event) for _ in range(3)]
    await jetstream.publish(events)
    await jetstream.publish(events[1:])
    assert await jetstream.stream_messages() == 3


async def test_messages_carry_msg_id_traceparent_and_the_envelope(
    jetstream: JetStreamBus, nats_url: str, make_event
) -> None:
    event = envelope(make_event, trace_id="ef" * 16)
    await jetstream.publish([event])
    client = await nats.connect(nats_url)
    try:
        stored = await client.jetstream().get_last_msg(
            jetstream.stream, f"{jetstream.prefix}.ledger.transfer.created"
        )
    finally:
        await client.close()
    headers = stored.headers or {}
    assert headers["Nats-Msg-Id"] == str(event.id)
    assert headers["traceparent"] == f"00-{'ef' * 16}-{event.id.hex[16:]}-01"
    assert trace_id_from(headers["traceparent"]) == "ef" * 16
    assert decode_envelope(stored.data or b"") == event


def test_no_traceparent_without_a_trace(make_event) -> None:
    assert traceparent(envelope(make_event, trace_id=None)) is None
    assert trace_id_from(None) is None
    assert trace_id_from("garbage") is None


async def test_durable_consumer_gets_each_event_with_its_trace_and_resumes(
    jetstream: JetStreamBus, make_event, eventually
) -> None:
    received: list[tuple[uuid.UUID, str | None]] = []

    async def handler(event: Envelope) -> None:
        received.append((event.id, current_trace_id()))

    first = [envelope(make_event, trace_id=f"{n:032x}") for n in range(3)]
    await jetstream.publish(first)
    subscription = await jetstream.subscribe(f"{jetstream.prefix}.>", "reader", handler)

    async def got(n: int) -> bool:
        return len(received) == n

    await eventually(lambda: got(3), "the first events")
    await subscription.stop()
    second = [envelope(make_event) for _ in range(2)]
    await jetstream.publish(second)
    # A new subscription under the same durable name continues after what was acked.
    await jetstream.subscribe(f"{jetstream.prefix}.>", "reader", handler)
    await eventually(lambda: got(5), "the later events")
    assert [r[0] for r in received] == [e.id for e in first + second]
    assert [r[1] for r in received[:3]] == [f"{n:032x}" for n in range(3)]


async def test_a_failing_handler_gets_the_event_again(
    jetstream: JetStreamBus, make_event, eventually
) -> None:
    attempts: list[uuid.UUID] = []

    async def flaky(event: Envelope) -> None:
        attempts.append(event.id)
        if len(attempts) < 3:
            raise RuntimeError("not yet")

    event = envelope(make_event)
    await jetstream.publish([event])
    await jetstream.subscribe(f"{jetstream.prefix}.ledger.>", "flaky", flaky)

    async def handled() -> bool:
        return len(attempts) >= 3

    await eventually(handled, "redelivery")
    await asyncio.sleep(0.3)
    assert attempts == [event.id] * 3


async def test_filtered_consumers_only_see_their_subjects(
    jetstream: JetStreamBus, make_event, eventually
) -> None:
    seen: list[str] = []

    async def handler(event: Envelope) -> None:
        seen.append(event.type)

    await jetstream.publish(
        [
            envelope(make_event, event_type="ledger.account.created"),
            envelope(make_event, event_type="ledger.transfer.created"),
        ]
    )
    await jetstream.subscribe(f"{jetstream.prefix}.ledger.account.*", "accounts", handler)

    async def got_one() -> bool:
        return bool(seen)

    await eventually(got_one, "the account event")
    assert seen == ["ledger.account.created"]


async def test_a_foreign_publishers_traceparent_supplies_a_missing_trace_id(
    jetstream: JetStreamBus, nats_url: str, make_event, eventually
) -> None:
    seen: list[str | None] = []

    async def handler(_: Envelope) -> None:
        seen.append(current_trace_id())

    raw = make_event(trace_id=None)
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().publish(
            f"{jetstream.prefix}.ledger.transfer.created",
            json.dumps(raw).encode(),
            headers={"traceparent": f"00-{'9a' * 16}-{'1' * 16}-01"},
        )
        await client.jetstream().publish(f"{jetstream.prefix}.ledger.transfer.created", b"junk")
    finally:
        await client.close()
    await jetstream.subscribe(f"{jetstream.prefix}.>", "foreign", handler)

    async def got_it() -> bool:
        return bool(seen)

    await eventually(got_it, "the foreign event")
    assert seen == ["9a" * 16]
