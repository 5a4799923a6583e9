"""Events: the outbox relay, the bus (in-process or NATS JetStream), idempotent consumers, audit.

Platform layer: holds no SQL. What it needs from a database it declares in
strongroom.events.ports; strongroom.store implements those ports and strongroom.bootstrap opens
them. Imports strongroom.tracing, clock, ids and errors; never the store, the ledger, services,
api or cli. docs/events.md and docs/audit.md describe it.
"""

from strongroom.events.bus import (
    BatchHandler,
    Bus,
    Handler,
    Subscription,
    subject_for,
    subject_matches,
)
from strongroom.events.consumers import IdempotentConsumer
from strongroom.events.inprocess import DeliveryFailed, InProcessBus
from strongroom.events.jetstream import JetStreamBus, PublishFailed
from strongroom.events.relay import OutboxCorrupt, Relay, RelayBusy
from strongroom.events.schemas import Envelope, payload

__all__ = [
    "BatchHandler",
    "Bus",
    "DeliveryFailed",
    "Envelope",
    "Handler",
    "IdempotentConsumer",
    "InProcessBus",
    "JetStreamBus",
    "OutboxCorrupt",
    "PublishFailed",
    "Relay",
    "RelayBusy",
    "Subscription",
    "payload",
    "subject_for",
    "subject_matches",
]
