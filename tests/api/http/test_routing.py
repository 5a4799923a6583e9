"""DirectRoute: POST /v1/transfers served by RequestMiddleware, and the same route through the
router, answer alike; the body rules are FastAPI's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.types import Receive, Scope, Send

from strongroom.api.http.models import CreateTransfers
from strongroom.api.http.routing import DirectRoute, parse_body
from strongroom.ledger import Ledger
from tests.api.helpers import account, transfer


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Edge-only checks: the input never reaches the ledger, so one backend is enough."""
    return sqlite_url


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths DirectRoute.serve answered (the direct way in)."""
    paths: list[str] = []
    serve = DirectRoute.serve

    async def spy(self: DirectRoute, scope: Scope, receive: Receive, send: Send) -> None:
        paths.append(scope["path"])
        await serve(self, scope, receive, send)

    monkeypatch.setattr(DirectRoute, "serve", spy)
    return paths


@pytest.fixture
async def mounted(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app under a root path: requests reach the route through the router."""
    transport = httpx.ASGITransport(app=app, root_path="/api")
    async with httpx.AsyncClient(transport=transport, base_url="http://api/api") as client:
        yield client


def _answer(r: httpx.Response) -> tuple[int, str, Any]:
    body = r.json()
    if isinstance(body, dict):
        body.pop("trace_id", None)
    return r.status_code, r.headers["content-type"], body


async def test_both_ways_in_answer_alike(
    client: httpx.AsyncClient,
    mounted: httpx.AsyncClient,
    writer: dict[str, str],
    reader: dict[str, str],
    served: list[str],
) -> None:
    a, b = account(), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=writer)
    # Refused by the ledger, so that sending it twice gets the same result twice.
    same_account = httpx.Request("POST", "/", json={"transfers": [transfer(a["id"], a["id"])]})
    json_type = {"Content-Type": "application/json"}
    cases: list[tuple[dict[str, str], bytes]] = [
        (writer, same_account.read()),
        (writer, b'{"transfers": ['),
        (writer, b'{"transfers": [{"id": "x", "amount": 1.5}]}'),
        (writer, b""),
        (reader, same_account.read()),
        ({}, b"{"),
    ]
    statuses = []
    for headers, content in cases:
        direct = await client.post("/v1/transfers", content=content, headers=headers | json_type)
        routed = await mounted.post("/v1/transfers", content=content, headers=headers | json_type)
        assert _answer(direct) == _answer(routed)
        statuses.append(direct.status_code)
    assert statuses == [200, 400, 422, 422, 403, 401]
    assert served == ["/v1/transfers"] * len(cases)


async def test_the_caller_is_authenticated_before_the_body_is_read(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/v1/transfers", content=b"{", headers={"Content-Type": "text/plain"})
    assert r.status_code == 401
    assert r.json()["type"] == "urn:strongroom:problem:unauthenticated"


async def test_a_chunked_body_over_the_limit_is_413_and_writes_nothing(
    client: httpx.AsyncClient, writer: dict[str, str], ledger: Ledger
) -> None:
    a, b = account(), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=writer)

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"transfers": ['
        for _ in range(300):
            t = transfer(a["id"], b["id"], metadata={"pad": "x" * 1000})
            yield httpx.Request("POST", "/", json=t).read() + b","
        yield b"]}"

    headers = {**writer, "Content-Type": "application/json"}
    r = await client.post("/v1/transfers", content=chunks(), headers=headers)
    assert r.status_code == 413
    assert r.json()["type"] == "urn:strongroom:problem:payload_too_large"
    assert ledger.engine.stats.transfers == 0


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/x+json"]
)
def test_json_media_types_are_parsed(content_type: str) -> None:
    raw = b'{"transfers": [{"id": "00000000-0000-0000-0000-000000000001", "amount": "5"}]}'
    assert parse_body(CreateTransfers, content_type, raw).transfers[0].amount == 5


@pytest.mark.parametrize(
    ("content_type", "raw", "kind", "loc"),
    [
        ("application/json", b"", "missing", ("body",)),
        (None, b"{}", "model_type", ("body",)),
        ("text/plain", b"{}", "model_type", ("body",)),
        ("application/jsonx", b"{}", "model_type", ("body",)),
        ("application/json", b"{", "json_invalid", ("body",)),
        (
            "application/json",
            b'{"transfers": [{"id": 1}]}',
            "uuid_type",
            ("body", "transfers", 0, "id"),
        ),
    ],
)
def test_bad_bodies_are_request_validation_errors_rooted_at_body(
    content_type: str | None, raw: bytes, kind: str, loc: tuple[str | int, ...]
) -> None:
    with pytest.raises(RequestValidationError) as raised:
        parse_body(CreateTransfers, content_type, raw)
    (error,) = raised.value.errors()
    assert (error["type"], tuple(error["loc"])) == (kind, loc)


def test_an_endpoint_of_another_shape_is_refused_when_the_route_is_made() -> None:
    async def endpoint(body: CreateTransfers, who: str) -> None: ...

    with pytest.raises(TypeError):
        DirectRoute("/x", endpoint, methods=["POST"])
