"""/v1/intents, /v1/intent-types and /v1/intent-schedules: the intent engine over HTTP
(strongroom.workflows.service.IntentService), served when `create_app` is given the service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from strongroom.api.http.auth import Caller, Intents
from strongroom.api.http.models import (
    CancelIntent,
    IntentDetailOut,
    IntentEvent,
    IntentOut,
    IntentPage,
    IntentStatusName,
    IntentTypeOut,
    ScheduleIn,
    ScheduleList,
    ScheduleOut,
    SubmitIntent,
    digits_at_most,
)
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.errors import NotFound
from strongroom.ledger.queries import INT64_MAX
from strongroom.workflows.definitions import UnknownIntentType
from strongroom.workflows.service import MAX_PAGE
from strongroom.workflows.types import IntentStatus

router = APIRouter(tags=["intents"], responses=RESPONSES, route_class=JsonBodyRoute)

#: What an operation on an existing intent may answer besides the common errors.
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: documented(
        "The intent's state does not accept this (illegal_transition), it moved past "
        "expected_version (version_conflict), or it is finished"
    )
}
# Names of types and states (strongroom.workflows.machine); other text without NUL, which
# PostgreSQL's text cannot hold.
_Name = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
_Text = Annotated[str | None, Query(pattern=r"^[^\x00]{1,200}$")]
_Nanos = Annotated[int | None, Query(ge=0, le=INT64_MAX, description="ns since the epoch")]
_Cursor = Annotated[
    str | None,
    Query(pattern=digits_at_most(INT64_MAX), description="next_cursor of the last page"),
]


@router.post(
    "/v1/intents",
    response_model=IntentOut,
    status_code=201,
    summary="Submit an intent",
    responses={
        200: {"model": IntentOut, "description": "Submitted before with this payload"},
        409: documented("The reference was used with another payload (reference_conflict)"),
    },
)
async def submit_intent(
    body: SubmitIntent, caller: Caller, intents: Intents, response: Response
) -> IntentOut:
    """Write role. 201 with the new intent; 200 with the stored one when the same reference
    and payload were submitted before (a safe retry). The payload is checked against the
    type's (422 naming `payload.<field>`); an unknown type is a 422 on `type`."""
    submitted = await intents.submit(caller, body.type, body.reference, body.payload)
    if not submitted.created:
        response.status_code = 200
    return IntentOut.of(submitted.intent)


@router.get("/v1/intents", response_model=IntentPage, summary="List the tenant's intents")
async def list_intents(
    caller: Caller,
    intents: Intents,
    type: _Name = None,
    state: _Name = None,
    status: IntentStatusName | None = None,
    customer: _Text = None,
    account: _Text = None,
    created_from: _Nanos = None,
    created_to: _Nanos = None,
    cursor: _Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page")] = 50,
) -> IntentPage:
    """Newest first, only those matching every filter given; follow `next_cursor` until it is
    null."""
    items, next_cursor = await intents.find(
        caller,
        type=type,
        state=state,
        status=status,
        customer=customer,
        account=account,
        created_from=created_from,
        created_to=created_to,
        cursor=cursor,
        limit=limit,
    )
    return IntentPage(items=[IntentOut.of(i) for i in items], next_cursor=next_cursor)


@router.get("/v1/intents/{id}", response_model=IntentDetailOut, summary="Show an intent")
async def get_intent(id: uuid.UUID, caller: Caller, intents: Intents) -> IntentDetailOut:
    """The intent with its transitions, its step runs (each attempt and compensation) and its
    child intents."""
    return IntentDetailOut.of_detail(await intents.show(caller, id))


@router.post(
    "/v1/intents/{id}/events",
    response_model=IntentOut,
    summary="Send an event to an intent",
    responses=_CONFLICT,
)
async def fire_event(
    id: uuid.UUID, body: IntentEvent, caller: Caller, intents: Intents
) -> IntentOut:
    """Write role: a person's decision or an outside signal, moving the intent along its
    type's machine."""
    moved = await intents.fire(
        caller, id, body.event, reason=body.reason, expected_version=body.expected_version
    )
    return IntentOut.of(moved)


@router.post(
    "/v1/intents/{id}/cancel",
    response_model=IntentOut,
    summary="Cancel an intent",
    responses={
        202: {
            "model": IntentOut,
            "description": "Cancel requested: the engine undoes what the workflow did, then "
            "cancels (`cancel_requested` is true until then)",
        },
        **_CONFLICT,
    },
)
async def cancel_intent(
    id: uuid.UUID,
    caller: Caller,
    intents: Intents,
    response: Response,
    body: CancelIntent | None = None,
) -> IntentOut:
    """Admin role. 200 when the intent is cancelled at once (nothing to undo). The body is
    optional."""
    given = body or CancelIntent()
    intent = await intents.cancel(
        caller, id, reason=given.reason, expected_version=given.expected_version
    )
    if intent.cancel_requested and intent.status is not IntentStatus.DONE:
        response.status_code = 202
    return IntentOut.of(intent)


@router.post(
    "/v1/intents/{id}/retry",
    response_model=IntentOut,
    summary="Run a failed intent again",
    responses=_CONFLICT,
)
async def retry_intent(id: uuid.UUID, caller: Caller, intents: Intents) -> IntentOut:
    """Admin role. A new run from the first group: its steps make new transfers (the failed
    run's were compensated). 409 unless the intent failed."""
    return IntentOut.of(await intents.retry(caller, id))


@router.get(
    "/v1/intent-types", response_model=list[IntentTypeOut], summary="The intent types served"
)
async def list_types(caller: Caller, intents: Intents) -> list[IntentTypeOut]:
    registry = intents.registry
    return [IntentTypeOut.of(registry.get(name)) for name in registry.names()]


@router.get(
    "/v1/intent-types/{name}/graph",
    response_class=PlainTextResponse,
    summary="An intent type's lifecycle as a diagram",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def type_graph(
    name: str,
    caller: Caller,
    intents: Intents,
    format: Literal["mermaid", "dot"] = "mermaid",
) -> PlainTextResponse:
    """Mermaid `stateDiagram-v2` or Graphviz text of the type's state machine."""
    try:
        text = intents.graph(name, format)
    except UnknownIntentType:
        # A name in the path is a resource: an unknown one is not found, not a bad field.
        raise NotFound(f"no intent type {name!r}") from None
    return PlainTextResponse(text)


@router.put(
    "/v1/intent-schedules/{name}",
    response_model=ScheduleOut,
    summary="Create or replace a schedule",
)
async def put_schedule(
    name: str, body: ScheduleIn, caller: Caller, intents: Intents
) -> ScheduleOut:
    """Admin role. Submits an intent of `type` with `payload` at each time of `spec`."""
    schedule = await intents.put_schedule(caller, name, body.type, body.spec, body.payload)
    return ScheduleOut.of(schedule)


@router.get(
    "/v1/intent-schedules", response_model=ScheduleList, summary="List the tenant's schedules"
)
async def list_schedules(caller: Caller, intents: Intents) -> ScheduleList:
    return ScheduleList(items=[ScheduleOut.of(s) for s in await intents.schedules(caller)])


@router.delete(
    "/v1/intent-schedules/{name}",
    status_code=204,
    response_class=Response,
    summary="Delete a schedule",
)
async def delete_schedule(name: str, caller: Caller, intents: Intents) -> Response:
    """Admin role."""
    await intents.delete_schedule(caller, name)
    return Response(status_code=204)
