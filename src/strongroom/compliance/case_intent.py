"""`compliance.case`: an intent that opens a compliance case and waits for its outcome.

This is how a workflow awaits a person's decision: a payment held for review or a dispute
under investigation starts one as a `SubWorkflow` and goes on when it is done, reading its
state (`released` or `blocked`). The case records this intent's id, and approving the case fires
`case_released` or `case_blocked` on it (strongroom.compliance.cases). With a `deadline`, the
intent escalates when the case is still undecided then: its state becomes `escalated` (still
waiting) and a `compliance.case.escalated` event is published.

    opening --opened--> review --escalate--> escalated
    opening | review | escalated --case_released--> released, --case_blocked--> blocked

May import this package's cases and records, the workflows package and events' schemas.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.cases import CASE_BLOCKED, CASE_RELEASED, CaseService
from strongroom.events.schemas import CASE_ESCALATED
from strongroom.workflows.definitions import (
    FAIL,
    KEY_PATTERN,
    IntentType,
    RetryPolicy,
    Step,
    StepContext,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.transitions import Entry

TYPE = "compliance.case"
ESCALATE = "escalate"
#: The states in which the intent waits for the case's outcome.
WAITING = ("opening", "review", "escalated")


class CaseIntentPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: CaseKind
    subject: Annotated[str, msgspec.Meta(pattern=KEY_PATTERN)]
    reasons: list[Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]] = []
    #: Seconds until an undecided case escalates (also its due time); None: the kind's SLA and
    #: no escalation.
    deadline: Annotated[float, msgspec.Meta(gt=0)] | None = None
    #: The compliance decision that asked for the review, and its screening hits: shown with
    #: the case to whoever works it.
    decision_id: uuid.UUID | None = None
    hits: list[dict[str, Any]] = []


def _review(entry: Entry) -> None:
    payload: CaseIntentPayload = entry.payload
    if payload.deadline is not None:
        entry.after(payload.deadline, ESCALATE)


def _escalated(entry: Entry) -> None:
    payload: CaseIntentPayload = entry.payload
    entry.emit(
        CASE_ESCALATED,
        {
            "intent_id": str(entry.intent.id),
            "case_id": entry.intent.results["open"]["case_id"],
            "kind": payload.kind.value,
            "subject": payload.subject,
        },
    )


MACHINE = Machine(
    TYPE,
    initial="opening",
    edges=[
        edge("opening", "opened", "review"),
        edge("review", ESCALATE, "escalated"),
        edge(WAITING, CASE_RELEASED, "released"),
        edge(WAITING, CASE_BLOCKED, "blocked"),
        edge("opening", FAIL, "failed"),
    ],
    terminal=("released", "blocked", "failed"),
    on_enter={"review": _review, "escalated": _escalated},
)


def case_intent_type(cases: CaseService) -> IntentType[CaseIntentPayload]:
    """The `compliance.case` type, opening its cases through `cases`."""

    async def open_case(context: StepContext[CaseIntentPayload]) -> Any:
        p = context.payload
        intent = context.intent
        case, _ = await cases.open_for(
            intent.tenant,
            intent.actor or f"intent:{intent.id}",
            p.kind,
            p.subject,
            # One case per intent, however often this step is replayed.
            reference=f"intent:{intent.id}",
            intent_id=intent.id,
            decision_id=p.decision_id,
            reasons=tuple(p.reasons),
            hits=tuple(p.hits),
            due_in=p.deadline,
        )
        return {"case_id": str(case.id)}

    return IntentType(
        TYPE,
        CaseIntentPayload,
        MACHINE,
        Workflow(
            (
                group(
                    Step("open", open_case, retry=RetryPolicy(max_attempts=5, initial=0.05)),
                    event="opened",
                ),
            )
        ),
        description="Open a compliance case and wait for its outcome: released or blocked.",
    )
