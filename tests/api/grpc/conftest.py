from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from strongroom.api.grpc import start_grpc_server
from strongroom.api.grpc.gen import ledger_pb2_grpc
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService


@pytest.fixture
async def stub(
    service: LedgerService, keys: AccessService
) -> AsyncIterator[ledger_pb2_grpc.LedgerStub]:
    """A real gRPC client on a loopback channel to a real grpc.aio server."""
    server, port = await start_grpc_server(service, keys, "127.0.0.1", 0)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield ledger_pb2_grpc.LedgerStub(channel)
    await channel.close()
    await server.stop(None)


async def token_metadata(
    keys: AccessService, tenant: str, role: str
) -> tuple[tuple[str, str], ...]:
    new = await keys.create(tenant, role)
    return (("authorization", f"Bearer {new.token}"),)
