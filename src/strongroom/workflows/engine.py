"""`Engine`: a worker that runs intents, as many processes as the deployment wants.

Each engine claims due intents under a lease (see strongroom.store.intents for the claim and the
per-key mutex), runs each in a task of its own, and keeps its leases alive with one heartbeat
statement for all of them. An intent runs group after group while the engine holds it; every
group ends in a checkpoint, and the next group starts only once the checkpoint is committed.
Checkpoints of all the intents in flight are written together (`GroupCommit`): one transaction
for hundreds of intents is what lets a worker run thousands of workflows a second.

A checkpoint carries the lease epoch the intent was claimed with. A worker that lost its lease
(paused past it, cut off) has its checkpoint refused and drops the intent; the worker that took
it over replays the unfinished group, whose steps derive their ledger transfer ids from
(intent, step, run), so the money moves once. A process killed mid-step is the same case.

Failures: an attempt that raises or exceeds its step's timeout is retried with the step's
backoff (the intent is released with `run_at` in the future, so any worker may retry it); a
refusal (`StepFailed`) or the last attempt fails the intent for good, after the compensations
of the steps that succeeded ran, newest first, and the machine took `fail`.

Imports strongroom.clock, errors, health, logging, ids and this package.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from strongroom.clock import Clock, SystemClock
from strongroom.errors import StrongroomError, ValidationError
from strongroom.events.schemas import Envelope
from strongroom.health import ComponentHealth
from strongroom.ids import new_id
from strongroom.logging import get_logger
from strongroom.workflows.batching import GroupCommit
from strongroom.workflows.definitions import (
    CANCEL,
    FAIL,
    KEY_PATTERN,
    Group,
    IntentType,
    Registry,
    Sleep,
    Step,
    StepContext,
    StepFailed,
    SubWorkflow,
    derived_id,
)
from strongroom.workflows.ports import Checkpoint, IntentStore, Submission
from strongroom.workflows.schedules import parse_schedule
from strongroom.workflows.transitions import SUBMIT, envelope, transition
from strongroom.workflows.types import (
    Intent,
    IntentStatus,
    StepOutcome,
    StepRecord,
    TransitionRecord,
)

_log = get_logger(__name__)

NS = 1_000_000_000
#: Step latency histogram bounds, seconds.
STEP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Seconds between the watchdog's looks at the steps' deadlines: how late a timeout may fire.
WATCHDOG_INTERVAL = 0.1
#: How many times a compensation is tried before the intent is left failed for a person.
COMPENSATION_ATTEMPTS = 5


class LeaseLost(StrongroomError):
    """This worker's checkpoint was refused: another worker, or a person, has the intent."""

    code = "lease_lost"


@dataclass
class EngineStats:
    """Counters since start, exported by strongroom.workflows.metrics."""

    steps: int = 0
    step_failures: int = 0
    retries: int = 0
    completed: int = 0
    failed: int = 0
    lost_leases: int = 0
    step_seconds_sum: float = 0.0
    step_buckets: list[int] = field(default_factory=lambda: [0] * (len(STEP_BUCKETS) + 1))

    def observe_step(self, seconds: float) -> None:
        self.steps += 1
        self.step_seconds_sum += seconds
        for index, bound in enumerate(STEP_BUCKETS):
            if seconds <= bound:
                self.step_buckets[index] += 1
                return
        self.step_buckets[-1] += 1


def worker_name() -> str:
    """host:pid:random, unique per process start (a restarted pid is another worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class _Run:
    """The working copy of one group's run."""

    intent: Intent
    records: list[StepRecord] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    children: list[Intent] = field(default_factory=list)
    #: The children's first transitions and their events, stored with them.
    child_transitions: list[TransitionRecord] = field(default_factory=list)
    child_events: list[Envelope] = field(default_factory=list)
    failures: list[tuple[Step | SubWorkflow, str, bool]] = field(default_factory=list)
    #: The group cannot finish yet: a child intent is live, or a Sleep has not ended.
    wait_until: int | None = None
    waiting_children: bool = False


