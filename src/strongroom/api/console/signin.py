"""Signing in and out: an API key exchanged for a session cookie (HttpOnly, SameSite=Strict,
Secure over HTTPS, path /console), and the cookie cleared."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from strongroom.api.console.rendering import page
from strongroom.api.console.routing import (
    Console,
    ConsoleRoute,
    Form,
    redirect,
    sessions_of,
)
from strongroom.api.console.sessions import (
    COOKIE,
    LIFETIME_S,
    SIGN_IN_COOKIE,
    new_token,
    same_token,
)
from strongroom.errors import Unauthenticated

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Where a person lands after signing in when no page sent them.
HOME = "/console/"


def _safe_next(target: str | None) -> str:
    # Only a path of the console itself: never an open redirect to another site.
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return HOME


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


@router.get("/console/sign-in")
async def sign_in_form(request: Request, next: str | None = None) -> Response:
    token = new_token()
    response = page(request, "sign_in.html", csrf=token, next=_safe_next(next), error=None)
    _cookie(response, request, SIGN_IN_COOKIE, token, 3600)
    return response


@router.post("/console/sign-in")
async def sign_in(request: Request, console: Console) -> Response:
    form = await request.form()
    key, target, sent = form.get("api_key"), form.get("next"), form.get("csrf")
    target = _safe_next(target if isinstance(target, str) else None)
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if expected is None or not same_token(sent, expected):
        token = new_token()
        message = "The sign-in form had expired. Enter your API key again."
        response = page(request, "sign_in.html", 400, csrf=token, next=target, error=message)
        _cookie(response, request, SIGN_IN_COOKIE, token, 3600)
        return response
    try:
        await console.access.authenticate(key if isinstance(key, str) else None)
    except Unauthenticated:
        message = "That API key is not valid, or it was revoked. Check it and try again."
        return page(request, "sign_in.html", 401, csrf=expected, next=target, error=message)
    assert isinstance(key, str)
    cookie, _ = await sessions_of(request).start(key)
    signed_in = redirect(target)
    _cookie(signed_in, request, COOKIE, cookie, LIFETIME_S)
    signed_in.delete_cookie(SIGN_IN_COOKIE, path="/console")
    return signed_in


@router.post("/console/sign-out")
async def sign_out(request: Request, form: Form) -> Response:
    response = redirect("/console/sign-in")
    response.delete_cookie(COOKIE, path="/console")
    return response
