"""Unauthenticated operational endpoints: liveness, readiness and Prometheus metrics.

Both health endpoints list the process's components (strongroom.health): the database, the APIs
and the background components the process runs (`app.state.components`, given by `serve`).
Liveness answers 200 while the process serves requests, whatever its components say (restarting
a process whose database is away does not bring the database back). Readiness answers 503 when
the database does not answer; on a server the background components are reported, not judged
(an event bus that is down must not take the APIs out of the load balancer while the outbox
keeps the events), while a worker, which is nothing but its components, is not ready when one
is failing or stopped (`app.state.components_gate_readiness`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from strongroom.health import ComponentHealth

router = APIRouter(tags=["operations"])

#: What `create_app` is given to report the process's background components.
ComponentsView = Callable[[], Sequence[ComponentHealth]]
#: Raises when the database does not answer (`app.state.ready`).
Probe = Callable[[], Awaitable[object]]


class ComponentStatus(BaseModel):
    name: str
    status: Literal["ok", "standby", "starting", "failing", "stopped"]
    detail: str = ""


class Health(BaseModel):
    status: Literal["ok", "ready", "not_ready"]
    components: list[ComponentStatus]


def _components(request: Request) -> list[ComponentHealth]:
    view: ComponentsView = request.app.state.components
    return [ComponentHealth("http", "ok"), *view()]


def _statuses(found: Sequence[ComponentHealth]) -> list[ComponentStatus]:
    return [ComponentStatus(name=c.name, status=c.status, detail=c.detail) for c in found]


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness: the process serves requests (its components are listed, not judged)",
)
async def healthz(request: Request) -> Health:
    return Health(status="ok", components=_statuses(_components(request)))


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness: the database answers (and, for a worker, no component is failing)",
    responses={503: {"model": Health, "description": "Not ready: see the components"}},
)
async def readyz(request: Request) -> Health | Response:
    probe: Probe = request.app.state.ready
    try:
        await probe()
        database = ComponentHealth("database", "ok")
    except Exception as error:
        database = ComponentHealth("database", "failing", f"does not answer: {error}")
    found = [database, *_components(request)]
    judged = found if request.app.state.components_gate_readiness else [database]
    ready = all(component.ready for component in judged)
    body = Health(status="ready" if ready else "not_ready", components=_statuses(found))
    if ready:
        return body
    return JSONResponse(body.model_dump(), status_code=503)


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)
