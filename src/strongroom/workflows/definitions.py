"""How an intent type is declared in code: its payload, its state machine, its workflow.

A workflow is groups of steps run in sequence; the steps of one group run concurrently, and the
group's results are durable before the next group starts. A group that succeeds fires its
`event` on the type's state machine; a step that fails for good fires `fail` after the
compensations of the steps that succeeded ran, newest first (a saga). Besides plain steps:
`SubWorkflow` starts a child intent and waits for it, `Sleep` waits on a durable timer.

Steps reach the outside world through what their type's builder closed over (the ledger, a
screening service); what they need of the intent is in their `StepContext`. A step that moves
money names its transfers with `StepContext.transfer_id`: the same intent, step, run and label
always give the same id, so a step replayed after a crash gets `exists` from the ledger instead
of moving the money twice.

Imports strongroom.errors, ids, clock, services.access (the role a type needs) and this
package's machine and types.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

from strongroom.errors import ConfigurationError, ValidationError
from strongroom.services.access import Role
from strongroom.workflows.machine import Machine
from strongroom.workflows.types import Intent

P = TypeVar("P", bound=msgspec.Struct)

#: The event every workflow's machine must accept from each state the workflow passes through.
FAIL = "fail"
#: The event a cancellation fires; a type whose machine lacks it cannot be cancelled.
CANCEL = "cancel"

#: What a payload may give as an intent's mutex key, customer or account: 1 to 200 characters,
#: none of them a control character (PostgreSQL's text cannot hold NUL).
KEY_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f]{1,200}$"

#: Namespace of the ids derived from (intent, step, run, label).
_DERIVED = uuid.UUID("5b0c6f4e-2d0a-4a43-9d55-8f6a1e7c3b21")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class StepFailed(Exception):
    """Raised by a step that cannot succeed, with the reason a person reads. `retryable=False`
    (a refusal: insufficient funds, a blocked payment) skips the remaining attempts."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempts of one step: exponential backoff with jitter between them, in seconds."""

    max_attempts: int = 3
    initial: float = 0.1
    multiplier: float = 2.0
    maximum: float = 60.0
    #: Fraction of each delay drawn at random, so failed steps of many intents do not retry in
    #: lockstep against a recovering dependency.
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("retry: max_attempts must be at least 1")
        if not 0 <= self.jitter <= 1 or self.initial < 0 or self.multiplier < 1:
            raise ConfigurationError("retry: need initial >= 0, multiplier >= 1, 0 <= jitter <= 1")

    def delay(self, failed_attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `failed_attempts`-th failure (1 after the first)."""
        full = min(self.maximum, self.initial * self.multiplier ** (failed_attempts - 1))
        spread = full * self.jitter
        return full - spread + (rng or random).uniform(0, spread)


class StepContext(Generic[P]):
    """What a step sees: the intent, its decoded payload, the results so far, and the ids and
    events it may derive. Events emitted are written with the step's checkpoint."""

    def __init__(self, intent: Intent, payload: P, step: str, attempt: int, now: int) -> None:
        self.intent = intent
        self.payload = payload
        self.step = step
        #: 1 for the first attempt of this step in this run.
        self.attempt = attempt
        self.now = now
        self.emitted: list[tuple[str, dict[str, Any]]] = []

    @property
    def results(self) -> Mapping[str, Any]:
        return self.intent.results

    def transfer_id(self, label: str = "") -> uuid.UUID:
        """The id of a ledger transfer this step makes: the same for every attempt and replay
        of this step in this run of the intent, different in another run (an admin retry)."""
        return derived_id(self.intent.id, self.step, self.intent.run, label)

    def emit(self, type: str, data: Mapping[str, Any]) -> None:
        """Publish `type` with `data` (through the outbox) when this step's result is saved."""
        self.emitted.append((type, dict(data)))


def derived_id(intent_id: uuid.UUID, step: str, run: int, label: str = "") -> uuid.UUID:
    return uuid.uuid5(_DERIVED, f"{intent_id}/{step}/{run}/{label}")


StepFunction = Callable[[StepContext[Any]], Awaitable[Any]]
Compensation = Callable[[StepContext[Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Step:
    """A unit of work. `run` returns a JSON value (the step's result, kept with the intent) or
    raises; `compensate` undoes it when a later step fails for good."""

    name: str
    run: StepFunction
    compensate: Compensation | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: Seconds one attempt may take; a slower attempt counts as failed (and may be retried).
    timeout: float | None = 30.0


@dataclass(frozen=True, slots=True)
class SubWorkflow:
    """Start a child intent of `type` with the payload `payload(context)` and wait for it: the
    step succeeds with the child's results when the child succeeds (reaches a terminal state
    other than by `fail` or `cancel`), and fails for good otherwise. With `when`, only if
    `when(context)` holds."""

    name: str
    type: str
    payload: Callable[[StepContext[Any]], Mapping[str, Any]]
    #: Whether the child is needed, from the results so far; when it says no, no child is
    #: started and the step succeeds at once with the result None (a payment that screening
    #: allowed needs no review case).
    when: Callable[[StepContext[Any]], bool] | None = None


@dataclass(frozen=True, slots=True)
class Sleep:
    """A durable timer: the workflow goes on `seconds(context)` seconds after this step first
    ran, whichever process is then running it. Alone in its group."""

    name: str
    seconds: Callable[[StepContext[Any]], float]


Action = Step | SubWorkflow | Sleep


@dataclass(frozen=True, slots=True)
class Group:
    """Steps run concurrently; when all succeed, `event` (if any) fires on the machine."""

    steps: tuple[Action, ...]
    event: str | None = None
    #: While this group waits (for a child, a timer), the intent gives its mutex key up, and
    #: before the next group it queues for it again, behind the intents then in the queue: a
    #: payment waiting days for a person's review must not hold its account up.
    release_key: bool = False


@dataclass(frozen=True, slots=True)
class Workflow:
    groups: tuple[Group, ...]


def group(*steps: Action, event: str | None = None, release_key: bool = False) -> Group:
    return Group(tuple(steps), event, release_key)


@dataclass(frozen=True, slots=True)
class IntentType(Generic[P]):
    """One kind of intent: what its payload is, how its state moves, what the engine runs."""

    name: str
    payload: type[P]
    machine: Machine
    workflow: Workflow | None = None
    #: From the payload: the mutex key (intents sharing one run one at a time, in order), and
    #: the customer and account the views list it under.
    mutex_key: Callable[[P], str | None] | None = None
    customer: Callable[[P], str | None] | None = None
    account: Callable[[P], str | None] | None = None
    description: str = ""
    #: The role a key needs to submit an intent of this type.
    role: Role = Role.WRITE
    #: The operation that submits this type (`POST /v1/banking/payments`), when it checks or
    #: seals what the payload alone cannot say (the payer's tenant, personal data encrypted):
    #: the generic submission and schedules then refuse the type and name that operation.
    through: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigurationError(f"intent type {self.name!r}: name must match {_NAME.pattern}")
        if self.workflow is not None:
            _check_workflow(self.name, self.machine, self.workflow)

    def decode(self, payload: object) -> P:
        """The payload as this type's Struct; ValidationError naming the field otherwise."""
        try:
            return msgspec.convert(payload, self.payload, strict=True)
        except msgspec.ValidationError as error:
            raise field_error(error, "payload") from None

    def compensable(self, intent: Intent) -> list[Step]:
        """The steps of `intent` that succeeded and have a compensation, in the order they ran
        (group by group): what a failure or a cancellation undoes, newest first."""
        return [
            s
            for g in (self.workflow.groups if self.workflow else ())
            for s in g.steps
            if isinstance(s, Step) and s.compensate is not None and s.name in intent.results
        ]


def _check_workflow(name: str, machine: Machine, workflow: Workflow) -> None:
    if not workflow.groups:
        raise ConfigurationError(f"intent type {name!r}: a workflow needs at least one group")
    seen: set[str] = set()
    state = machine.initial
    for index, g in enumerate(workflow.groups):
        if not g.steps:
            raise ConfigurationError(f"intent type {name!r}: group {index} has no step")
        if any(isinstance(s, Sleep) for s in g.steps) and len(g.steps) > 1:
            raise ConfigurationError(f"intent type {name!r}: a Sleep must be alone in its group")
        for s in g.steps:
            if not _NAME.match(s.name) or s.name in seen:
                raise ConfigurationError(
                    f"intent type {name!r}: step name {s.name!r} is invalid or used twice"
                )
            seen.add(s.name)
        if machine.is_terminal(state):
            raise ConfigurationError(
                f"intent type {name!r}: group {index} would run in terminal state {state!r}"
            )
        if FAIL not in machine.events(state):
            raise ConfigurationError(
                f"intent type {name!r}: its machine must accept {FAIL!r} in state {state!r}"
            )
        if g.event is not None:
            targets = [e.target for e in machine.edges_from(state, g.event)]
            if not targets:
                raise ConfigurationError(
                    f"intent type {name!r}: group {index} fires {g.event!r}, which state "
                    f"{state!r} does not accept"
                )
            state = targets[0]


def field_error(error: msgspec.ValidationError, prefix: str = "") -> ValidationError:
    """msgspec's refusal as a ValidationError naming the field it is about (under `prefix`)."""
    message = str(error)
    where = re.search(r"at `\$\.?([^`]*)`", message)
    unknown = re.search(r"(?:unknown|missing required) field `([^`]*)`", message)
    names = [prefix] if prefix else []
    if where and where.group(1):
        names.append(where.group(1))
    if unknown:
        # The field is named by the message only, not by the path.
        names.append(unknown.group(1))
    return ValidationError(".".join(names) or "request", message.split(" - at ")[0])


class UnknownIntentType(ValidationError):
    code = "unknown_intent_type"

    def __init__(self, name: str) -> None:
        super().__init__("type", f"no intent type {name!r}")


class Registry:
    """The intent types a deployment runs, by name."""

    def __init__(self, types: Iterable[IntentType[Any]] = ()) -> None:
        self._types: dict[str, IntentType[Any]] = {}
        for t in types:
            self.register(t)

    def register(self, intent_type: IntentType[Any]) -> None:
        if intent_type.name in self._types:
            raise ConfigurationError(f"intent type {intent_type.name!r} registered twice")
        self._types[intent_type.name] = intent_type

    def get(self, name: str) -> IntentType[Any]:
        found = self._types.get(name)
        if found is None:
            raise UnknownIntentType(name)
        return found

    def names(self) -> Sequence[str]:
        return sorted(self._types)
