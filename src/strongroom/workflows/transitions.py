"""Moving an intent through its machine: the new intent, the transition record, the events.

Every transition, whoever causes it (a workflow's group, a failure, a person, a timer), goes
through `transition`, so each one is recorded with who, when, why and the state before, and
published as an `intent.transitioned` event in the same transaction. Entering a state runs its
entry action, which may emit events and set the state's timer (`Entry.after`): a timer belongs
to the state that set it and is dropped when the intent leaves that state.

Imports strongroom.events' schemas, ids and this package's definitions, machine and types.
"""

from __future__ import annotations

from typing import Any

import msgspec

from strongroom.events.schemas import INTENT_TRANSITIONED, Envelope
from strongroom.ids import new_id
from strongroom.workflows.definitions import IntentType
from strongroom.workflows.types import Intent, IntentStatus, TransitionRecord

#: The event of an intent's first transition, into its machine's initial state.
SUBMIT = "submit"


class Entry:
    """What a state's entry action may do: read the intent, emit events, set a timer."""

    def __init__(self, intent: Intent, payload: Any, now: int) -> None:
        self.intent = intent
        self.payload = payload
        self.now = now
        self.timer: tuple[int, str] | None = None
        self.emitted: list[tuple[str, dict[str, Any]]] = []

    def after(self, seconds: float, event: str) -> None:
        """Fire `event` in `seconds` if the intent is still in this state then."""
        self.timer = (self.now + int(seconds * 1_000_000_000), event)

    def emit(self, type: str, data: dict[str, Any]) -> None:
        self.emitted.append((type, data))


def envelope(
    intent: Intent, type: str, data: dict[str, Any], now: int, actor: str | None
) -> Envelope:
    return Envelope(
        id=new_id(),
        type=type,
        version=1,
        occurred_at=now,
        tenant=intent.tenant,
        trace_id=intent.trace_id,
        actor=actor,
        data=data,
    )


def transition_event(intent: Intent, record: TransitionRecord) -> Envelope:
    """The `intent.transitioned` event of `record`."""
    return envelope(
        intent,
        INTENT_TRANSITIONED,
        {
            "id": str(record.intent_id),
            "type": intent.type,
            "reference": intent.reference,
            "seq": record.seq,
            "event": record.event,
            "from_state": record.from_state,
            "to_state": record.to_state,
            "reason": record.reason,
            "at": record.at,
        },
        record.at,
        record.actor,
    )


def transition(
    kind: IntentType[Any],
    intent: Intent,
    event: str,
    *,
    now: int,
    actor: str | None,
    reason: str | None = None,
    payload: Any = None,
) -> tuple[Intent, TransitionRecord, list[Envelope]]:
    """`intent` after `event` (IllegalTransition if its state does not accept it). The first
    transition of a new intent is `SUBMIT`, from no state into the initial one."""
    if event == SUBMIT and intent.version == 0:
        source: str | None = None
        target = kind.machine.initial
    else:
        source = intent.state
        target = kind.machine.next(intent.state, event, intent)
    version = intent.version + 1
    record = TransitionRecord(intent.id, version, event, source, target, now, actor, reason)
    moved = msgspec.structs.replace(
        intent,
        state=target,
        version=version,
        updated_at=now,
        timer_at=None,
        timer_event=None,
    )
    if kind.machine.is_terminal(target):
        moved = msgspec.structs.replace(moved, status=IntentStatus.DONE, run_at=None)
    events = [transition_event(moved, record)]
    action = kind.machine.entry_action(target)
    if action is not None:
        entry = Entry(moved, payload if payload is not None else kind.decode(intent.payload), now)
        action(entry)
        if entry.timer is not None:
            moved = msgspec.structs.replace(
                moved, timer_at=entry.timer[0], timer_event=entry.timer[1]
            )
        events += [envelope(moved, t, d, now, actor) for t, d in entry.emitted]
    return moved, record, events
