"""`Calls`: what every servicer of the gRPC transport does around a call: bind the trace id,
authenticate, run the work, and turn strongroom.errors into gRPC status codes (with the HTTP
problem type in the `problem-type` trailer).

May import strongroom.services.access, errors and tracing; never http, cli or strongroom.store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import grpc
from opentelemetry import trace as otel_trace
from opentelemetry.trace import SpanKind, StatusCode

from strongroom.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageError,
    StrongroomError,
    Unauthenticated,
    ValidationError,
)
from strongroom.services.access import AccessService, Principal
from strongroom.tracing import (
    bound,
    get_tracer,
    parse_traceparent,
    start_request_span,
    trace_id_var,
)

R = TypeVar("R")

_PROBLEM_PREFIX = "urn:strongroom:problem:"
_TRACER = get_tracer(__name__)

_STATUS: list[tuple[type[StrongroomError], grpc.StatusCode]] = [
    (ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (Conflict, grpc.StatusCode.FAILED_PRECONDITION),
    (RateLimited, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (StorageError, grpc.StatusCode.UNAVAILABLE),
]
#: The codes that are the server's fault, so its span's error (the others are the caller's).
_SERVER_FAULTS = frozenset({grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE})


class Calls:
    """The base of a servicer: `_call(method, context, work)` runs `work` for the caller."""

    #: The full gRPC service name, as the spans name it.
    service_name = ""

    def __init__(self, access: AccessService) -> None:
        self._access = access

    async def _call(
        self,
        method: str,
        context: grpc.aio.ServicerContext[Any, Any],
        work: Callable[[Principal], Awaitable[R]],
    ) -> R:
        """Bind the trace id, authenticate, run `work`; errors become gRPC status codes. With a
        tracer provider installed, all of it in a server span `<service_name>/<method>`."""
        headers = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        given = headers.get("x-request-id", "")
        sane = 0 < len(given) <= 128 and given.isascii() and given.isprintable()
        request_id = given if sane else None
        parent = parse_traceparent(headers)
        tracer = _TRACER.otel
        if tracer is None:
            with bound(request_id, parent=parent) as trace_id:
                return await self._answer(context, headers, trace_id, work)
        span, trace_id = start_request_span(
            tracer,
            f"{self.service_name}/{method}",
            SpanKind.SERVER,
            request_id,
            parent,
            {"rpc.system": "grpc", "rpc.service": self.service_name, "rpc.method": method},
        )
        # `_answer` sets the status from the gRPC code: the abort that answers a caller's error
        # is not the span's error.
        token = trace_id_var.set(trace_id)
        try:
            with otel_trace.use_span(
                span, end_on_exit=True, record_exception=False, set_status_on_exception=False
            ):
                return await self._answer(context, headers, trace_id, work)
        finally:
            trace_id_var.reset(token)

    async def _answer(
        self,
        context: grpc.aio.ServicerContext[Any, Any],
        headers: Mapping[str, str],
        trace_id: str,
        work: Callable[[Principal], Awaitable[R]],
    ) -> R:
        await context.send_initial_metadata((("x-request-id", trace_id),))
        span = otel_trace.get_current_span()
        try:
            authorization = headers.get("authorization", "")
            scheme, _, token = authorization.partition(" ")
            who = await self._access.authenticate(
                token.strip() if scheme.lower() == "bearer" else None
            )
            answer = await work(who)
        except StrongroomError as error:
            code = next(
                (c for kind, c in _STATUS if isinstance(error, kind)),
                grpc.StatusCode.INTERNAL,
            )
            span.set_attribute("rpc.grpc.status_code", code.value[0])
            if code in _SERVER_FAULTS:
                span.set_status(StatusCode.ERROR, str(error))
            trailers = [("problem-type", _PROBLEM_PREFIX + error.code)]
            if isinstance(error, RateLimited):
                trailers.append(("retry-after", str(error.retry_after)))
            context.set_trailing_metadata(trailers)
            await context.abort(code, _message(error))
            raise  # abort raises; this keeps type checkers sure we never fall through
        except Exception as error:
            # grpc answers UNKNOWN; the span says why.
            span.record_exception(error)
            span.set_status(StatusCode.ERROR, f"{type(error).__name__}: {error}")
            raise
        span.set_attribute("rpc.grpc.status_code", grpc.StatusCode.OK.value[0])
        return answer


def _message(error: StrongroomError) -> str:
    """The status message: a validation error's every field (a rule set's every issue), as the
    HTTP problem's `errors` list them, since a status carries no list of its own."""
    if isinstance(error, ValidationError):
        return "; ".join(f"{field}: {reason}" for field, reason in error.field_errors())
    return str(error)
