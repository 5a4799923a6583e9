"""`RequestMiddleware`: the one pure-ASGI layer around the app. For every HTTP request it binds
the request id (in a server span when tracing), refuses a body over the size limit, counts and
times the request, and hands it to a DirectRoute when it names one
(strongroom.api.http.routing), else to the router.

One layer, not one per concern: each ASGI layer is a coroutine call per request and a `send`
wrapper per response message, and three of them were a tenth of a small request's CPU.

The request id comes from the client's `X-Request-Id` header when it is a sane token (1 to 128
characters of letters, digits and `-_.:`), else from the trace id of its W3C `traceparent`
header, else it is a new trace id; it is bound as the trace id for the whole request (so ledger
events carry it) and returned in `X-Request-Id` on every response, the 413 of the size limit
included.

With a tracer provider installed (strongroom.tracing), the request is a server span
`METHOD /route/template` whose trace id is the request id (tracing.start_request_span): a child
of the caller's `traceparent` span, or the root of a new trace. A client's id that is not a W3C
trace id is still echoed and is recorded on the span, whose new trace id the logs and events
then carry. Without a provider no span is made.

Bodies over `max_bytes` get 413 problem+json before the app parses them. A declared
Content-Length over the limit is refused without reading (and a declared length needs no
counting: the HTTP server's framing delivers exactly that many bytes); a chunked body is counted
as it arrives and cut off at the limit (the app then sees a disconnect, and its own response is
dropped in favour of the 413).

Requests are counted under their route template (`/v1/accounts/{id}`); paths that match no
route share the label `unmatched`, so that scanners cannot grow the series set.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from opentelemetry import trace as otel_trace
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strongroom.api.http.metrics import ApiMetrics
from strongroom.api.http.problems import problem_response
from strongroom.api.http.routing import DirectRoute
from strongroom.tracing import (
    TRACEPARENT,
    get_tracer,
    new_trace_id,
    parse_traceparent,
    start_request_span,
    trace_id_var,
)

_REQUEST_ID = b"x-request-id"
_TRACEPARENT = TRACEPARENT.encode()
_TRACER = get_tracer(__name__)
_SANE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")


class RequestMiddleware:
    def __init__(
        self, app: ASGIApp, metrics: ApiMetrics, max_bytes: int, direct: Iterable[DirectRoute]
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_bytes = max_bytes
        #: (method, exact path) -> the route that serves it.
        self.direct = {(m, r.path): r for r in direct for m in r.methods or ()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id: bytes | None = None
        declared: bytes | None = None
        traceparent: bytes | None = None
        for name, value in scope["headers"]:
            # The first of repeated headers counts, for each of them.
            if name == _REQUEST_ID and request_id is None:
                request_id = value
            elif name == b"content-length" and declared is None:
                declared = value
            elif name == _TRACEPARENT and traceparent is None:
                traceparent = value
        client_id = request_id.decode() if request_id and _SANE_ID.fullmatch(request_id) else None
        parent = (
            parse_traceparent({TRACEPARENT: traceparent.decode("latin-1")})
            if traceparent is not None
            else None
        )
        tracer = _TRACER.otel
        if tracer is None:
            trace_id = client_id or (parent.trace_id if parent else new_trace_id())
            await self._handle(scope, receive, send, trace_id, declared, started)
            return
        method = scope["method"]
        span, trace_id = start_request_span(
            tracer,
            method,
            SpanKind.SERVER,
            client_id,
            parent,
            {"http.request.method": method, "url.path": scope["path"]},
        )
        with otel_trace.use_span(span, end_on_exit=True):
            status = await self._handle(scope, receive, send, trace_id, declared, started)
            template = _template(scope)
            span.update_name(f"{method} {template}")
            span.set_attribute("http.route", template)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(StatusCode.ERROR)

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        trace_id: str,
        declared: bytes | None,
        started: float,
    ) -> int:
        """Serve the request under `trace_id`, count it; returns the response status."""
        id_header = (_REQUEST_ID, trace_id.encode())
        status = 500
        received = 0
        refused = False

        async def respond(message: Message) -> None:
            nonlocal status
            if refused:
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    await self._refuse(scope, receive, respond)
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        direct = self.direct.get((scope["method"], scope["path"]))
        if direct is not None:
            # As the router would: the metrics label the request by its route's template.
            scope["route"] = direct
        app = self.app if direct is None else direct.serve
        token = trace_id_var.set(trace_id)
        try:
            if declared is None:
                await app(scope, counting_receive, respond)
            elif declared.isdigit() and int(declared) <= self.max_bytes:
                await app(scope, receive, respond)
            else:
                await self._refuse(scope, receive, respond)
        finally:
            trace_id_var.reset(token)
            template = _template(scope)
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)
        return status

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "payload_too_large",
            f"request bodies are limited to {self.max_bytes} bytes; split the batch",
        )
        await response(scope, receive, send)


def _template(scope: Scope) -> str:
    """The route template a request matched (`/v1/accounts/{id}`), or `unmatched`."""
    return getattr(scope.get("route"), "path", None) or "unmatched"
