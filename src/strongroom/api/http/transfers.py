"""/v1/transfers: create (batch) and show."""

from __future__ import annotations

import uuid

import msgspec
from fastapi import APIRouter
from starlette.responses import Response

from strongroom.api.http.auth import Caller, Service
from strongroom.api.http.models import CreateTransfers, TransferOut, TransferResults
from strongroom.api.http.problems import RESPONSES
from strongroom.api.http.routing import DirectRoute, JsonBodyRoute

router = APIRouter(
    prefix="/v1/transfers", tags=["transfers"], responses=RESPONSES, route_class=JsonBodyRoute
)
_encode = msgspec.json.Encoder().encode


async def create_transfers(body: CreateTransfers, caller: Caller, service: Service) -> Response:
    """Up to 8190 transfers, applied in order; one result per transfer: `ok`, `exists` or the
    ledger's error code. An account of another tenant reads `account_not_found`."""
    results = await service.create_transfers(caller, [t.spec() for t in body.transfers])
    # Rendered directly (the shape of TransferResults): building thousands of result models
    # only to serialize them again cost a tenth of a batch request's CPU. msgspec writes the
    # UUID and the result's string itself, in C.
    rendered = [
        {"index": i, "id": t.id, "result": r}
        for i, (t, r) in enumerate(zip(body.transfers, results, strict=True))
    ]
    return Response(_encode({"results": rendered}), media_type="application/json")


# The hot route: served by RequestMiddleware without FastAPI's router and request pipeline.
router.add_api_route(
    "",
    create_transfers,
    methods=["POST"],
    response_model=TransferResults,
    summary="Create transfers (batch)",
    route_class_override=DirectRoute,
)


@router.get("/{id}", response_model=TransferOut, summary="Show a transfer")
async def get_transfer(id: uuid.UUID, caller: Caller, service: Service) -> TransferOut:
    return TransferOut.of(await service.get_transfer(caller, id))
