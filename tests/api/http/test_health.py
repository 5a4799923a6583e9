"""Health endpoints: every component listed; a server stays ready while a background component
fails (the APIs still serve), a worker does not; neither is ready without its database."""

from __future__ import annotations

import httpx

from strongroom.api.http import create_app
from strongroom.api.http.app import create_operations_app
from strongroom.health import ComponentHealth
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService

FAILING = [
    ComponentHealth("audit", "ok"),
    ComponentHealth("relay", "failing", "ConnectionError: nats away"),
]


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")  # type: ignore[arg-type]


async def test_a_server_reports_a_failing_component_and_stays_ready(
    service: LedgerService, keys: AccessService
) -> None:
    app = create_app(service, keys, components=lambda: FAILING)
    async with _client(app) as client:
        ready = await client.get("/readyz")
        live = await client.get("/healthz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    relay = {"name": "relay", "status": "failing", "detail": "ConnectionError: nats away"}
    assert relay in ready.json()["components"]
    assert live.status_code == 200
    assert relay in live.json()["components"]


async def test_a_worker_with_a_failing_component_is_not_ready() -> None:
    async def database_answers() -> None:
        return None

    app = create_operations_app(database_answers, lambda: FAILING, [])
    async with _client(app) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "not_ready"
        assert (await client.get("/healthz")).status_code == 200


async def test_without_its_database_nothing_is_ready() -> None:
    async def database_away() -> None:
        raise ConnectionRefusedError("127.0.0.1:5432")

    app = create_operations_app(database_away, lambda: [], [])
    async with _client(app) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    (database,) = [c for c in ready.json()["components"] if c["name"] == "database"]
    assert database["status"] == "failing"
    assert "127.0.0.1:5432" in database["detail"]
