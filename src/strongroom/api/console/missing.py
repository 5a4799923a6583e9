"""Any other path under /console: a page saying it does not exist (the API would answer
problem+json)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from strongroom.api.console.routing import ConsoleRoute, Staff
from strongroom.errors import NotFound

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.api_route("/console/{path:path}", methods=["GET", "POST"])
async def missing(request: Request, path: str, staff: Staff) -> Response:
    raise NotFound(f"there is no page at {request.url.path}")
