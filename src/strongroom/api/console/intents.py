"""The console's intents pages: the tenant's intents newest first, filtered and a page at a
time; one intent's timeline of states, its step runs, children and payload, the part that moves
refreshed live while it runs (a fragment the page's script fetches), so that a person watches a
payment settle; an admin's retry of a failed intent and cancel of an unfinished one.

Everything goes through the IntentService with the signed-in key: another tenant's intent is a
NotFound (the 404 page), and the service checks the roles of retry and cancel itself. The page
shows those forms to admins only so that nobody is offered what will be refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from strongroom.api.console.rendering import page
from strongroom.api.console.routing import Console, ConsoleRoute, Form, Staff, redirect
from strongroom.compliance.case_intent import TYPE as CASE_INTENT
from strongroom.errors import NotFound, ValidationError
from strongroom.services.access import Role
from strongroom.workflows.definitions import FAIL
from strongroom.workflows.types import Intent, IntentDetail, IntentStatus

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Intents a page of the listing shows.
PAGE = 50
#: As the HTTP API bounds a cancel's reason (strongroom.api.http.models.Reason).
MAX_REASON = 500
#: Every machine's fail and cancel edges end in these states (workflows.definitions FAIL and
#: CANCEL): a finished intent in one of them did not do what was asked.
_UNSUCCESSFUL = frozenset({"failed", "cancelled"})
#: What the engine's status means to a person.
STATUS_WORDS = {
    IntentStatus.READY: "in progress",
    IntentStatus.WAITING: "waiting",
    IntentStatus.DONE: "finished",
}
#: What a redirect after an action tells, by the `done` it carries (never text from the URL).
_NOTICES = {
    "retried": "Retried: a new run starts from the first step.",
    "cancelled": "Cancelled.",
    "cancel_requested": "Cancel requested: the engine undoes what the intent did, then cancels.",
}

_Name = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")]


def tone(intent: Intent) -> str:
    """The state's colour class; the page always says the state in words too."""
    if intent.status is not IntentStatus.DONE:
        return "wait"
    return "bad" if intent.state in _UNSUCCESSFUL or intent.error else "good"


def case_of(intent: Intent) -> str | None:
    """The id of the case a `compliance.case` intent opened (a payment held for review, a
    dispute under investigation wait for one): its page is where people decide."""
    if intent.type != CASE_INTENT:
        return None
    opened = intent.results.get("open")
    return opened.get("case_id") if isinstance(opened, dict) else None


def pretty(value: Any) -> str:
    """A payload or a step's result as indented JSON."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


async def people(console: Console, tenant: str, actors: Iterable[str | None]) -> dict[str, str]:
    """Who each actor is, for a person reading a history: an API key as its name (its owner,
    which maker-checker compares) and id; any other actor (the CLI's `cli:NAME`, a subsystem)
    as it is."""
    found: dict[str, str] = {}
    for actor in {a for a in actors if a}:
        try:
            key = await console.access.get(actor, tenant)
        except NotFound:
            found[actor] = actor
        else:
            found[actor] = f"{key.name} (key {key.id})" if key.name else f"key {key.id}"
    return found


def failed(detail: IntentDetail) -> bool:
    """Whether a retry would be taken: finished by a failure, as the service checks it."""
    last = detail.transitions[-1].event if detail.transitions else None
    return detail.intent.status is IntentStatus.DONE and last == FAIL


@router.get("/console/intents")
async def intents(
    request: Request,
    console: Console,
    staff: Staff,
    type: _Name = "",
    state: _Name = "",
    status: Literal["", "ready", "waiting", "done"] = "",
    cursor: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    registry = console.intents.registry
    # A type given is checked here, by the registry's own refusal, so that its states fill the
    # state filter; without one, every state any type has.
    states = (
        registry.get(type).machine.states
        if type
        else sorted({s for name in registry.names() for s in registry.get(name).machine.states})
    )
    items, next_cursor = await console.intents.find(
        staff.principal,
        type=type or None,
        state=state or None,
        status=status or None,
        cursor=cursor or None,
        limit=PAGE,
    )
    return page(
        request,
        "intents.html",
        items=items,
        next_cursor=next_cursor,
        filters={"type": type, "state": state, "status": status},
        types=registry.names(),
        states=states,
        statuses=STATUS_WORDS,
        tone=tone,
    )


async def _detail(console: Console, staff: Staff, intent_id: uuid.UUID) -> dict[str, Any]:
    who = staff.principal
    detail = await console.intents.show(who, intent_id)
    actors = [detail.intent.actor, *(t.actor for t in detail.transitions)]
    return {
        "intent": detail.intent,
        "detail": detail,
        "people": await people(console, who.tenant, actors),
        "tone": tone,
        "case_of": case_of,
        "pretty": pretty,
        "statuses": STATUS_WORDS,
    }


@router.get("/console/intents/{intent_id}")
async def intent(
    request: Request,
    console: Console,
    staff: Staff,
    intent_id: uuid.UUID,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    context = await _detail(console, staff, intent_id)
    return page(
        request,
        "intent.html",
        **context,
        live=False,
        can_act=staff.principal.role.allows(Role.ADMIN),
        failed=failed(context["detail"]),
        notice=_NOTICES.get(done),
        max_reason=MAX_REASON,
    )


@router.get("/console/intents/{intent_id}/timeline")
async def timeline(
    request: Request, console: Console, staff: Staff, intent_id: uuid.UUID
) -> Response:
    """The live part of the intent's page, alone: what its script fetches every two seconds."""
    return page(request, "intent_live.html", **await _detail(console, staff, intent_id), live=True)


@router.post("/console/intents/{intent_id}/retry")
async def retry(console: Console, staff: Staff, form: Form, intent_id: uuid.UUID) -> Response:
    await console.intents.retry(staff.principal, intent_id)
    return redirect(f"/console/intents/{intent_id}", done="retried")


@router.post("/console/intents/{intent_id}/cancel")
async def cancel(console: Console, staff: Staff, form: Form, intent_id: uuid.UUID) -> Response:
    reason = form.get("reason", "").strip()
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise ValidationError("reason", f"at most {MAX_REASON} characters")
    cancelled = await console.intents.cancel(staff.principal, intent_id, reason=reason or None)
    finished = cancelled.status is IntentStatus.DONE
    return redirect(
        f"/console/intents/{intent_id}", done="cancelled" if finished else "cancel_requested"
    )
