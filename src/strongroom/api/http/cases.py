"""/v1/cases: compliance cases over HTTP (strongroom.compliance.cases.CaseService), served when
`create_app` is given the service. Disputes are intents: they are opened and shown through
/v1/intents with type `compliance.dispute`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, Strict

from strongroom.api.http.auth import Caller
from strongroom.api.http.models import NOT_BLANK, Version, digits_at_most
from strongroom.api.http.models import Request as Body
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.compliance.case_records import Case, CaseDetail, CaseEvent
from strongroom.compliance.cases import MAX_PAGE, MAX_TEXT, CaseService
from strongroom.ledger.queries import INT64_MAX

router = APIRouter(tags=["cases"], responses=RESPONSES, route_class=JsonBodyRoute)

_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: documented(
        "The case moved past expected_version (version_conflict) or its state does not allow "
        "this (conflict)"
    )
}
_CHECKER: dict[int | str, dict[str, Any]] = {
    **_CONFLICT,
    403: documented("Not admin, or the caller proposed (maker_checker)"),
}

KindName = Literal["review", "dispute", "break"]
StateName = Literal["open", "proposed", "released", "blocked"]
_Text = Annotated[str, Strict(), Field(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK)]
_Key = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=NOT_BLANK)]


async def cases_of(request: Request) -> CaseService:
    cases: CaseService = request.app.state.cases
    return cases


Cases = Annotated[CaseService, Depends(cases_of)]


class OpenCase(Body):
    kind: KindName
    subject: _Key
    reference: _Key | None = Field(
        default=None, description="Opening again with it returns the stored case (200)"
    )
    intent_id: uuid.UUID | None = Field(
        default=None, description="The intent the decision is fired on (case_released/_blocked)"
    )
    reasons: list[_Text] = Field(default_factory=list, max_length=100)
    note: _Text | None = None


class AssignCase(Body):
    assignee: _Key | None
    expected_version: Version = None


class NoteCase(Body):
    text: _Text
    expected_version: Version = None


class ProposeCase(Body):
    proposal: Literal["release", "block"]
    reason: _Text
    expected_version: Version = None


class ApproveCase(Body):
    reason: _Text | None = None
    expected_version: Version = None


class RejectCase(Body):
    reason: _Text
    expected_version: Version = None


class CaseOut(BaseModel):
    id: uuid.UUID
    tenant: str
    kind: KindName
    subject: str
    reference: str
    state: StateName
    version: int
    created_at: int
    updated_at: int
    due_at: int
    opened_by: str
    intent_id: uuid.UUID | None
    decision_id: uuid.UUID | None
    reasons: list[str]
    hits: list[dict[str, Any]]
    assignee: str | None
    proposal: Literal["release", "block"] | None
    proposal_reason: str | None
    proposed_by: str | None
    decided_by: str | None
    decided_at: int | None

    @classmethod
    def of(cls, c: Case) -> CaseOut:
        return cls(
            id=c.id,
            tenant=c.tenant,
            kind=c.kind.value,
            subject=c.subject,
            reference=c.reference,
            state=c.state.value,
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
            due_at=c.due_at,
            opened_by=c.opened_by,
            intent_id=c.intent_id,
            decision_id=c.decision_id,
            reasons=list(c.reasons),
            hits=list(c.hits),
            assignee=c.assignee,
            proposal=None if c.proposal is None else c.proposal.value,
            proposal_reason=c.proposal_reason,
            proposed_by=c.proposed_by,
            decided_by=c.decided_by,
            decided_at=c.decided_at,
        )


class CaseEventOut(BaseModel):
    seq: int
    action: str
    actor: str
    at: int
    from_state: StateName | None
    to_state: StateName
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: CaseEvent) -> CaseEventOut:
        return cls(
            seq=e.seq,
            action=e.action.value,
            actor=e.actor,
            at=e.at,
            from_state=None if e.from_state is None else e.from_state.value,
            to_state=e.to_state.value,
            detail=e.detail,
        )


class CaseDetailOut(CaseOut):
    events: list[CaseEventOut]

    @classmethod
    def of_detail(cls, d: CaseDetail) -> CaseDetailOut:
        return cls(**CaseOut.of(d.case).model_dump(), events=[CaseEventOut.of(e) for e in d.events])


class CasePage(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


@router.post(
    "/v1/cases",
    response_model=CaseOut,
    status_code=201,
    summary="Open a case",
    responses={200: {"model": CaseOut, "description": "Opened before with this reference"}},
)
async def open_case(body: OpenCase, caller: Caller, cases: Cases, response: Response) -> CaseOut:
    """Write role. Its due time is the kind's SLA from now."""
    case, created = await cases.open(
        caller,
        body.kind,
        body.subject,
        reference=body.reference,
        intent_id=body.intent_id,
        reasons=body.reasons,
        note=body.note,
    )
    if not created:
        response.status_code = 200
    return CaseOut.of(case)


