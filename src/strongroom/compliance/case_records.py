"""The records of compliance cases: a case, the events of its history, a listing query.

A case is a person's work item: a payment held for review, a customer's dispute, a
reconciliation break. It is moved by people (open, assign, note, propose, approve, reject), each
change recorded as a `CaseEvent` with who, when, what and the state before. Timestamps are
nanoseconds since the Unix epoch.

Imports msgspec only: the store and the service both speak these records.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec


class CaseKind(enum.StrEnum):
    #: A payment a rule sent to review (opened from a Decision).
    REVIEW = "review"
    #: A customer's dispute of a settled payment (opened by the `compliance.dispute` intent).
    DISPUTE = "dispute"
    #: A reconciliation break.
    BREAK = "break"


class CaseState(enum.StrEnum):
    OPEN = "open"
    #: A maker proposed an outcome; a checker approves or rejects it.
    PROPOSED = "proposed"
    RELEASED = "released"
    BLOCKED = "blocked"

    @property
    def terminal(self) -> bool:
        return self in (CaseState.RELEASED, CaseState.BLOCKED)


class Proposal(enum.StrEnum):
    RELEASE = "release"
    BLOCK = "block"

    @property
    def outcome(self) -> CaseState:
        return CaseState.RELEASED if self is Proposal.RELEASE else CaseState.BLOCKED


class CaseAction(enum.StrEnum):
    OPEN = "open"
    ASSIGN = "assign"
    NOTE = "note"
    PROPOSE = "propose"
    APPROVE = "approve"
    REJECT = "reject"


class Case(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    tenant: str
    kind: CaseKind
    #: What the case is about: a payment's reference, an intent id, a transfer id.
    subject: str
    #: Unique per tenant: opening a case with a reference already used returns that case, so a
    #: decision or an intent opens one case however often it is replayed.
    reference: str
    state: CaseState
    #: +1 on every change; a caller acting on a version that moved gets a CaseVersionConflict.
    version: int
    created_at: int
    updated_at: int
    #: When the kind's SLA runs out; a case not decided by then is overdue.
    due_at: int
    opened_by: str
    #: The intent waiting for the outcome: a decision fires `case_released` / `case_blocked`.
    intent_id: uuid.UUID | None = None
    decision_id: uuid.UUID | None = None
    #: Copied from the Decision: the fired rules' reasons and the screening hits.
    reasons: tuple[str, ...] = ()
    hits: tuple[dict[str, Any], ...] = ()
    assignee: str | None = None
    proposal: Proposal | None = None
    proposal_reason: str | None = None
    #: The maker: the id of the key that proposed, and its owner (the key's name) when it has
    #: one, so that another key of the same owner cannot be the checker.
    proposed_by: str | None = None
    proposed_by_owner: str | None = None
    #: The checker that approved.
    decided_by: str | None = None
    decided_at: int | None = None
    #: Creation order: the listing's cursor.
    seq: int = 0


class CaseEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One change of a case; `seq` is the case's version after it. Notes are events too."""

    case_id: uuid.UUID
    seq: int
    action: CaseAction
    actor: str
    at: int
    from_state: CaseState | None
    to_state: CaseState
    detail: dict[str, Any] = msgspec.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """One tenant's cases, newest first, filtered by what is given."""

    tenant: str
    state: CaseState | None = None
    kind: CaseKind | None = None
    assignee: str | None = None
    #: Only cases not decided whose `due_at` is before this instant.
    overdue_at: int | None = None
    #: The `seq` of the last case of the previous page.
    before_seq: int | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: Case
    events: list[CaseEvent]