class Engine:
    """A worker of the intent engine (a Component: `start`, `stop`, `health`)."""

    name = "intents"

    def __init__(
        self,
        store: IntentStore,
        registry: Registry,
        *,
        clock: Clock | None = None,
        worker: str | None = None,
        capacity: int = 1000,
        lease: float = 15.0,
        poll_interval: float = 0.05,
        checkpoint_batch: int = 1000,
        writers: int = 2,
        schedules: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        """`capacity`: intents run at once; `lease`: seconds this worker's claims last
        without a heartbeat (a killed worker's intents are taken over after it);
        `poll_interval`: how often an idle worker looks for due intents; `writers`: checkpoint
        transactions in flight at once."""
        self.store = store
        self.registry = registry
        self.clock = clock or SystemClock()
        self.worker = worker or worker_name()
        self.capacity = capacity
        self.lease_ns = int(lease * NS)
        self.poll_interval = poll_interval
        self.stats = EngineStats()
        self._rng = rng or random.Random()
        self._schedules = schedules
        self._checkpoints: GroupCommit[Checkpoint, bool | None] = GroupCommit(
            "intent-checkpoints", self._write, max_batch=checkpoint_batch, writers=writers
        )
        self._running: dict[uuid.UUID, asyncio.Task[None]] = {}
        #: Steps running, by task, with their deadlines (loop time); those the watchdog
        #: cancelled for passing theirs. One watchdog instead of a timer per step.
        self._deadlines: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._room = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._last_error: str | None = None
        #: Called with each intent this engine finishes, once its checkpoint is committed
        #: (what waits for an outcome in this process: a benchmark, a synchronous caller).
        self.on_done: Callable[[Intent], None] | None = None

    # -- the Component -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._tasks:
            return
        # Registered before the first claim: a claim is only as good as the heartbeat behind it.
        await self._heartbeat()
        self._checkpoints.start()
        loops = [self._claim_loop(), self._heartbeat_loop(), self._watchdog_loop()]
        if self._schedules:
            loops.append(self._schedule_loop())
        self._tasks = [
            asyncio.create_task(loop, name=f"intents-{n}") for n, loop in enumerate(loops)
        ]

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming, let the intents in flight reach their next checkpoint (at most
        `grace` seconds: the rest are taken over by others when their leases expire)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        running = list(self._running.values())
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._checkpoints.stop()
        with contextlib.suppress(Exception):
            # What it still held is free for the others now rather than at lease expiry.
            await self.store.retire(self.worker)

    def health(self) -> ComponentHealth:
        if not self._tasks:
            return ComponentHealth(self.name, "stopped")
        if self._last_error is not None:
            return ComponentHealth(self.name, "failing", self._last_error)
        return ComponentHealth(self.name, "ok", f"{len(self._running)} running")

    def checkpoint_figures(self) -> tuple[int, int]:
        """(transactions, checkpoints in them) written so far."""
        return self._checkpoints.batches, self._checkpoints.items

    @property
    def in_flight(self) -> int:
        return len(self._running)

    @property
    def room(self) -> int:
        """How many more intents this engine would take now."""
        return self.capacity - len(self._running) if self._tasks else 0

    def adopt(self, intents: Sequence[Intent]) -> None:
        """Run these intents, which were stored leased to this worker (a local submission)."""
        for intent in intents:
            if intent.lease_owner == self.worker and intent.id not in self._running:
                self._spawn(intent)

    def poke(self) -> None:
        """Look for due intents now rather than at the next poll."""
        self._wake.set()

    # -- claiming and leases -----------------------------------------------------------------

    def _spawn(self, intent: Intent) -> None:
        self._running[intent.id] = asyncio.create_task(self._drive(intent), name=str(intent.id))

    async def _claim_loop(self) -> None:
        while True:
            free = self.capacity - len(self._running)
            if free <= 0:
                self._room.clear()
                await self._room.wait()
                continue
            want = min(free, 500)
            try:
                claimed = await self.store.claim(self.worker, self.clock.now_ns(), want)
                self._last_error = None
            except Exception as error:
                self._failing("claim", error)
                claimed = []
            for intent in claimed:
                stale = self._running.get(intent.id)
                if stale is not None:
                    # Our task lost this intent (a person fenced it, or our heartbeat lapsed)
                    # and the claim took it back: its checkpoint would be refused anyway, and
                    # left alone it would keep the new run waiting until its step ended.
                    stale.cancel()
                self._spawn(intent)
            if len(claimed) < want:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.lease_ns / NS / 3)
            try:
                await self._heartbeat()
            except Exception as error:
                self._failing("heartbeat", error)

    async def _heartbeat(self) -> None:
        now = self.clock.now_ns()
        await self.store.heartbeat(self.worker, now, now + self.lease_ns)

    async def _watchdog_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(WATCHDOG_INTERVAL)
            now = loop.time()
            for task, deadline in list(self._deadlines.items()):
                if deadline <= now and task not in self._expired:
                    # Delivered at the step's await: _run_action tells it from a real cancel.
                    self._expired.add(task)
                    task.cancel()

    def _failing(self, what: str, error: Exception) -> None:
        self._last_error = f"{what}: {type(error).__name__}: {error}"
        _log.warning("intent engine error", what=what, error=str(error))

    async def _schedule_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                await self.fire_schedules()
            except Exception as error:
                self._failing("schedules", error)

    async def fire_schedules(self) -> int:
        """Submit the intents of the schedules due now; the number submitted. Idempotent per
        fire time: the intent's reference is `schedule:<name>:<fire time>`."""
        now = self.clock.now_ns()
        fired = 0
        for schedule in await self.store.due_schedules(now, 100):
            assert schedule.next_at is not None
            kind = self.registry.get(schedule.type)
            reference = f"schedule:{schedule.name}:{schedule.next_at}"
            intent = new_intent(
                kind,
                tenant=schedule.tenant,
                reference=reference,
                payload=schedule.payload,
                now=now,
                actor=f"schedule:{schedule.name}",
            )
            await self.store.submit([submission(kind, intent)], None)
            following = parse_schedule(schedule.spec).next_after(max(now, schedule.next_at))
            if await self.store.advance_schedule(
                schedule.tenant, schedule.name, schedule.next_at, following
            ):
                fired += 1
        if fired:
            self.poke()
        return fired

    # -- running one intent ------------------------------------------------------------------

    async def _drive(self, intent: Intent) -> None:
        try:
            kind = self.registry.get(intent.type)
            payload = kind.decode(intent.payload)
            while intent.status is not IntentStatus.DONE:
                moved = await self._advance(kind, intent, payload)
                if moved is None:
                    return
                intent = moved
        except LeaseLost:
            self.stats.lost_leases += 1
        except asyncio.CancelledError:
            pass
        except Exception as error:
            # Left leased: another worker (or this one) takes it up again when the lease
            # expires, which is the right thing after a database fault.
            self._failing(f"intent {intent.id}", error)
        finally:
            # A task that lost its intent to a newer claim of this engine leaves that one's entry.
            if self._running.get(intent.id) is asyncio.current_task():
                del self._running[intent.id]
            self._room.set()

    async def _save(self, checkpoint: Checkpoint) -> bool:
        """Write the checkpoint (LeaseLost if stale); whether a person asked meanwhile to
        cancel the intent."""
        cancelling = await self._checkpoints.submit(checkpoint)
        if cancelling is None:
            raise LeaseLost(f"intent {checkpoint.intent.id}: lease lost")
        if checkpoint.intent.status is IntentStatus.DONE:
            if checkpoint.intent.mutex_key is not None:
                # The next intent of its key may run now: claim it without waiting for a poll.
                self.poke()
            if self.on_done is not None:
                self.on_done(checkpoint.intent)
        return cancelling

    async def _write(self, batch: Sequence[Checkpoint]) -> list[bool | None]:
        """Per checkpoint: None if refused, else whether its intent is being cancelled."""
        applied = await self.store.checkpoint(batch, self.clock.now_ns())
        return [
            None if c.intent.id in applied.refused else c.intent.id in applied.cancelling
            for c in batch
        ]

    def _release(self, intent: Intent, now: int, **changes: Any) -> Intent:
        version = intent.version + 1 if changes.pop("bump", True) else intent.version
        return msgspec.structs.replace(
            intent,
            version=version,
            updated_at=now,
            lease_owner=None,
            **changes,
        )

    async def _advance(self, kind: IntentType[Any], intent: Intent, payload: Any) -> Intent | None:
        """Run the next thing the intent needs; the intent if this worker may go on with it,
        None once it was handed back (waiting, retrying later, done)."""
        now = self.clock.now_ns()
        if intent.cancel_requested:
            await self._fail(kind, intent, payload, CANCEL, "cancelled", [])
            return None
        if (
            intent.timer_event is not None
            and intent.timer_at is not None
            and intent.timer_at <= now
        ):
            return await self._fire_timer(kind, intent, payload, now)
        workflow = kind.workflow
        if workflow is None or intent.position >= len(workflow.groups):
            await self._park(intent, now)
            return None
        group = workflow.groups[intent.position]
        if intent.mutex_key is None and kind.mutex_key is not None and not group.release_key:
            key = kind.mutex_key(payload)
            if key is not None:
                await self._join(intent, key, now)
                return None
        return await self._run_group(kind, intent, payload, group)

    async def _join(self, intent: Intent, key: str, now: int) -> None:
        """Take the mutex key again (given up while a `release_key` group waited, or by an
        admin's retry): queue behind every intent of the key, and run on when first, whichever
        worker claims it then."""
        joined = self._release(intent, now, status=IntentStatus.READY, run_at=now, mutex_key=key)
        await self._save(Checkpoint(joined, epoch=intent.lease_epoch, join=True))
        self.poke()

    async def _park(self, intent: Intent, now: int) -> None:
        """Nothing to run: hand the intent back until an event or its timer. Its mutex key goes
        with the work: waiting for an event (a card hold for its capture), it holds no turn."""
        if intent.status is IntentStatus.DONE:
            return
        if intent.timer_at is not None:
            parked = self._release(
                intent, now, status=IntentStatus.READY, run_at=intent.timer_at, mutex_key=None
            )
        else:
            parked = self._release(
                intent, now, status=IntentStatus.WAITING, run_at=None, mutex_key=None
            )
        await self._save(Checkpoint(parked, epoch=intent.lease_epoch))

    async def _fire_timer(
        self, kind: IntentType[Any], intent: Intent, payload: Any, now: int
    ) -> Intent:
        event = intent.timer_event
        assert event is not None
        cleared = msgspec.structs.replace(intent, timer_at=None, timer_event=None)
        records: list[TransitionRecord] = []
        events: list[Envelope] = []
        if not kind.machine.can(intent.state, event, intent):
            moved = cleared
        else:
            moved, record, events = transition(
                kind, cleared, event, now=now, actor="timer", reason="timer", payload=payload
            )
            records.append(record)
        moved = msgspec.structs.replace(moved, version=max(moved.version, intent.version + 1))
        if moved.status is IntentStatus.DONE:
            # Nothing follows a terminal state: _park will not write again to release it.
            moved = msgspec.structs.replace(moved, lease_owner=None)
        if await self._save(
            Checkpoint(moved, epoch=intent.lease_epoch, transitions=records, events=events)
        ):
            moved = msgspec.structs.replace(moved, cancel_requested=True)
        return moved

    async def _run_group(
        self, kind: IntentType[Any], intent: Intent, payload: Any, group: Group
    ) -> Intent | None:
        work = _Run(intent)
        pending = [s for s in group.steps if s.name not in intent.results]
        results = dict(intent.results)
        if len(pending) == 1:
            # Most groups hold one step: no task to create for it.
            await self._run_action(kind, work, payload, pending[0], results)
        else:
            await asyncio.gather(
                *(self._run_action(kind, work, payload, s, results) for s in pending)
            )
        now = self.clock.now_ns()
        step_events = [envelope(intent, t, d, now, intent.actor) for t, d in work.events]
        if work.failures:
            final = [f for f in work.failures if not f[2]]
            last = any(
                isinstance(step, Step) and intent.attempts + 1 >= step.retry.max_attempts
                for step, _, _ in work.failures
            )
            reason = "; ".join(f"{step.name}: {error}" for step, error, _ in work.failures)
            if final or last:
                await self._fail(
                    kind,
                    msgspec.structs.replace(intent, results=results),
                    payload,
                    FAIL,
                    reason,
                    work.records,
                    step_events,
                )
                return None
            attempts = intent.attempts + 1
            delay = max(
                step.retry.delay(attempts, self._rng)
                for step, _, _ in work.failures
                if isinstance(step, Step)
            )
            self.stats.retries += 1
            retry = self._release(
                intent,
                now,
                results=results,
                attempts=attempts,
                error=reason,
                status=IntentStatus.READY,
                run_at=now + int(delay * NS),
            )
            await self._save(
                Checkpoint(
                    retry,
                    epoch=intent.lease_epoch,
                    steps=work.records,
                    events=step_events,
                    # A child started beside the failed step exists from now on: the retry
                    # finds it rather than starting another.
                    children=work.children,
                )
            )
            return None
        if work.waiting_children or work.wait_until is not None:
            waiting = self._release(
                intent,
                now,
                results=results,
                status=IntentStatus.WAITING if work.waiting_children else IntentStatus.READY,
                run_at=None if work.waiting_children else work.wait_until,
                mutex_key=None if group.release_key else intent.mutex_key,
            )
            await self._save(
                Checkpoint(
                    waiting,
                    epoch=intent.lease_epoch,
                    transitions=work.child_transitions,
                    steps=work.records,
                    events=step_events + work.child_events,
                    children=work.children,
                )
            )
            if waiting.mutex_key is None and intent.mutex_key is not None:
                # Its key given up: the next intent of the key may run now.
                self.poke()
            return None
        advanced = msgspec.structs.replace(
            intent, results=results, position=intent.position + 1, attempts=0, error=None
        )
        transitions = []
        events = step_events
        if group.event is not None:
            advanced, record, moved_events = transition(
                kind, advanced, group.event, now=now, actor=intent.actor, payload=payload
            )
            transitions.append(record)
            events = events + moved_events
        else:
            advanced = msgspec.structs.replace(advanced, version=intent.version + 1, updated_at=now)
        if advanced.status is IntentStatus.DONE:
            advanced = msgspec.structs.replace(advanced, lease_owner=None)
            self.stats.completed += 1
        if await self._save(
            Checkpoint(
                advanced,
                epoch=intent.lease_epoch,
                transitions=transitions,
                steps=work.records,
                events=events,
            )
        ):
            advanced = msgspec.structs.replace(advanced, cancel_requested=True)
        return advanced

    async def _run_action(
        self,
        kind: IntentType[Any],
        work: _Run,
        payload: Any,
        action: Step | SubWorkflow | Sleep,
        results: dict[str, Any],
    ) -> None:
        intent = work.intent
        now = self.clock.now_ns()
        if isinstance(action, Sleep):
            key = f"{action.name}/until"
            until = results.get(key)
            if until is None:
                seconds = action.seconds(StepContext(intent, payload, action.name, 1, now))
                until = now + int(seconds * NS)
                results[key] = until
            if now >= until:
                results[action.name] = {"slept_until": until}
                del results[key]
            else:
                work.wait_until = until
            return
        if isinstance(action, SubWorkflow):
            await self._run_child(kind, work, payload, action, results, now)
            return
        attempt = intent.attempts + 1
        context: StepContext[Any] = StepContext(intent, payload, action.name, attempt, now)
        started = time.perf_counter()
        outcome = StepOutcome.OK
        error: str | None = None
        value: Any = None
        task = asyncio.current_task()
        assert task is not None
        if action.timeout is not None:
            self._deadlines[task] = asyncio.get_running_loop().time() + action.timeout
        try:
            value = await action.run(context)
        except asyncio.CancelledError:
            if task not in self._expired:
                raise
            task.uncancel()
            outcome, error = StepOutcome.TIMED_OUT, f"timed out after {action.timeout} s"
            work.failures.append((action, error, True))
        except StepFailed as failed:
            outcome, error = StepOutcome.FAILED, failed.reason
            work.failures.append((action, failed.reason, failed.retryable))
        except Exception as failure:
            outcome, error = StepOutcome.FAILED, f"{type(failure).__name__}: {failure}"
            work.failures.append((action, error, True))
        finally:
            self._deadlines.pop(task, None)
            self._expired.discard(task)
        seconds = time.perf_counter() - started
        self.stats.observe_step(seconds)
        if outcome is StepOutcome.OK:
            results[action.name] = value
            work.events.extend(context.emitted)
        else:
            self.stats.step_failures += 1
        work.records.append(
            StepRecord(
                intent.id,
                action.name,
                intent.run,
                attempt,
                outcome,
                now,
                now + int(seconds * NS),
                value,
                error,
            )
        )

    async def _run_child(
        self,
        kind: IntentType[Any],
        work: _Run,
        payload: Any,
        action: SubWorkflow,
        results: dict[str, Any],
        now: int,
    ) -> None:
        parent = work.intent
        context = StepContext(parent, payload, action.name, 1, now)
        # The condition reads durable results only: when it says no, no child was ever started.
        if action.when is not None and not action.when(context):
            results[action.name] = None
            return
        child_id = derived_id(parent.id, action.name, parent.run, "child")
        child = await self.store.get(child_id)
        if child is None:
            child_kind = self.registry.get(action.type)
            fresh = new_intent(
                child_kind,
                tenant=parent.tenant,
                reference=f"{parent.id}/{action.name}/{parent.run}",
                payload=dict(action.payload(context)),
                now=now,
                actor=parent.actor,
                trace_id=parent.trace_id,
                parent_id=parent.id,
                intent_id=child_id,
            )
            first = submission(child_kind, fresh)
            work.children.append(first.intent)
            work.child_transitions.append(first.transition)
            work.child_events.extend(first.events)
            work.records.append(
                StepRecord(
                    parent.id,
                    action.name,
                    parent.run,
                    1,
                    StepOutcome.OK,
                    now,
                    now,
                    {"child": str(child_id)},
                )
            )
            work.waiting_children = True
            return
        if child.status is not IntentStatus.DONE:
            work.waiting_children = True
            return
        if child.error is not None:
            work.failures.append((action, f"child intent {child.id}: {child.error}", False))
            return
        results[action.name] = {
            "child": str(child.id),
            "state": child.state,
            "results": child.results,
        }

    async def _fail(
        self,
        kind: IntentType[Any],
        intent: Intent,
        payload: Any,
        event: str,
        reason: str,
        records: list[StepRecord],
        events: list[Any] | None = None,
    ) -> None:
        """Compensate what succeeded, newest first, then take `event` (fail or cancel)."""
        now = self.clock.now_ns()
        records = list(records)
        compensation_errors = []
        for step in reversed(kind.compensable(intent)):
            error = await self._compensate(intent, payload, step, records)
            if error is not None:
                compensation_errors.append(f"{step.name}: {error}")
        if compensation_errors:
            reason = f"{reason}; compensation failed: {'; '.join(compensation_errors)}"
        target_event = event if kind.machine.can(intent.state, event, intent) else FAIL
        failed, record, moved_events = transition(
            kind, intent, target_event, now=now, actor=intent.actor, reason=reason, payload=payload
        )
        failed = msgspec.structs.replace(
            failed,
            error=reason,
            cancel_requested=False,
            lease_owner=None,
        )
        self.stats.failed += 1
        await self._save(
            Checkpoint(
                failed,
                epoch=intent.lease_epoch,
                transitions=[record],
                steps=records,
                events=(events or []) + moved_events,
            )
        )

    async def _compensate(
        self, intent: Intent, payload: Any, step: Step, records: list[StepRecord]
    ) -> str | None:
        assert step.compensate is not None
        error: str | None = None
        for attempt in range(1, COMPENSATION_ATTEMPTS + 1):
            now = self.clock.now_ns()
            context: StepContext[Any] = StepContext(intent, payload, step.name, attempt, now)
            outcome, error = StepOutcome.COMPENSATED, None
            try:
                async with asyncio.timeout(step.timeout):
                    await step.compensate(context)
            except Exception as failure:
                outcome, error = (
                    StepOutcome.COMPENSATION_FAILED,
                    f"{type(failure).__name__}: {failure}",
                )
            records.append(
                StepRecord(
                    intent.id,
                    step.name,
                    intent.run,
                    attempt,
                    outcome,
                    now,
                    self.clock.now_ns(),
                    None,
                    error,
                )
            )
            if error is None:
                return None
            await asyncio.sleep(step.retry.delay(attempt, self._rng))
        return error


