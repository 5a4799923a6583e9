"""The console's compliance pages: the case queue (filtered, a page at a time), a case with the
rules that fired, its screening hits, notes, history and SLA, and the acts on it; the disputes
(`compliance.dispute` intents) with their state and the deadline of their case.

Maker-checker is the CaseService's: a maker proposes (write role), another person approves or
rejects (admin role). The page offers the checker's forms to an admin who did not propose, and
when the service refuses a checker anyway (the same key, or another key of the same owner) the
case's page says so in words instead of an error page, so the person sees what to do next.

Every act carries the case's version as the page showed it: an act on a case that moved since
is refused (a conflict page), never applied to a case the person did not see."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from strongroom.api.console.intents import STATUS_WORDS, case_of, people, tone
from strongroom.api.console.rendering import page
from strongroom.api.console.routing import Console, ConsoleRoute, Form, Staff, redirect
from strongroom.compliance.case_records import Case, CaseAction, CaseKind, CaseState
from strongroom.compliance.cases import MakerCheckerViolation
from strongroom.compliance.disputes import MACHINE as DISPUTE_MACHINE
from strongroom.compliance.disputes import TYPE as DISPUTE
from strongroom.errors import ValidationError
from strongroom.services.access import Principal, Role
from strongroom.workflows.types import Intent, IntentStatus

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Cases a page of the queue shows.
PAGE = 50
#: Disputes a page shows: each undecided one reads its case too.
DISPUTES_PAGE = 25
_NS = 1_000_000_000

#: How a case's state reads: a word first, its colour only repeating it.
CASE_TONE = {
    CaseState.OPEN: "wait",
    CaseState.PROPOSED: "wait",
    CaseState.RELEASED: "good",
    CaseState.BLOCKED: "bad",
}
#: What a redirect after an act tells, by the `done` it carries (never text from the URL).
_NOTICES = {
    "assigned": "Assignment saved.",
    "noted": "Note added.",
    "proposed": "Proposed: another person must now approve or reject it.",
    "approved": "Approved: the proposal is the case's outcome.",
    "rejected": "Rejected: the case is open again.",
}

_Filter = Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")]


def span(ns: int) -> str:
    """A duration for people, to the minute: `2 d 3 h`, `3 h 20 min`, `4 min`."""
    minutes = abs(ns) // (60 * _NS)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def sla(case: Case, now: int) -> tuple[str, bool]:
    """The case's SLA in words, and whether it is overdue."""
    if case.state.terminal:
        decided = case.decided_at or case.updated_at
        late = decided > case.due_at
        return f"decided {'after' if late else 'before'} its due time", late
    if now > case.due_at:
        return f"overdue by {span(now - case.due_at)}", True
    return f"due in {span(case.due_at - now)}", False


def _version(form: dict[str, str]) -> int:
    text = form.get("expected_version", "")
    if not text.isdigit() or len(text) > 18:
        raise ValidationError("expected_version", "the case's version as the page showed it")
    return int(text)


def _optional(text: str) -> str | None:
    return text.strip() or None


