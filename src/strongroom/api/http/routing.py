"""The API's route classes: `JsonBodyRoute` for the routes FastAPI serves, and `DirectRoute`, an
APIRoute for the hot write endpoints, served without FastAPI's request pipeline. Both take an
integral number written with a fraction or exponent (`5.0`) in an integer field of the body as
the integer it is (strongroom.api.http.numbers), at no cost to bodies that send plain integers.

On `POST /v1/transfers` with one transfer, FastAPI's router, its request handling (two exit
stacks and exception wrappers per call), its body pipeline (`json.loads`, then validation of
the Python objects) and its dependency injector (the bearer scheme, the key, the service) were
about two thirds of the server's CPU. A DirectRoute keeps everything FastAPI
derives from the endpoint's signature (the OpenAPI operation, 405 for other methods) and serves
requests itself:

- `RequestMiddleware` hands a request whose method and path are exactly the route's straight to
  `serve`, a pure ASGI call, skipping the router; any other request that reaches the route
  (an app mounted under a root path) goes through the router to the same code, through
  `get_route_handler`, FastAPI's documented hook for custom routes.
- The endpoint's signature is `(body: Model, caller: Caller, service: Service) -> Response`
  (checked when the route is made).
  The route authenticates the caller first (an unauthenticated request learns nothing about
  its body), then validates the body bytes with one `Model.model_validate_json` call, then
  calls the endpoint.
- Errors are those of any route: `RequestValidationError` with `body`-rooted locations
  (`json_invalid` for malformed JSON), strongroom.errors, rendered by
  strongroom.api.http.problems.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from strongroom.api.http import problems
from strongroom.api.http.auth import caller_of, service_of
from strongroom.api.http.numbers import integral_numbers


class DirectRoute(APIRoute):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A TypeError at import time, not at the first request, for an endpoint of another shape.
        inspect.signature(self.endpoint).bind(body=None, caller=None, service=None)
        (body,) = self.dependant.body_params
        self._model = cast(type[BaseModel], body.field_info.annotation)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self._respond

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request: the ASGI app `RequestMiddleware` calls for this route."""
        try:
            response = await self._respond(Request(scope, receive))
        except problems.HANDLED as error:
            response = problems.render(error)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        caller = await caller_of(request)
        try:
            raw = await request.body()
        except ClientDisconnect:
            # The client left, or RequestMiddleware cut the body off at the size limit (and
            # answered 413 itself): nothing is written, and this response is never sent.
            raise HTTPException(400, "the request body was not received in full") from None
        body = parse_body(self._model, request.headers.get("content-type"), raw)
        service = await service_of(request)
        response: Response = await self.endpoint(body=body, caller=caller, service=service)
        return response


class JsonBodyRoute(APIRoute):
    """The routes of the API that FastAPI serves: an APIRoute whose JSON body takes integral
    numbers in integer fields (`5.0`) as integers, as a DirectRoute's does. A body refused for
    such a number only is validated once more, rewritten (strongroom.api.http.numbers)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if self.body_field is None:
            return handle

        async def handle_integral_numbers(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as error:
                # FastAPI has read the body already: this is its cached copy.
                exact = integral_numbers(await request.body(), error.errors(), root=("body",))
                if exact is None:
                    raise
            return await handle(_with_body(request, exact))

        return handle_integral_numbers


def _with_body(request: Request, body: bytes) -> Request:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def parse_body(model: type[BaseModel], content_type: str | None, raw: bytes) -> Any:
    """`raw` as `model`. As in FastAPI, an empty body is missing and a body is JSON only under a
    JSON media type (`application/json`, `application/*+json`); anything else is a 422."""
    if not raw:
        raise _body_error("missing", "Field required")
    if not _is_json(content_type):
        raise _body_error("model_type", "expected a JSON body (Content-Type: application/json)")
    try:
        return model.model_validate_json(raw)
    except PydanticValidationError as error:
        errors = error.errors(include_url=False)
    exact = integral_numbers(raw, errors)
    if exact is not None:
        try:
            return model.model_validate_json(exact)
        except PydanticValidationError as error:
            errors = error.errors(include_url=False)
    raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])


def _body_error(kind: str, reason: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body",), "msg": reason, "input": None}])


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media_type = content_type.partition(";")[0].strip().lower()
    main, _, sub = media_type.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))
