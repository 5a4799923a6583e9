"""The `Authorization: Bearer sr_<id>_<secret>` dependency shared by every /v1 route, the
services the routes call, and the same authentication called directly (`caller_of`) by routes
that bypass the dependency injector (strongroom.api.http.routing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from strongroom.services.access import AccessService, Principal
from strongroom.services.ledger import LedgerService
from strongroom.workflows.service import IntentService

_bearer = HTTPBearer(auto_error=False, description="An API key: sr_<id>_<secret>")


async def service_of(request: Request) -> LedgerService:
    # async: FastAPI runs a plain `def` dependency in a thread pool, a hop per request.
    service: LedgerService = request.app.state.service
    return service


async def access_of(request: Request) -> AccessService:
    access: AccessService = request.app.state.access
    return access


async def intents_of(request: Request) -> IntentService:
    intents: IntentService = request.app.state.intents
    return intents


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials is not None else None
    access: AccessService = request.app.state.access
    return await access.authenticate(token)


async def caller_of(request: Request) -> Principal:
    """The caller of `request`, as the `Caller` dependency would resolve it."""
    return await _principal(request, await _bearer(request))


Caller = Annotated[Principal, Depends(_principal)]
Service = Annotated[LedgerService, Depends(service_of)]
Access = Annotated[AccessService, Depends(access_of)]
Intents = Annotated[IntentService, Depends(intents_of)]
