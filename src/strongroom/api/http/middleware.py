"""Pure ASGI middleware (no per-request task or body copy): the request/trace id and the body
size limit.

The request id comes from the client's `X-Request-Id` header when it is a sane token (1 to 128
characters of letters, digits and `-_.:`), else a new trace id; it is bound as the trace id for
the whole request (so ledger events carry it) and returned in `X-Request-Id` on every response.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strongroom.api.http.problems import problem_response
from strongroom.tracing import new_trace_id, trace_id_var

REQUEST_ID_HEADER = "x-request-id"
_HEADER_BYTES = REQUEST_ID_HEADER.encode()
_SANE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope["headers"]:
            if name == _HEADER_BYTES:
                if _SANE_ID.fullmatch(value):
                    request_id = value.decode()
                break
        trace_id = request_id or new_trace_id()
        encoded = trace_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (_HEADER_BYTES, encoded)]
            await send(message)

        token = trace_id_var.set(trace_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            trace_id_var.reset(token)


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413 problem+json before the app parses them.

    A declared Content-Length over the limit is refused without reading; a chunked body is
    counted as it arrives and cut off at the limit (the app then sees a disconnect, and its
    own response is dropped in favour of the 413).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
                break
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "payload_too_large",
            f"request bodies are limited to {self.max_bytes} bytes; split the batch",
        )
        await response(scope, receive, send)
