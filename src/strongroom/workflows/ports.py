"""What the intent engine needs stored: `IntentStore`, which strongroom.store implements on
SQLite and PostgreSQL and strongroom.bootstrap hands in.

Every write of the engine is a `Checkpoint`: the intent as it is now, with the transitions, step
runs, events and child intents that got it there, applied in one transaction with many others
(group commit). A checkpoint is fenced: the engine's by the lease epoch it claimed the intent
with, a person's (cancel, retry, an event) by the version they read; a stale one is refused and
changes nothing.

Imports this package's types and strongroom.events' schemas only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec

from strongroom.events.schemas import Envelope
from strongroom.workflows.types import (
    Intent,
    IntentDetail,
    IntentQuery,
    QueueStats,
    StepRecord,
    TransitionRecord,
)


class Checkpoint(msgspec.Struct):
    """A msgspec Struct: the engine makes one per group of every intent."""

    #: The intent as it must be stored (its version already incremented).
    intent: Intent
    #: The engine's: the lease epoch it holds. None for a person's change, checked by version.
    epoch: int | None = None
    #: A person's change: the version read before the change.
    expected_version: int | None = None
    #: Take the intent from whichever worker holds it (its next checkpoint is then refused).
    fence: bool = False
    transitions: list[TransitionRecord] = msgspec.field(default_factory=list)
    steps: list[StepRecord] = msgspec.field(default_factory=list)
    events: list[Envelope] = msgspec.field(default_factory=list)
    #: Child intents to create (a sub-workflow), new rows with no history yet.
    children: list[Intent] = msgspec.field(default_factory=list)
    #: Give the intent a new turn in its mutex key's queue, behind every intent in it: it takes
    #: its key again (given up while a `release_key` group waited, or by an admin's retry).
    join: bool = False


@dataclass(frozen=True, slots=True)
class Applied:
    """What became of a batch of checkpoints."""

    #: Stale: changed nothing.
    refused: set[uuid.UUID]
    #: Written, and a person has asked to cancel the intent meanwhile.
    cancelling: set[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Submission:
    """A new intent with its first transition and the events it publishes."""

    intent: Intent
    transition: TransitionRecord
    events: list[Envelope]


@dataclass(frozen=True, slots=True)
class Schedule:
    """A durable schedule: submit an intent of `type` with `payload` at each fire time."""

    tenant: str
    name: str
    type: str
    payload: dict[str, object]
    spec: str
    next_at: int | None
    last_at: int | None
    fired: int
    created_at: int


class IntentStore(Protocol):
    async def submit(self, submissions: Sequence[Submission], owner: str | None) -> list[Intent]:
        """Insert the intents whose (tenant, type, reference) is free, in one transaction; for
        each submission, the intent stored under its reference (the new one, or the one that
        was there). `owner` (a worker) is handed the new intents that may run now (no live
        intent before them under their mutex key) at once."""
        ...

    async def heartbeat(self, owner: str, now: int, lease_until: int) -> None:
        """Record that worker `owner` lives until `lease_until`: its leases on every intent it
        holds last as long (registers the worker on first call)."""
        ...

    async def retire(self, owner: str) -> None:
        """Worker `owner` stops: what it still holds may be claimed at once."""
        ...

    async def claim(self, owner: str, now: int, limit: int) -> list[Intent]:
        """Lease up to `limit` due intents to `owner`: ready, `run_at` passed, not held by a
        worker whose heartbeat lives, and first among the live intents of their mutex key."""
        ...

    async def checkpoint(self, batch: Sequence[Checkpoint], now: int) -> Applied:
        """Apply the checkpoints in one transaction. A cancellation requested meanwhile
        (`request_cancel`) is kept, and reported, unless the checkpoint finishes the intent."""
        ...

    async def request_cancel(self, intent_id: uuid.UUID) -> bool:
        """Ask the worker running the intent to cancel it at its next checkpoint (False if the
        intent is done)."""
        ...

    async def get(self, intent_id: uuid.UUID, tenant: str | None = None) -> Intent | None: ...

    async def detail(
        self, intent_id: uuid.UUID, tenant: str | None = None
    ) -> IntentDetail | None: ...

    async def find(self, query: IntentQuery) -> list[Intent]: ...

    async def queue_stats(self, now: int) -> QueueStats: ...

    async def put_schedule(self, schedule: Schedule) -> None:
        """Create or replace the schedule (tenant, name)."""
        ...

    async def delete_schedule(self, tenant: str, name: str) -> bool: ...

    async def schedules(self, tenant: str | None) -> list[Schedule]: ...

    async def due_schedules(self, now: int, limit: int) -> list[Schedule]:
        """Schedules whose next fire time has passed, the earliest first."""
        ...

    async def advance_schedule(
        self, tenant: str, name: str, fired_at: int, next_at: int | None
    ) -> bool:
        """Move the schedule past `fired_at` to `next_at`, if no other process did already
        (compare and set on the fire time)."""
        ...

    async def close(self) -> None: ...