@router.get("/v1/cases", response_model=CasePage, summary="List the tenant's cases")
async def list_cases(
    caller: Caller,
    cases: Cases,
    state: StateName | None = None,
    kind: KindName | None = None,
    assignee: Annotated[str | None, Query(pattern=r"^[^\x00]{1,200}$")] = None,
    overdue: Annotated[bool, Query(description="Only undecided cases past due")] = False,
    cursor: Annotated[
        str | None,
        Query(pattern=digits_at_most(INT64_MAX), description="next_cursor of the last page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> CasePage:
    """Newest first; follow `next_cursor` until it is null."""
    items, next_cursor = await cases.find(
        caller,
        state=state,
        kind=kind,
        assignee=assignee,
        overdue=overdue,
        cursor=cursor,
        limit=limit,
    )
    return CasePage(items=[CaseOut.of(c) for c in items], next_cursor=next_cursor)


@router.get("/v1/cases/{id}", response_model=CaseDetailOut, summary="Show a case")
async def get_case(id: uuid.UUID, caller: Caller, cases: Cases) -> CaseDetailOut:
    """The case with its history: every change, who made it, when, and the state before."""
    return CaseDetailOut.of_detail(await cases.show(caller, id))


@router.post("/v1/cases/{id}/assign", response_model=CaseOut, summary="Assign", responses=_CONFLICT)
async def assign_case(id: uuid.UUID, body: AssignCase, caller: Caller, cases: Cases) -> CaseOut:
    """Write role; `assignee` null unassigns."""
    return CaseOut.of(
        await cases.assign(caller, id, body.assignee, expected_version=body.expected_version)
    )


@router.post(
    "/v1/cases/{id}/notes", response_model=CaseOut, summary="Add a note", responses=_CONFLICT
)
async def note_case(id: uuid.UUID, body: NoteCase, caller: Caller, cases: Cases) -> CaseOut:
    """Write role; notes are kept for good."""
    return CaseOut.of(
        await cases.note(caller, id, body.text, expected_version=body.expected_version)
    )


@router.post(
    "/v1/cases/{id}/propose", response_model=CaseOut, summary="Propose", responses=_CONFLICT
)
async def propose_case(id: uuid.UUID, body: ProposeCase, caller: Caller, cases: Cases) -> CaseOut:
    """Write role: the maker proposes to release or block."""
    return CaseOut.of(
        await cases.propose(
            caller, id, body.proposal, body.reason, expected_version=body.expected_version
        )
    )


@router.post(
    "/v1/cases/{id}/approve", response_model=CaseOut, summary="Approve", responses=_CHECKER
)
async def approve_case(
    id: uuid.UUID, caller: Caller, cases: Cases, body: ApproveCase | None = None
) -> CaseOut:
    """Admin role, and not the maker: the proposal becomes the outcome; the intent waiting for
    the case (if any) is fired `case_released` or `case_blocked`. The body is optional."""
    given = body or ApproveCase()
    return CaseOut.of(
        await cases.approve(
            caller, id, reason=given.reason, expected_version=given.expected_version
        )
    )


@router.post("/v1/cases/{id}/reject", response_model=CaseOut, summary="Reject", responses=_CHECKER)
async def reject_case(id: uuid.UUID, body: RejectCase, caller: Caller, cases: Cases) -> CaseOut:
    """Admin role, and not the maker: the proposal is dropped and the case is open again."""
    return CaseOut.of(
        await cases.reject(caller, id, body.reason, expected_version=body.expected_version)
    )
