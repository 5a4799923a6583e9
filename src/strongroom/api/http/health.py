"""Unauthenticated operational endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.responses import Response

from strongroom.api.http.auth import Service
from strongroom.api.http.problems import RESPONSES, problem_response

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health, summary="Liveness: the process serves requests")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness: the database answers",
    responses={503: RESPONSES[422] | {"description": "The database does not answer (not_ready)"}},
)
async def readyz(service: Service) -> Health | Response:
    try:
        await service.ready()
    except Exception as error:
        return problem_response(503, "not_ready", f"the database does not answer: {error}")
    return Health(status="ready")


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
