"""RFC 9457 problem details: every error response is `application/problem+json`.

`type` is `urn:strongroom:problem:<code>`, stable per error (the codes are listed in
docs/api.md); validation problems add `errors: [{field, reason}]` naming each bad field with a
dotted path such as `transfers[3].amount`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from strongroom.errors import (
    BatchTooLarge,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageError,
    StrongroomError,
    Unauthenticated,
    ValidationError,
)
from strongroom.tracing import current_trace_id

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:strongroom:problem:"

#: HTTP status of each Strongroom error class; the most specific class listed wins.
_STATUS: list[tuple[type[StrongroomError], int]] = [
    (BatchTooLarge, 413),
    (ValidationError, 422),
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (StorageError, 503),
]

#: Codes for errors Starlette raises itself (routing, body reading), by status.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class FieldProblem(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    #: The request's trace id (also in the X-Request-Id header).
    trace_id: str | None = None
    errors: list[FieldProblem] | None = None


def problem_response(
    status: int,
    code: str,
    detail: str,
    errors: Sequence[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "trace_id": current_trace_id(),
    }
    if errors is not None:
        body["errors"] = [{"field": f, "reason": r} for f, r in errors]
    return Response(json.dumps(body), status, headers=headers, media_type=MEDIA_TYPE)


def _field_path(loc: Sequence[int | str]) -> str:
    """('body', 'transfers', 3, 'amount') -> 'transfers[3].amount'."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or str(loc[0] if loc else "body")


#: The errors `render` turns into problem documents; anything else is a 500 (`install`).
HANDLED = (StrongroomError, RequestValidationError, StarletteHTTPException)


def render(error: StrongroomError | RequestValidationError | StarletteHTTPException) -> Response:
    """The problem+json response for an error raised while serving a request."""
    if isinstance(error, StrongroomError):
        return _strongroom_error(error)
    if isinstance(error, RequestValidationError):
        return _request_validation(error)
    code = _HTTP_CODES.get(error.status_code, f"http_{error.status_code}")
    return problem_response(error.status_code, code, str(error.detail), headers=error.headers)


def status_of(error: StrongroomError) -> int:
    """The HTTP status an error is answered with."""
    return next((s for kind, s in _STATUS if isinstance(error, kind)), 500)


def _strongroom_error(error: StrongroomError) -> Response:
    status = status_of(error)
    if isinstance(error, ValidationError):
        return problem_response(status, error.code, str(error), error.field_errors())
    headers: dict[str, str] | None = None
    if isinstance(error, Unauthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    return problem_response(status, error.code, str(error), headers=headers)


def _request_validation(error: RequestValidationError) -> Response:
    issues = error.errors()
    if any(issue.get("type") == "json_invalid" for issue in issues):
        return problem_response(400, "malformed_json", "the request body is not valid JSON")
    errors = [(_field_path(issue.get("loc", ())), str(issue.get("msg", ""))) for issue in issues]
    detail = "; ".join(f"{field}: {reason}" for field, reason in errors)
    return problem_response(422, "validation_error", detail, errors)


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> str:
    """Every method one of `routes` serves on the request's path, for the `Allow` header of a 405.
    Starlette's own header names only the methods of the first route on the path (`POST` where
    `GET` is served too)."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install(app: FastAPI, routes: Iterable[BaseRoute]) -> None:
    """Render every error the app can raise as problem+json. `routes` are those of the API's
    routers: FastAPI keeps them inside the included routers, which match no path themselves, so
    a 405 looks for the methods of a path among them and the app's own routes (the docs)."""
    served = [*app.routes, *routes]

    async def on_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, HANDLED)
        return render(error)

    async def on_method_not_allowed(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        headers = {**(error.headers or {}), "Allow": allowed_methods(served, request.scope)}
        return problem_response(405, _HTTP_CODES[405], str(error.detail), headers=headers)

    async def on_unexpected(_: Request, error: Exception) -> Response:
        return problem_response(500, "internal_error", "an unexpected error; see the server log")

    for kind in HANDLED:
        app.add_exception_handler(kind, on_error)
    # A handler for a status code is looked up before those for exception classes.
    app.add_exception_handler(405, on_method_not_allowed)
    app.add_exception_handler(Exception, on_unexpected)


def documented(description: str) -> dict[str, Any]:
    """An error response of an operation in the OpenAPI document: a Problem."""
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


#: The error responses every authenticated operation documents in the OpenAPI document.
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: documented("Malformed JSON or an unreadable request (malformed_json)"),
    401: documented("Missing, unknown or revoked API key (unauthenticated)"),
    403: documented("The key's role does not allow this (permission_denied)"),
    404: documented("Not found, or owned by another tenant (not_found)"),
    413: documented("Body over the size limit, or batch over the maximum"),
    422: documented("A field is missing, of the wrong type or out of range"),
    429: {
        **documented("The key's or its tenant's rate limit is spent (rate_limited)"),
        "headers": {
            "Retry-After": {
                "description": "Whole seconds to wait before sending the request again",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
}
