from __future__ import annotations

import json

import pytest

from strongroom.errors import Conflict
from strongroom.events.inprocess import DeliveryFailed, InProcessBus
from strongroom.events.schemas import Envelope, decode_envelope


def events(make_event, *types: str) -> list[Envelope]:
    return [decode_envelope(json.dumps(make_event(event_type=t)).encode()) for t in types]


async def test_each_durable_consumer_gets_its_matching_events_in_order(make_event) -> None:
    bus = InProcessBus(prefix="sr")
    everything: list[str] = []
    transfers: list[str] = []

    async def all_handler(event: Envelope) -> None:
        everything.append(event.type)

    async def transfer_handler(event: Envelope) -> None:
        transfers.append(event.type)

    await bus.subscribe("sr.>", "all", all_handler)
    await bus.subscribe("sr.ledger.transfer.*", "transfers", transfer_handler)
    batch = events(
        make_event, "ledger.account.created", "ledger.transfer.created", "ledger.pending.expired"
    )
    await bus.publish(batch)
    assert everything == [e.type for e in batch]
    assert transfers == ["ledger.transfer.created"]


async def test_a_failing_handler_is_retried_until_it_succeeds(make_event) -> None:
    bus = InProcessBus(retry_delay=0.001)
    attempts = 0

    async def flaky(_: Envelope) -> None:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise RuntimeError("database away")

    await bus.subscribe("strongroom.>", "flaky", flaky)
    await bus.publish(events(make_event, "ledger.transfer.created"))
    assert attempts == 3


async def test_publish_raises_when_a_handler_keeps_failing_and_others_still_finish(
    make_event,
) -> None:
    bus = InProcessBus(max_attempts=2, retry_delay=0.001)
    handled: list[str] = []

    async def broken(_: Envelope) -> None:
        raise RuntimeError("bug")

    async def fine(event: Envelope) -> None:
        handled.append(event.type)

    await bus.subscribe("strongroom.>", "broken", broken)
    await bus.subscribe("strongroom.>", "fine", fine)
    with pytest.raises(DeliveryFailed, match="consumer broken failed 2 times"):
        await bus.publish(events(make_event, "ledger.transfer.created", "ledger.account.created"))
    assert handled == ["ledger.transfer.created", "ledger.account.created"]


async def test_a_durable_name_subscribes_once_and_stop_unsubscribes(make_event) -> None:
    bus = InProcessBus()
    seen: list[Envelope] = []

    async def handler(event: Envelope) -> None:
        seen.append(event)

    subscription = await bus.subscribe("strongroom.>", "audit", handler)
    with pytest.raises(Conflict):
        await bus.subscribe("strongroom.>", "audit", handler)
    await subscription.stop()
    await bus.publish(events(make_event, "ledger.transfer.created"))
    assert seen == []
    await bus.subscribe("strongroom.>", "audit", handler)
    await bus.publish(events(make_event, "ledger.transfer.created"))
    assert len(seen) == 1
    await bus.close()


class Batching:
    """A handler taking batches, which fails any batch holding a poisoned event type."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def __call__(self, event: Envelope) -> None:
        self.calls.append([event.type])

    async def handle_batch(self, events) -> None:
        if any(e.type == "ledger.pending.expired" for e in events):
            raise RuntimeError("this batch cannot be applied as a whole")
        self.calls.append([e.type for e in events])


async def test_a_batch_handler_gets_the_events_in_one_call(make_event) -> None:
    bus = InProcessBus()
    handler = Batching()
    await bus.subscribe("strongroom.>", "batching", handler)
    await bus.publish(events(make_event, "ledger.account.created", "ledger.transfer.created"))
    assert handler.calls == [["ledger.account.created", "ledger.transfer.created"]]


async def test_a_failed_batch_is_delivered_one_by_one(make_event) -> None:
    bus = InProcessBus()
    handler = Batching()
    await bus.subscribe("strongroom.>", "batching", handler)
    await bus.publish(events(make_event, "ledger.account.created", "ledger.pending.expired"))
    assert handler.calls == [["ledger.account.created"], ["ledger.pending.expired"]]
