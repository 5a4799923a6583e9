"""`IntentService`: the intent engine as the API and the CLI use it. Checks the caller's role,
scopes every call to the caller's tenant (another tenant's intent is NotFound), validates input
before anything is written, and raises strongroom.errors for the transports to render.

Submissions are group-committed like checkpoints: concurrent callers share one transaction. An
intent submitted in a process whose engine has room is stored already leased to that engine and
starts at once, with no poll in between.

Roles: `read` may show and list; `write` may submit and send events; `admin` may cancel, retry
a failed intent and manage schedules. A type may need more to be submitted (`IntentType.role`),
or be submitted only through its own service's operation (`IntentType.through`).

May import services.access and this package; never strongroom.store nor the transports.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from strongroom.clock import Clock
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.services.access import Principal, Role, acting, require
from strongroom.tracing import current_trace_id
from strongroom.workflows.batching import GroupCommit
from strongroom.workflows.definitions import CANCEL, FAIL, KEY_PATTERN, IntentType, Registry
from strongroom.workflows.engine import Engine, new_intent, submission
from strongroom.workflows.ports import Checkpoint, IntentStore, Schedule, Submission
from strongroom.workflows.schedules import parse_schedule
from strongroom.workflows.transitions import transition, transition_event
from strongroom.workflows.types import (
    Intent,
    IntentDetail,
    IntentQuery,
    IntentStatus,
    TransitionRecord,
)

#: The event an admin retry records (not a machine event: it restarts a failed run).
RETRY = "retry"
MAX_PAGE = 500
#: An intent's payload says what was asked; documents belong elsewhere.
MAX_PAYLOAD_BYTES = 64 * 1024
_normalise = msgspec.json.Encoder().encode


class ReferenceConflict(Conflict):
    """The reference was used before for this type with another payload."""

    code = "reference_conflict"

    def __init__(self, type: str, reference: str) -> None:
        super().__init__(
            f"reference {reference!r} of type {type!r} was used before with another payload"
        )
        self.reference = reference


class VersionConflict(Conflict):
    code = "version_conflict"

    def __init__(self, intent_id: uuid.UUID, expected: int, found: int) -> None:
        super().__init__(f"intent {intent_id} is at version {found}, not {expected}")


@dataclass(frozen=True, slots=True)
class Submitted:
    intent: Intent
    #: False when the reference was already taken with the same payload (a safe retry).
    created: bool


def _reference(reference: object) -> str:
    if not isinstance(reference, str) or not re.fullmatch(KEY_PATTERN, reference):
        raise ValidationError("reference", "must be 1 to 200 characters, none a control character")
    return reference


def _may_submit(who: Principal, kind: IntentType[Any], *, checked: bool) -> None:
    require(who, kind.role)
    if kind.through is not None and not checked:
        raise ValidationError("type", f"{kind.name} is submitted through {kind.through}")


def _payload(payload: object) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValidationError("payload", "must be a JSON object")
    try:
        encoded = _normalise(payload)
    except (TypeError, msgspec.EncodeError) as error:
        raise ValidationError("payload", f"not JSON: {error}") from None
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise ValidationError("payload", f"larger than {MAX_PAYLOAD_BYTES} bytes as JSON")
    normal: dict[str, Any] = _integral(msgspec.json.decode(encoded))
    return normal


def _integral(value: Any) -> Any:
    """JSON has one kind of number: 250.0 is the integer 250 (as JSON Schema reads it), and is
    stored as such, so that an integer field accepts it and retries compare equal."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


