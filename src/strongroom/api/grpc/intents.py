"""`IntentsServicer`: strongroom.v1.Intents on grpc.aio, over
strongroom.workflows.service.IntentService. Payloads and results travel as JSON strings."""

from __future__ import annotations

import json
from typing import Any, TypeAlias

import grpc

from strongroom.api.grpc.calls import Calls
from strongroom.api.grpc.gen import intents_pb2 as pb
from strongroom.api.grpc.gen import intents_pb2_grpc
from strongroom.errors import ValidationError
from strongroom.ids import parse_id
from strongroom.services.access import AccessService, Principal
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent, IntentDetail, StepRecord, TransitionRecord

_DEFAULT_LIMIT = 50
_Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"


def _json_out(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _payload_in(text: str) -> object:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        raise ValidationError("payload_json", "not valid JSON") from None


def intent_pb(i: Intent) -> pb.Intent:
    return pb.Intent(
        id=str(i.id),
        tenant=i.tenant,
        type=i.type,
        reference=i.reference,
        payload_json=_json_out(i.payload),
        state=i.state,
        status=i.status.value,
        version=i.version,
        created_at=i.created_at,
        updated_at=i.updated_at,
        mutex_key=i.mutex_key or "",
        parent_id=str(i.parent_id) if i.parent_id is not None else "",
        customer=i.customer or "",
        account=i.account or "",
        actor=i.actor or "",
        trace_id=i.trace_id or "",
        run_at=i.run_at,
        position=i.position,
        results_json=_json_out(i.results),
        attempts=i.attempts,
        run=i.run,
        error=i.error or "",
        cancel_requested=i.cancel_requested,
        lease_owner=i.lease_owner or "",
    )


def _transition_pb(t: TransitionRecord) -> pb.Transition:
    return pb.Transition(
        seq=t.seq,
        event=t.event,
        from_state=t.from_state or "",
        to_state=t.to_state,
        at=t.at,
        actor=t.actor or "",
        reason=t.reason or "",
    )


def _step_pb(s: StepRecord) -> pb.StepRun:
    return pb.StepRun(
        step=s.step,
        run=s.run,
        attempt=s.attempt,
        outcome=s.outcome.value,
        started_at=s.started_at,
        finished_at=s.finished_at,
        result_json=_json_out(s.result) if s.result is not None else "",
        error=s.error or "",
    )


def detail_pb(d: IntentDetail) -> pb.IntentDetail:
    return pb.IntentDetail(
        intent=intent_pb(d.intent),
        transitions=[_transition_pb(t) for t in d.transitions],
        steps=[_step_pb(s) for s in d.steps],
        children=[intent_pb(c) for c in d.children],
    )


def _optional(message: Any, field: str) -> Any:
    return getattr(message, field) if message.HasField(field) else None


class IntentsServicer(Calls, intents_pb2_grpc.IntentsServicer):
    service_name = "strongroom.v1.Intents"

    def __init__(self, intents: IntentService, access: AccessService) -> None:
        super().__init__(access)
        self._intents = intents

    async def Submit(
        self, request: pb.SubmitIntentRequest, context: _Context
    ) -> pb.SubmitIntentResponse:
        async def work(who: Principal) -> pb.SubmitIntentResponse:
            submitted = await self._intents.submit(
                who, request.type, request.reference, _payload_in(request.payload_json)
            )
            return pb.SubmitIntentResponse(
                intent=intent_pb(submitted.intent), created=submitted.created
            )

        return await self._call("Submit", context, work)

    async def Show(self, request: pb.ShowIntentRequest, context: _Context) -> pb.IntentDetail:
        async def work(who: Principal) -> pb.IntentDetail:
            return detail_pb(await self._intents.show(who, parse_id(request.id, "id")))

        return await self._call("Show", context, work)

    async def List(self, request: pb.ListIntentsRequest, context: _Context) -> pb.IntentPage:
        async def work(who: Principal) -> pb.IntentPage:
            items, next_cursor = await self._intents.find(
                who,
                type=_optional(request, "type"),
                state=_optional(request, "state"),
                status=_optional(request, "status"),
                customer=_optional(request, "customer"),
                account=_optional(request, "account"),
                created_from=_optional(request, "created_from"),
                created_to=_optional(request, "created_to"),
                cursor=request.cursor or None,
                limit=request.limit or _DEFAULT_LIMIT,
            )
            return pb.IntentPage(items=[intent_pb(i) for i in items], next_cursor=next_cursor or "")

        return await self._call("List", context, work)

    async def Fire(self, request: pb.FireIntentRequest, context: _Context) -> pb.Intent:
        async def work(who: Principal) -> pb.Intent:
            moved = await self._intents.fire(
                who,
                parse_id(request.id, "id"),
                request.event,
                reason=request.reason or None,
                expected_version=_optional(request, "expected_version"),
            )
            return intent_pb(moved)

        return await self._call("Fire", context, work)

    async def Cancel(self, request: pb.CancelIntentRequest, context: _Context) -> pb.Intent:
        async def work(who: Principal) -> pb.Intent:
            cancelled = await self._intents.cancel(
                who,
                parse_id(request.id, "id"),
                reason=request.reason or None,
                expected_version=_optional(request, "expected_version"),
            )
            return intent_pb(cancelled)

        return await self._call("Cancel", context, work)

    async def Retry(self, request: pb.RetryIntentRequest, context: _Context) -> pb.Intent:
        async def work(who: Principal) -> pb.Intent:
            return intent_pb(await self._intents.retry(who, parse_id(request.id, "id")))

        return await self._call("Retry", context, work)
