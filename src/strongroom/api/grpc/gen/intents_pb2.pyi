# mypy: ignore-errors
# Generated from proto/strongroom/v1/intents.proto; do not edit.
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Intent(_message.Message):
    __slots__ = ("id", "tenant", "type", "reference", "payload_json", "state", "status", "version", "created_at", "updated_at", "mutex_key", "parent_id", "customer", "account", "actor", "trace_id", "run_at", "position", "results_json", "attempts", "run", "error", "cancel_requested", "lease_owner")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    MUTEX_KEY_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_AT_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RESULTS_JSON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    LEASE_OWNER_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    type: str
    reference: str
    payload_json: str
    state: str
    status: str
    version: int
    created_at: int
    updated_at: int
    mutex_key: str
    parent_id: str
    customer: str
    account: str
    actor: str
    trace_id: str
    run_at: int
    position: int
    results_json: str
    attempts: int
    run: int
    error: str
    cancel_requested: bool
    lease_owner: str
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., type: _Optional[str] = ..., reference: _Optional[str] = ..., payload_json: _Optional[str] = ..., state: _Optional[str] = ..., status: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[int] = ..., updated_at: _Optional[int] = ..., mutex_key: _Optional[str] = ..., parent_id: _Optional[str] = ..., customer: _Optional[str] = ..., account: _Optional[str] = ..., actor: _Optional[str] = ..., trace_id: _Optional[str] = ..., run_at: _Optional[int] = ..., position: _Optional[int] = ..., results_json: _Optional[str] = ..., attempts: _Optional[int] = ..., run: _Optional[int] = ..., error: _Optional[str] = ..., cancel_requested: _Optional[bool] = ..., lease_owner: _Optional[str] = ...) -> None: ...

class Transition(_message.Message):
    __slots__ = ("seq", "event", "from_state", "to_state", "at", "actor", "reason")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    seq: int
    event: str
    from_state: str
    to_state: str
    at: int
    actor: str
    reason: str
    def __init__(self, seq: _Optional[int] = ..., event: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., at: _Optional[int] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class StepRun(_message.Message):
    __slots__ = ("step", "run", "attempt", "outcome", "started_at", "finished_at", "result_json", "error")
    STEP_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    step: str
    run: int
    attempt: int
    outcome: str
    started_at: int
    finished_at: int
    result_json: str
    error: str
    def __init__(self, step: _Optional[str] = ..., run: _Optional[int] = ..., attempt: _Optional[int] = ..., outcome: _Optional[str] = ..., started_at: _Optional[int] = ..., finished_at: _Optional[int] = ..., result_json: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class IntentDetail(_message.Message):
    __slots__ = ("intent", "transitions", "steps", "children")
    INTENT_FIELD_NUMBER: _ClassVar[int]
    TRANSITIONS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    intent: Intent
    transitions: _containers.RepeatedCompositeFieldContainer[Transition]
    steps: _containers.RepeatedCompositeFieldContainer[StepRun]
    children: _containers.RepeatedCompositeFieldContainer[Intent]
    def __init__(self, intent: _Optional[_Union[Intent, _Mapping]] = ..., transitions: _Optional[_Iterable[_Union[Transition, _Mapping]]] = ..., steps: _Optional[_Iterable[_Union[StepRun, _Mapping]]] = ..., children: _Optional[_Iterable[_Union[Intent, _Mapping]]] = ...) -> None: ...

class SubmitIntentRequest(_message.Message):
    __slots__ = ("type", "reference", "payload_json")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    type: str
    reference: str
    payload_json: str
    def __init__(self, type: _Optional[str] = ..., reference: _Optional[str] = ..., payload_json: _Optional[str] = ...) -> None: ...

class SubmitIntentResponse(_message.Message):
    __slots__ = ("intent", "created")
    INTENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    intent: Intent
    created: bool
    def __init__(self, intent: _Optional[_Union[Intent, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ShowIntentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListIntentsRequest(_message.Message):
    __slots__ = ("limit", "cursor", "type", "state", "status", "customer", "account", "created_from", "created_to")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FROM_FIELD_NUMBER: _ClassVar[int]
    CREATED_TO_FIELD_NUMBER: _ClassVar[int]
    limit: int
    cursor: str
    type: str
    state: str
    status: str
    customer: str
    account: str
    created_from: int
    created_to: int
    def __init__(self, limit: _Optional[int] = ..., cursor: _Optional[str] = ..., type: _Optional[str] = ..., state: _Optional[str] = ..., status: _Optional[str] = ..., customer: _Optional[str] = ..., account: _Optional[str] = ..., created_from: _Optional[int] = ..., created_to: _Optional[int] = ...) -> None: ...

class IntentPage(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Intent]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Intent, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class FireIntentRequest(_message.Message):
    __slots__ = ("id", "event", "reason", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    event: str
    reason: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., event: _Optional[str] = ..., reason: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class CancelIntentRequest(_message.Message):
    __slots__ = ("id", "reason", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class RetryIntentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...
