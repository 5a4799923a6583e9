"""The OpenAPI document (strongroom.api.http.openapi): FastAPI's, with the Problem schema the
error responses refer to, and every integer bound the exact integer the server checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from strongroom.api.http import openapi
from strongroom.money import AMOUNT_MAX

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The document does not depend on the backend."""
    return sqlite_url


def _bounds(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in BOUNDS:
                yield value
            else:
                yield from _bounds(value)
    elif isinstance(node, list):
        for item in node:
            yield from _bounds(item)


async def test_bounds_are_published_as_the_exact_integers_the_server_checks(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/openapi.json")
    document = r.json()
    bounds = list(_bounds(document))
    assert bounds
    assert all(type(bound) is int for bound in bounds)
    schemas = document["components"]["schemas"]
    for model, field in (("TransferIn", "amount"), ("AccountIn", "overdraft_limit")):
        integer, _ = schemas[model]["properties"][field]["anyOf"]
        assert integer["maximum"] == AMOUNT_MAX
    # As written, not only as parsed: 2**63 - 1 is not 9.223372036854776e+18.
    assert b'"maximum":9223372036854775807' in r.content


async def test_error_responses_refer_to_the_problem_schema(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    refused = document["paths"]["/v1/transfers"]["post"]["responses"]["422"]
    schema = refused["content"]["application/problem+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Problem"}


class Page(BaseModel):
    after: Annotated[int, Field(le=2**62 + 1)]


def test_a_large_bound_it_does_not_know_fails_rather_than_being_rounded() -> None:
    app = FastAPI()

    @app.post("/pages")
    async def pages(body: Page) -> int:
        return body.after

    openapi.install(app)
    with pytest.raises(ValueError, match="LARGE_BOUNDS"):
        app.openapi()