class IntentService:
    def __init__(
        self,
        store: IntentStore,
        registry: Registry,
        clock: Clock,
        engine: Engine | None = None,
        *,
        batch: int = 1000,
    ) -> None:
        """`engine`: this process's engine, which runs what is submitted here when it has
        room (without one, a worker elsewhere claims it)."""
        self.store = store
        self.registry = registry
        self.clock = clock
        self.engine = engine
        self._submits: GroupCommit[Submission, Intent] = GroupCommit(
            "intent-submits", self._write, max_batch=batch, writers=2
        )

    async def close(self) -> None:
        await self._submits.stop()

    async def _write(self, batch: list[Submission] | Any) -> list[Intent]:
        engine = self.engine
        owner = engine.worker if engine is not None and engine.room >= len(batch) else None
        stored = await self.store.submit(batch, owner)
        if engine is not None:
            engine.adopt([i for i in stored if i.lease_owner == engine.worker])
            engine.poke()
        return [stored[index] for index in range(len(batch))]

    # -- submitting ---------------------------------------------------------------------------

    async def submit(self, who: Principal, type: str, reference: str, payload: object) -> Submitted:
        """Submit an intent; the same reference and payload again returns the stored one. A
        type submitted through its own service's operation is refused here, naming it."""
        return await self._submit(who, type, reference, payload, checked=False)

    async def submit_checked(
        self, who: Principal, type: str, reference: str, payload: object
    ) -> Submitted:
        """`submit`, for the service that owns `type` and has checked what its payload alone
        cannot say."""
        return await self._submit(who, type, reference, payload, checked=True)

    async def _submit(
        self, who: Principal, type: str, reference: str, payload: object, *, checked: bool
    ) -> Submitted:
        # The role first: a reader must not learn which types exist.
        with acting(who, Role.WRITE):
            kind = self.registry.get(type)
            _may_submit(who, kind, checked=checked)
            normal = _payload(payload)
            intent = new_intent(
                kind,
                tenant=who.tenant,
                reference=_reference(reference),
                payload=normal,
                now=self.clock.now_ns(),
                actor=who.id,
                trace_id=current_trace_id(),
            )
            self._submits.start()
            stored = await self._submits.submit(submission(kind, intent))
            if stored.id == intent.id:
                return Submitted(stored, True)
            if _normalise(stored.payload) != _normalise(normal):
                raise ReferenceConflict(type, reference)
            return Submitted(stored, False)

    # -- reading ------------------------------------------------------------------------------

    async def show(self, who: Principal, intent_id: uuid.UUID) -> IntentDetail:
        with acting(who, Role.READ):
            found = await self.store.detail(intent_id, who.tenant)
            if found is None:
                raise NotFound(f"intent {intent_id} not found")
            return found

    async def find(
        self,
        who: Principal,
        *,
        type: str | None = None,
        state: str | None = None,
        status: str | None = None,
        customer: str | None = None,
        account: str | None = None,
        created_from: int | None = None,
        created_to: int | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[Intent], str | None]:
        """The tenant's intents, newest first; pass the returned cursor for the next page."""
        with acting(who, Role.READ):
            if not 1 <= limit <= MAX_PAGE:
                raise ValidationError("limit", f"must be 1 to {MAX_PAGE}")
            try:
                wanted = None if status is None else IntentStatus(status)
            except ValueError:
                raise ValidationError(
                    "status", f"one of {', '.join(s.value for s in IntentStatus)}"
                ) from None
            before = None
            if cursor is not None:
                if not cursor.isdigit():
                    raise ValidationError("cursor", "not a cursor this listing returned")
                before = int(cursor)
            items = await self.store.find(
                IntentQuery(
                    who.tenant,
                    type,
                    state,
                    wanted,
                    customer,
                    account,
                    created_from,
                    created_to,
                    before,
                    limit,
                )
            )
            more = str(items[-1].seq) if len(items) == limit else None
            return items, more

    # -- acting on one intent -----------------------------------------------------------------

    async def _current(
        self, who: Principal, intent_id: uuid.UUID, expected_version: int | None
    ) -> tuple[Intent, IntentType[Any]]:
        intent = await self.store.get(intent_id, who.tenant)
        if intent is None:
            raise NotFound(f"intent {intent_id} not found")
        if expected_version is not None and intent.version != expected_version:
            raise VersionConflict(intent_id, expected_version, intent.version)
        return intent, self.registry.get(intent.type)

    async def _apply(self, before: Intent, checkpoint: Checkpoint) -> Intent:
        checkpoint.expected_version = before.version
        checkpoint.fence = True
        applied = await self.store.checkpoint([checkpoint], self.clock.now_ns())
        if applied.refused:
            current = await self.store.get(before.id)
            raise VersionConflict(before.id, before.version, current.version if current else -1)
        if self.engine is not None:
            self.engine.poke()
        return msgspec.structs.replace(checkpoint.intent, lease_owner=None)

    async def fire(
        self,
        who: Principal,
        intent_id: uuid.UUID,
        event: str,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Intent:
        """Send `event` to the intent's machine (a person's decision, an outside signal)."""
        with acting(who, Role.WRITE):
            intent, kind = await self._current(who, intent_id, expected_version)
            now = self.clock.now_ns()
            moved, record, events = transition(
                kind, intent, event, now=now, actor=who.id, reason=reason
            )
            if moved.status is not IntentStatus.DONE:
                # The workflow (if any is left) goes on from the new state.
                moved = msgspec.structs.replace(moved, status=IntentStatus.READY, run_at=now)
            return await self._apply(intent, Checkpoint(moved, transitions=[record], events=events))

    async def cancel(
        self,
        who: Principal,
        intent_id: uuid.UUID,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Intent:
        """Cancel: at once when nothing needs undoing, else the engine compensates what the
        workflow did and then cancels (`cancel_requested` until then). An intent a worker is
        running is not taken from it: the worker finishes the step in hand, so that its effect
        is known and compensated too, and cancels at that checkpoint."""
        with acting(who, Role.ADMIN):
            intent, kind = await self._current(who, intent_id, expected_version)
            if intent.status is IntentStatus.DONE:
                raise Conflict(f"intent {intent_id} is finished ({intent.state})")
            # IllegalTransition, naming the state, if its machine cannot be cancelled there.
            kind.machine.next(intent.state, CANCEL, intent)
            if intent.lease_owner is not None:
                if not await self.store.request_cancel(intent.id):
                    raise Conflict(f"intent {intent_id} finished meanwhile")
                return msgspec.structs.replace(intent, cancel_requested=True)
            now = self.clock.now_ns()
            if kind.compensable(intent) or (
                intent.status is IntentStatus.WAITING and intent.position
            ):
                requested = msgspec.structs.replace(
                    intent,
                    cancel_requested=True,
                    status=IntentStatus.READY,
                    run_at=now,
                    version=intent.version + 1,
                    updated_at=now,
                )
                return await self._apply(intent, Checkpoint(requested))
            moved, record, events = transition(
                kind, intent, CANCEL, now=now, actor=who.id, reason=reason or "cancelled"
            )
            moved = msgspec.structs.replace(moved, error=reason or "cancelled")
            return await self._apply(intent, Checkpoint(moved, transitions=[record], events=events))

    async def retry(self, who: Principal, intent_id: uuid.UUID) -> Intent:
        """Run a failed intent again from its first group, as a new run: its steps derive new
        transfer ids (the failed run's effects were compensated)."""
        with acting(who, Role.ADMIN):
            intent, kind = await self._current(who, intent_id, None)
            detail = await self.store.detail(intent_id, who.tenant)
            last = detail.transitions[-1].event if detail and detail.transitions else None
            if intent.status is not IntentStatus.DONE or last != FAIL or kind.workflow is None:
                raise Conflict(f"intent {intent_id} did not fail: only a failed intent is retried")
            now = self.clock.now_ns()
            version = intent.version + 1
            initial = kind.machine.initial
            record = TransitionRecord(
                intent.id, version, RETRY, intent.state, initial, now, who.id, "admin retry"
            )
            restarted = msgspec.structs.replace(
                intent,
                state=initial,
                status=IntentStatus.READY,
                version=version,
                updated_at=now,
                run_at=now,
                position=0,
                results={},
                attempts=0,
                run=intent.run + 1,
                error=None,
                # Its key's queue moved on while it lay failed: the engine queues it again, behind
                # the intents now in it, before its first group.
                mutex_key=None,
            )
            event = transition_event(restarted, record)
            return await self._apply(
                intent, Checkpoint(restarted, transitions=[record], events=[event])
            )

    # -- schedules ----------------------------------------------------------------------------

    async def put_schedule(
        self, who: Principal, name: str, type: str, spec: str, payload: object
    ) -> Schedule:
        """Create or replace the schedule `name`: submit an intent of `type` at each time of
        `spec` (see strongroom.workflows.schedules). A type submitted through its own
        service's operation is refused here, naming it."""
        return await self._put_schedule(who, name, type, spec, payload, checked=False)

    async def put_schedule_checked(
        self, who: Principal, name: str, type: str, spec: str, payload: object
    ) -> Schedule:
        """`put_schedule`, for the service that owns `type` and has checked the payload."""
        return await self._put_schedule(who, name, type, spec, payload, checked=True)

    async def _put_schedule(
        self, who: Principal, name: str, type: str, spec: str, payload: object, *, checked: bool
    ) -> Schedule:
        with acting(who, Role.ADMIN):
            if not isinstance(name, str) or not 1 <= len(name) <= 100 or not name.isprintable():
                raise ValidationError("name", "must be 1 to 100 printable characters")
            kind = self.registry.get(type)
            _may_submit(who, kind, checked=checked)
            normal = _payload(payload)
            kind.decode(normal)
            parsed = parse_schedule(spec, field="spec")
            now = self.clock.now_ns()
            schedule = Schedule(
                who.tenant, name, type, normal, parsed.text, parsed.first(now), None, 0, now
            )
            await self.store.put_schedule(schedule)
            return schedule

    async def schedules(self, who: Principal) -> list[Schedule]:
        with acting(who, Role.READ):
            return await self.store.schedules(who.tenant)

    async def delete_schedule(self, who: Principal, name: str) -> None:
        with acting(who, Role.ADMIN):
            if not await self.store.delete_schedule(who.tenant, name):
                raise NotFound(f"schedule {name!r} not found")

    # -- types --------------------------------------------------------------------------------

    def graph(self, type: str, format: str = "mermaid") -> str:
        """The lifecycle of `type` as Mermaid or Graphviz text."""
        machine = self.registry.get(type).machine
        if format == "mermaid":
            return machine.mermaid()
        if format in ("dot", "graphviz"):
            return machine.graphviz()
        raise ValidationError("format", "one of mermaid, dot")
