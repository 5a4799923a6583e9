"""`create_app(service, access)`: the FastAPI application, its middleware, error rendering and
OpenAPI document (strongroom.api.http.openapi).

Our one middleware (`RequestMiddleware`: request id, body size limit, metrics, and the hand-off
of DirectRoute requests past the router) runs inside FastAPI's own (server errors, telemetry).
"""

from __future__ import annotations

from fastapi import FastAPI

from strongroom.api.http import accounts, health, openapi, problems, transfers
from strongroom.api.http import keys as key_routes
from strongroom.api.http.metrics import ApiMetrics
from strongroom.api.http.middleware import RequestMiddleware
from strongroom.api.http.routing import DirectRoute
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService

#: 8 MiB: a full batch of 8190 transfers with modest metadata fits.
MAX_BODY_BYTES = 8 * 1024 * 1024

DESCRIPTION = """\
The Strongroom ledger over HTTP. Authenticate with `Authorization: Bearer sr_<id>_<secret>`.
Amounts are JSON integers in minor units (a decimal string is accepted above 2**53); an integer
field takes any number whose value is an integer (`5.0` as well as `5`, never `5.5`). Errors are
RFC 9457 problem+json. Request bodies are limited to {limit} bytes. See docs/api.md.
"""


def create_app(
    service: LedgerService, access: AccessService, *, max_body_bytes: int = MAX_BODY_BYTES
) -> FastAPI:
    app = FastAPI(
        title="Strongroom",
        version="1",
        description=DESCRIPTION.format(limit=max_body_bytes),
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.service = service
    app.state.access = access
    app.state.metrics = ApiMetrics(service.ledger)
    routers = [module.router for module in (accounts, transfers, key_routes, health)]
    for router in routers:
        app.include_router(router)
    # Included without a prefix of their own, routes keep the paths their routers gave them.
    routes = [route for router in routers for route in router.routes]
    problems.install(app, routes)
    app.add_middleware(
        RequestMiddleware,
        metrics=app.state.metrics,
        max_bytes=max_body_bytes,
        direct=[route for route in routes if isinstance(route, DirectRoute)],
    )
    openapi.install(app)
    return app