@router.get("/console/cases")
async def cases(
    request: Request,
    console: Console,
    staff: Staff,
    state: Literal["", "open", "proposed", "released", "blocked"] = "",
    kind: Literal["", "review", "dispute", "break"] = "",
    assignee: _Filter = "",
    overdue: bool = False,
    cursor: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    items, next_cursor = await console.cases.find(
        staff.principal,
        state=state or None,
        kind=kind or None,
        assignee=assignee.strip() or None,
        overdue=overdue,
        cursor=cursor or None,
        limit=PAGE,
    )
    now = console.clock.now_ns()
    filters = {"state": state, "kind": kind, "assignee": assignee}
    if overdue:
        # Only when ticked: an empty value is not a boolean to the next page's query.
        filters["overdue"] = "true"
    return page(
        request,
        "cases.html",
        items=[(c, *sla(c, now)) for c in items],
        next_cursor=next_cursor,
        filters=filters,
        overdue=overdue,
        states=list(CaseState),
        kinds=list(CaseKind),
        case_tone=CASE_TONE,
    )


async def _case_page(
    request: Request,
    console: Console,
    who: Principal,
    case_id: uuid.UUID,
    *,
    notice: str | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    detail = await console.cases.show(who, case_id)
    case = detail.case
    words, late = sla(case, console.clock.now_ns())
    notes = [
        e
        for e in detail.events
        if (e.action is CaseAction.NOTE and "text" in e.detail)
        or (e.action is CaseAction.OPEN and "note" in e.detail)
    ]
    return page(
        request,
        "case.html",
        status_code,
        case=case,
        events=detail.events,
        people=await people(
            console,
            who.tenant,
            [case.opened_by, case.proposed_by, case.decided_by, *(e.actor for e in detail.events)],
        ),
        notes=notes,
        sla=words,
        overdue=late,
        case_tone=CASE_TONE,
        can_make=who.role.allows(Role.WRITE),
        can_check=who.role.allows(Role.ADMIN),
        is_maker=case.proposed_by == who.id,
        notice=notice,
        refusal=refusal,
    )


@router.get("/console/cases/{case_id}")
async def case(
    request: Request,
    console: Console,
    staff: Staff,
    case_id: uuid.UUID,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return await _case_page(request, console, staff.principal, case_id, notice=_NOTICES.get(done))


def _back(case_id: uuid.UUID, done: str) -> Response:
    return redirect(f"/console/cases/{case_id}", done=done)


@router.post("/console/cases/{case_id}/assign")
async def assign(console: Console, staff: Staff, form: Form, case_id: uuid.UUID) -> Response:
    await console.cases.assign(
        staff.principal,
        case_id,
        _optional(form.get("assignee", "")),
        expected_version=_version(form),
    )
    return _back(case_id, "assigned")


@router.post("/console/cases/{case_id}/notes")
async def note(console: Console, staff: Staff, form: Form, case_id: uuid.UUID) -> Response:
    # No version: a note changes no decision, so it is added whatever happened meanwhile.
    await console.cases.note(staff.principal, case_id, form.get("text", ""))
    return _back(case_id, "noted")


@router.post("/console/cases/{case_id}/propose")
async def propose(console: Console, staff: Staff, form: Form, case_id: uuid.UUID) -> Response:
    await console.cases.propose(
        staff.principal,
        case_id,
        form.get("proposal", ""),
        form.get("reason", ""),
        expected_version=_version(form),
    )
    return _back(case_id, "proposed")


async def _check(
    request: Request,
    console: Console,
    staff: Staff,
    form: Form,
    case_id: uuid.UUID,
    approve: bool,
) -> Response:
    who = staff.principal
    try:
        if approve:
            await console.cases.approve(
                who,
                case_id,
                reason=_optional(form.get("reason", "")),
                expected_version=_version(form),
            )
        else:
            await console.cases.reject(
                who, case_id, form.get("reason", ""), expected_version=_version(form)
            )
    except MakerCheckerViolation as refused:
        return await _case_page(
            request,
            console,
            who,
            case_id,
            refusal=f"Another person must check this proposal: {refused}.",
            status_code=403,
        )
    return _back(case_id, "approved" if approve else "rejected")


@router.post("/console/cases/{case_id}/approve")
async def approve(
    request: Request, console: Console, staff: Staff, form: Form, case_id: uuid.UUID
) -> Response:
    return await _check(request, console, staff, form, case_id, approve=True)


@router.post("/console/cases/{case_id}/reject")
async def reject(
    request: Request, console: Console, staff: Staff, form: Form, case_id: uuid.UUID
) -> Response:
    return await _check(request, console, staff, form, case_id, approve=False)


@dataclass(frozen=True, slots=True)
class Dispute:
    """A dispute as its row shows it: the intent, and its case once the dispute opened one."""

    intent: Intent
    case: Case | None
    #: The case intent's state: `escalated` once the deadline passed with the case undecided.
    waiting: str | None


async def _dispute(console: Console, who: Principal, intent: Intent) -> Dispute:
    """A finished dispute's row needs nothing more; an unfinished one's reads its case, whose
    due time is the dispute's deadline."""
    if intent.status is IntentStatus.DONE:
        return Dispute(intent, None, None)
    detail = await console.intents.show(who, intent.id)
    for child in detail.children:
        case_id = case_of(child)
        if case_id is not None:
            found = await console.cases.show(who, uuid.UUID(case_id))
            return Dispute(intent, found.case, child.state)
    return Dispute(intent, None, None)


@router.get("/console/disputes")
async def disputes(
    request: Request,
    console: Console,
    staff: Staff,
    state: Annotated[str, Query(max_length=64, pattern=r"^[a-z_]*$")] = "",
    cursor: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    who = staff.principal
    items, next_cursor = await console.intents.find(
        who, type=DISPUTE, state=state or None, cursor=cursor or None, limit=DISPUTES_PAGE
    )
    # The rows' reads overlap: a page waits for the slowest, not for their sum.
    rows = await asyncio.gather(*(_dispute(console, who, i) for i in items))
    now = console.clock.now_ns()
    return page(
        request,
        "disputes.html",
        rows=[(d, *sla(d.case, now)) if d.case else (d, "", False) for d in rows],
        next_cursor=next_cursor,
        filters={"state": state},
        states=DISPUTE_MACHINE.states,
        statuses=STATUS_WORDS,
        tone=tone,
        case_tone=CASE_TONE,
    )
