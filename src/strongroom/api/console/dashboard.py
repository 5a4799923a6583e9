"""The dashboard: what the platform is doing now, refreshed live."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from strongroom.api.console.rendering import page
from strongroom.api.console.routing import ConsoleRoute, Staff

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/console/")
async def dashboard(request: Request, staff: Staff) -> Response:
    return page(request, "dashboard.html")