def new_intent(
    kind: IntentType[Any],
    *,
    tenant: str,
    reference: str,
    payload: dict[str, Any],
    now: int,
    actor: str | None,
    trace_id: str | None = None,
    parent_id: uuid.UUID | None = None,
    intent_id: uuid.UUID | None = None,
) -> Intent:
    """A new intent of `kind`, before its first transition; the payload is checked."""
    decoded = kind.decode(payload)
    keys = {
        name: _key(name, derive(decoded) if derive else None)
        for name, derive in (
            ("mutex_key", kind.mutex_key),
            ("customer", kind.customer),
            ("account", kind.account),
        )
    }
    return Intent(
        id=intent_id or new_id(),
        tenant=tenant,
        type=kind.name,
        reference=reference,
        payload=payload,
        state="",
        status=IntentStatus.READY,
        version=0,
        created_at=now,
        updated_at=now,
        mutex_key=keys["mutex_key"],
        parent_id=parent_id,
        customer=keys["customer"],
        account=keys["account"],
        actor=actor,
        trace_id=trace_id,
        run_at=now,
    )


def _key(name: str, value: str | None) -> str | None:
    """A value the payload gives for an index (the views, the mutex): short printable text."""
    if value is not None and not re.fullmatch(KEY_PATTERN, value):
        raise ValidationError("payload", f"its {name} must be 1 to 200 characters, no control")
    return value


def submission(kind: IntentType[Any], intent: Intent) -> Submission:
    """A new intent after its first transition, ready for IntentStore.submit."""
    moved, record, events = transition(
        kind, intent, SUBMIT, now=intent.created_at, actor=intent.actor
    )
    if kind.workflow is None and moved.status is not IntentStatus.DONE:
        # Nothing to run: a person's event or its timer moves it on.
        moved = msgspec.structs.replace(
            moved,
            status=IntentStatus.READY if moved.timer_at else IntentStatus.WAITING,
            run_at=moved.timer_at,
        )
    return Submission(moved, record, events)
