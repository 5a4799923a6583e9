"""The console's products pages."""

from __future__ import annotations

from fastapi import APIRouter

from strongroom.api.console.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
