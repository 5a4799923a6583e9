"""Event envelopes and the versioned payload schemas of the events Strongroom publishes.

The envelope is what the outbox holds and the bus carries; `data` stays a plain mapping so the
relay passes on event types it does not know. `payload()` decodes `data` into the Struct
registered for the envelope's (type, version). docs/events.md documents each schema.

Imports nothing from Strongroom but errors: every other events module builds on this one.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from strongroom.errors import ValidationError
from strongroom.ids import new_id
from strongroom.tracing import current_trace_id


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """One event as written by the transaction that caused it."""

    id: uuid.UUID
    type: str
    version: int
    #: Nanoseconds since the Unix epoch.
    occurred_at: int
    tenant: str
    #: 32 lowercase hex digits, or None when the change had no request context.
    trace_id: str | None = None
    #: The principal that acted (API key id, user, system job), when known.
    actor: str | None = None
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    #: 16 lowercase hex digits: the recorded span of the call that caused the event (the parent
    #: of the spans that publish and consume it), or None when it was not traced.
    span_id: str | None = None


class AccountCreatedV1(msgspec.Struct, frozen=True, kw_only=True):
    """`ledger.account.created` v1: the account as created."""

    id: uuid.UUID
    ledger: str
    code: int
    flags: int
    overdraft_limit: int
    status: str
    metadata: dict[str, Any] | None
    tenant: str
    timestamp: int


class TransferCreatedV1(msgspec.Struct, frozen=True, kw_only=True):
    """`ledger.transfer.created` v1: the transfer as applied, with its position in the log."""

    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    ledger: str
    code: int
    flags: int
    pending_id: uuid.UUID | None
    timeout: int
    metadata: dict[str, Any] | None
    tenant: str
    timestamp: int
    seq: int


class PendingExpiredV1(msgspec.Struct, frozen=True, kw_only=True):
    """`ledger.pending.expired` v1: a pending transfer released because its timeout passed."""

    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    ledger: str
    expires_at: int


class AccountStatusChangedV1(msgspec.Struct, frozen=True, kw_only=True):
    """`ledger.account.status_changed` v1: an account moved between open, frozen and closed."""

    id: uuid.UUID
    before: str
    after: str


class IntentTransitionedV1(msgspec.Struct, frozen=True, kw_only=True):
    """`intent.transitioned` v1: an intent moved from one state of its machine to another (or,
    `from_state` None, was submitted); `seq` numbers its transitions."""

    id: uuid.UUID
    type: str
    reference: str
    seq: int
    event: str
    from_state: str | None
    to_state: str
    reason: str | None
    at: int


class DecisionMadeV1(msgspec.Struct, frozen=True, kw_only=True):
    """`compliance.decided` v1: the rule engine decided on a payment (`mode` enforce or shadow;
    `failure` set when the engine failed and the configured fail-open/closed outcome applies)."""

    id: uuid.UUID
    subject: str
    mode: str
    outcome: str
    score: int
    rule_set_version: int | None
    rules: list[str]
    best_hit_score: float | None
    failure: str | None


class RuleSetChangedV1(msgspec.Struct, frozen=True, kw_only=True):
    """`compliance.rule_set.changed` v1: a rule-set version was published or changed status."""

    version: int
    status: str
    digest: str


class CaseChangedV1(msgspec.Struct, frozen=True, kw_only=True):
    """`compliance.case.changed` v1: a compliance case was opened or changed (`action`: open,
    assign, note, propose, approve, reject); `seq` is the case's version after the change."""

    id: uuid.UUID
    kind: str
    subject: str
    seq: int
    action: str
    from_state: str | None
    to_state: str
    at: int


class CaseEscalatedV1(msgspec.Struct, frozen=True, kw_only=True):
    """`compliance.case.escalated` v1: the intent waiting for a case's outcome passed its
    deadline with the case still undecided."""

    intent_id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    subject: str


ACCOUNT_CREATED = "ledger.account.created"
TRANSFER_CREATED = "ledger.transfer.created"
PENDING_EXPIRED = "ledger.pending.expired"
ACCOUNT_STATUS_CHANGED = "ledger.account.status_changed"
INTENT_TRANSITIONED = "intent.transitioned"
DECISION_MADE = "compliance.decided"
RULE_SET_CHANGED = "compliance.rule_set.changed"
CASE_CHANGED = "compliance.case.changed"
CASE_ESCALATED = "compliance.case.escalated"

#: (type, version) -> the Struct its `data` decodes into. A new version is a new entry; old
#: entries stay so that events already in the outbox or the stream remain readable.
SCHEMAS: dict[tuple[str, int], type[msgspec.Struct]] = {
    (ACCOUNT_CREATED, 1): AccountCreatedV1,
    (TRANSFER_CREATED, 1): TransferCreatedV1,
    (PENDING_EXPIRED, 1): PendingExpiredV1,
    (ACCOUNT_STATUS_CHANGED, 1): AccountStatusChangedV1,
    (INTENT_TRANSITIONED, 1): IntentTransitionedV1,
    (DECISION_MADE, 1): DecisionMadeV1,
    (RULE_SET_CHANGED, 1): RuleSetChangedV1,
    (CASE_CHANGED, 1): CaseChangedV1,
    (CASE_ESCALATED, 1): CaseEscalatedV1,
}

_envelope_decoder = msgspec.json.Decoder(Envelope)
_batch_decoder = msgspec.json.Decoder(list[Envelope])
_encoder = msgspec.json.Encoder()


def payload(envelope: Envelope) -> msgspec.Struct:
    """`envelope.data` as its registered schema; ValidationError if unknown or malformed."""
    schema = SCHEMAS.get((envelope.type, envelope.version))
    if schema is None:
        raise ValidationError("type", f"no schema for {envelope.type} v{envelope.version}")
    try:
        return msgspec.convert(envelope.data, schema)
    except msgspec.ValidationError as exc:
        raise ValidationError("data", f"{envelope.type} v{envelope.version}: {exc}") from None


def encode_envelope(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode_envelope(raw: bytes) -> Envelope:
    try:
        return _envelope_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise ValidationError("event", str(exc)) from None


def encode_batch(envelopes: list[Envelope]) -> bytes:
    """The outbox `events` column: a JSON array of the envelopes one transaction wrote."""
    return _encoder.encode(envelopes)


def new_event(type: str, tenant: str, actor: str | None, at: int, data: dict[str, Any]) -> Envelope:
    """A new event of the current trace."""
    return Envelope(
        id=new_id(),
        type=type,
        version=1,
        occurred_at=at,
        tenant=tenant,
        trace_id=current_trace_id(),
        actor=actor,
        data=data,
    )


def encode_event(type: str, tenant: str, actor: str | None, at: int, data: dict[str, Any]) -> bytes:
    """One new event, as an outbox row's `events` column holds it."""
    return encode_batch([new_event(type, tenant, actor, at, data)])


def decode_batch(raw: bytes) -> list[Envelope]:
    try:
        return _batch_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise ValidationError("events", str(exc)) from None
