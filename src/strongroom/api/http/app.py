"""`create_app(service, access, intents=..., cases=...)`: the FastAPI application, its
middleware, error rendering and OpenAPI document (strongroom.api.http.openapi).

Our one middleware (`RequestMiddleware`: request id, body size limit, metrics, and the hand-off
of DirectRoute requests past the router) runs inside FastAPI's own (server errors, telemetry).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector

from strongroom.api.http import (
    accounts,
    banking_customers,
    banking_fx,
    banking_payments,
    banking_periodic,
    health,
    openapi,
    problems,
    transfers,
)
from strongroom.api.http import billing as billing_routes
from strongroom.api.http import cases as case_routes
from strongroom.api.http import compliance as compliance_routes
from strongroom.api.http import intents as intents_routes
from strongroom.api.http import keys as key_routes
from strongroom.api.http.health import ComponentsView, Probe
from strongroom.api.http.metrics import ApiMetrics
from strongroom.api.http.middleware import RequestMiddleware
from strongroom.api.http.routing import DirectRoute
from strongroom.banking.services import BankingServices
from strongroom.billing.services import BillingServices
from strongroom.compliance.cases import CaseService
from strongroom.compliance.service import ComplianceService
from strongroom.health import ComponentHealth
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.workflows.service import IntentService

#: 8 MiB: a full batch of 8190 transfers with modest metadata fits.
MAX_BODY_BYTES = 8 * 1024 * 1024

DESCRIPTION = """\
The Strongroom ledger over HTTP. Authenticate with `Authorization: Bearer sr_<id>_<secret>`.
Amounts are JSON integers in minor units (a decimal string is accepted above 2**53); an integer
field takes any number whose value is an integer (`5.0` as well as `5`, never `5.5`). Errors are
RFC 9457 problem+json. Request bodies are limited to {limit} bytes. See docs/api.md.
"""


def create_app(
    service: LedgerService,
    access: AccessService,
    *,
    intents: IntentService | None = None,
    compliance: ComplianceService | None = None,
    cases: CaseService | None = None,
    banking: BankingServices | None = None,
    billing: BillingServices | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    components: ComponentsView | None = None,
    collectors: Sequence[Collector] = (),
) -> FastAPI:
    """The API over `service` and `access`, and the routes of the intent engine (`intents`), the
    rule engine (`compliance`), the compliance cases (`cases`) and the bank (`banking`) when
    given. `components`
    reports the process's background
    components in the health endpoints; `collectors` add their figures to `/metrics`."""
    app = FastAPI(
        title="Strongroom",
        version="1",
        description=DESCRIPTION.format(limit=max_body_bytes),
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.service = service
    app.state.access = access
    app.state.intents = intents
    app.state.compliance = compliance
    app.state.cases = cases
    app.state.banking = banking
    app.state.billing = billing
    app.state.metrics = ApiMetrics(service.ledger)
    # The APIs serve while a background component fails: readiness reports it, not judges it.
    registry = app.state.metrics.registry
    _operations_state(app, service.ready, components or _none, False, collectors, registry)
    routers = [module.router for module in (accounts, transfers, key_routes, health)]
    if intents is not None:
        routers.insert(2, intents_routes.router)
    if compliance is not None:
        routers.insert(-1, compliance_routes.router)
    if cases is not None:
        routers.insert(2, case_routes.router)
    if banking is not None:
        routers.insert(-1, banking_customers.router)
        routers.insert(-1, banking_payments.router)
        routers.insert(-1, banking_fx.router)
        routers.insert(-1, banking_periodic.router)
    if billing is not None:
        routers.insert(-1, billing_routes.router)
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
    openapi.install(
        app,
        # A type submitted through its own service's operation is refused by POST /v1/intents,
        # so the document does not offer it there.
        intent_types={
            kind.name: kind.payload
            for kind in map(intents.registry.get, intents.registry.names())
            if kind.through is None
        }
        if intents is not None
        else {},
    )
    return app


def create_operations_app(
    ready: Probe, components: ComponentsView, collectors: Sequence[Collector]
) -> FastAPI:
    """Only the health endpoints and `/metrics`: what a worker process without the APIs serves
    for its probes and scrapes."""
    app = FastAPI(title="Strongroom worker", version="1", docs_url=None, redoc_url=None)
    # A worker is its components: one failing makes it not ready.
    _operations_state(app, ready, components, True, collectors, CollectorRegistry())
    app.include_router(health.router)
    return app


def _operations_state(
    app: FastAPI,
    ready: Probe,
    components: ComponentsView,
    components_gate_readiness: bool,
    collectors: Sequence[Collector],
    registry: CollectorRegistry,
) -> None:
    # What the health router reads (strongroom.api.http.health).
    app.state.ready = ready
    app.state.components = components
    app.state.components_gate_readiness = components_gate_readiness
    app.state.registry = registry
    for collector in collectors:
        registry.register(collector)


def _none() -> Sequence[ComponentHealth]:
    return ()
