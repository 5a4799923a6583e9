"""End to end: `serving()` starts uvicorn and gRPC on loopback ports; both reach the same data."""

from __future__ import annotations

import asyncio
import socket

import grpc
import httpx

from strongroom.api.grpc.gen import compliance_pb2, compliance_pb2_grpc, ledger_pb2_grpc
from strongroom.api.grpc.gen import ledger_pb2 as pb
from strongroom.api.server import _listen, serving
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import AccessService, Role
from strongroom.services.ledger import LedgerService
from tests.api.helpers import account, transfer


async def test_http_and_grpc_serve_the_same_ledger(
    service: LedgerService, keys: AccessService
) -> None:
    token = (await keys.create("acme", Role.WRITE)).token
    async with serving(service, keys, port=0, grpc_port=0) as servers:
        assert servers.grpc_target is not None
        async with httpx.AsyncClient(
            base_url=servers.http_url, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            a, b = account(), account()
            r = await client.post("/v1/accounts", json={"accounts": [a, b]})
            assert r.status_code == 200
            r = await client.post(
                "/v1/transfers", json={"transfers": [transfer(a["id"], b["id"], 9)]}
            )
            assert r.json()["results"][0]["result"] == "ok"
            assert (await client.get("/openapi.json")).json()["info"]["title"] == "Strongroom"
        async with grpc.aio.insecure_channel(servers.grpc_target) as channel:
            stub = ledger_pb2_grpc.LedgerStub(channel)
            shown = await stub.GetAccount(
                pb.GetAccountRequest(id=b["id"]), metadata=(("authorization", f"Bearer {token}"),)
            )
        assert shown.credits_posted == 9
        servers.stop()
        await servers.wait()


async def test_http_and_grpc_serve_the_same_compliance_service(platform: Platform) -> None:
    services = await platform.services()
    token = (await services.access.create("acme", Role.ADMIN)).token
    rules = "rules:\n  - {id: big, message: m, when: {payment.amount: {gt: 100}}, action: review}\n"
    async with serving(
        services.ledger_service,
        services.access,
        compliance=services.compliance,
        port=0,
        grpc_port=0,
    ) as servers:
        assert servers.grpc_target is not None
        async with httpx.AsyncClient(
            base_url=servers.http_url, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            r = await client.post("/v1/compliance/rule-sets", json={"source": rules})
            assert r.status_code == 201, r.text
        async with grpc.aio.insecure_channel(servers.grpc_target) as channel:
            stub = compliance_pb2_grpc.ComplianceStub(channel)
            listed = await stub.ListRuleSets(
                compliance_pb2.ListRuleSetsRequest(),
                metadata=(("authorization", f"Bearer {token}"),),
            )
        assert [(s.version, s.source) for s in listed.items] == [(1, rules)]
        servers.stop()
        await servers.wait()


async def test_connections_are_accepted_with_nagle_off_on_asyncios_own_loop() -> None:
    """With Nagle's algorithm on, a response's body waited ~40 ms for the client's delayed ACK of
    its headers (tests run the server on asyncio's loop; `strongroom serve` on uvloop)."""
    nodelay = asyncio.get_running_loop().create_future()

    async def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = writer.get_extra_info("socket")
        nodelay.set_result(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=_listen("127.0.0.1", 0, reuse_port=False))
    async with server:
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await nodelay != 0
        writer.close()
