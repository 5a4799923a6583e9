"""How a console page is served: `ConsoleRoute` times it, finds who is signed in, checks the
CSRF token of a form, and turns every error into a page in words a person understands (the APIs
answer problem+json; the console never does).

A page declares what it needs with the dependencies here: `Staff` (the signed-in person, or a
redirect to the sign-in page), `Form` (a POSTed form whose CSRF token was checked)."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from strongroom.api.console.rendering import page
from strongroom.api.console.services import ConsoleServices
from strongroom.api.console.sessions import COOKIE, Session, Sessions, same_token
from strongroom.api.http.problems import status_of
from strongroom.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    StrongroomError,
    Unauthenticated,
    ValidationError,
)
from strongroom.services.access import Principal

#: Where a person who is not signed in is sent.
SIGN_IN = "/console/sign-in"


class SignInRequired(Exception):
    """No session, an expired one, or its key revoked: the person signs in again."""


@dataclass(frozen=True, slots=True)
class StaffMember:
    """Who is signed in: the key's principal and the session (for its CSRF token)."""

    principal: Principal
    session: Session

    @property
    def csrf(self) -> str:
        return self.session.csrf


def console_of(request: Request) -> ConsoleServices:
    services: ConsoleServices = request.app.state.console
    return services


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.console_sessions
    return sessions


async def _staff(request: Request) -> StaffMember:
    session = await sessions_of(request).open(request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired
    try:
        principal = await console_of(request).access.authenticate(session.token)
    except Unauthenticated:
        raise SignInRequired from None
    staff = StaffMember(principal, session)
    request.state.staff = staff
    return staff


async def _form(request: Request, staff: Annotated[StaffMember, Depends(_staff)]) -> dict[str, str]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not same_token(fields.pop("csrf", None), staff.csrf):
        raise PermissionDenied(
            "this form has expired or did not come from this console; reload the page and try again"
        )
    return fields


Staff = Annotated[StaffMember, Depends(_staff)]
Form = Annotated[dict[str, str], Depends(_form)]
Console = Annotated[ConsoleServices, Depends(console_of)]

#: What a person is told, by kind of error, before the error's own words.
_HEADINGS: list[tuple[type[StrongroomError], str]] = [
    (ValidationError, "Some of what was entered cannot be used"),
    (PermissionDenied, "Your key is not allowed to do this"),
    (NotFound, "Not found"),
    (Conflict, "This cannot be done now"),
]


def error_page(request: Request, error: Exception) -> Response:
    """The page for an error raised while serving a console request."""
    if isinstance(error, SignInRequired | Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = urllib.parse.urlencode({"next": target})
        return RedirectResponse(f"{SIGN_IN}?{query}", status_code=303)
    if isinstance(error, StrongroomError):
        status = status_of(error)
        heading = next((h for kind, h in _HEADINGS if isinstance(error, kind)), "Something failed")
        details = (
            [f"{f}: {r}" for f, r in error.field_errors()]
            if isinstance(error, ValidationError)
            else [str(error)]
        )
    elif isinstance(error, RequestValidationError):
        status, heading = 422, "Some of what was entered cannot be used"
        details = [
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in error.errors()
        ]
    elif isinstance(error, StarletteHTTPException):
        status = error.status_code
        heading = "Not found" if status == 404 else "The request could not be served"
        details = [str(error.detail)]
    else:
        raise error
    return page(request, "error.html", status, heading=heading, details=details)


class ConsoleRoute(APIRoute):
    """A console page: timed, its errors rendered as pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def serve(request: Request) -> Response:
            request.state.console_started = time.perf_counter()
            try:
                return await handler(request)
            except (
                SignInRequired,
                StrongroomError,
                RequestValidationError,
                StarletteHTTPException,
            ) as error:
                return error_page(request, error)

        return serve


def redirect(url: str, **query: Any) -> RedirectResponse:
    """A 303 to `url` (after a form: the browser GETs the result, a reload does not re-post)."""
    extra = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    return RedirectResponse(f"{url}?{extra}" if extra else url, status_code=303)
