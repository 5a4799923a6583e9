"""strongroom.v1.Intents through a real gRPC client over loopback, on both backends."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest

from strongroom.api.grpc import start_grpc_server
from strongroom.api.grpc.gen import intents_pb2 as pb
from strongroom.api.grpc.gen import intents_pb2_grpc
from strongroom.bootstrap.platform import Platform
from tests.workflows.conftest import open_accounts


@pytest.fixture
async def stub(platform: Platform) -> AsyncIterator[intents_pb2_grpc.IntentsStub]:
    services = await platform.services()
    await (await platform.intent_engine()).start()
    server, port = await start_grpc_server(
        services.ledger_service, services.access, "127.0.0.1", 0, intents=services.intents
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield intents_pb2_grpc.IntentsStub(channel)
    await channel.close()
    await server.stop(None)


async def bearer(platform: Platform, tenant: str, role: str) -> tuple[tuple[str, str], ...]:
    new = await (await platform.access()).create(tenant, role)
    return (("authorization", f"Bearer {new.token}"),)


def pay(debit: uuid.UUID, credit: uuid.UUID, amount: int) -> str:
    return json.dumps(
        {
            "debit_account_id": str(debit),
            "credit_account_id": str(credit),
            "amount": amount,
            "ledger": "EUR",
            "code": 1,
        }
    )


async def settled(
    stub: intents_pb2_grpc.IntentsStub, md: tuple[tuple[str, str], ...], intent_id: str
) -> pb.IntentDetail:
    for _ in range(500):
        detail = await stub.Show(pb.ShowIntentRequest(id=intent_id), metadata=md)
        if detail.intent.status == "done":
            return detail
        await asyncio.sleep(0.02)
    raise AssertionError(f"intent {intent_id} not done")


async def test_submit_show_list_idempotently(
    stub: intents_pb2_grpc.IntentsStub, platform: Platform
) -> None:
    funding, alice = await open_accounts(platform, 2, overdraft=True)
    md = await bearer(platform, "acme", "write")
    request = pb.SubmitIntentRequest(
        type="ledger.transfer", reference="g-1", payload_json=pay(funding, alice, 70)
    )
    first = await stub.Submit(request, metadata=md)
    assert first.created
    again = await stub.Submit(request, metadata=md)
    assert not again.created
    assert again.intent.id == first.intent.id
    detail = await settled(stub, md, first.intent.id)
    assert detail.intent.state == "settled"
    assert [t.to_state for t in detail.transitions][-1] == "settled"
    assert [s.step for s in detail.steps] == ["check", "reserve", "post", "notify"]
    assert json.loads(detail.steps[1].result_json)["pending_id"]
    page = await stub.List(pb.ListIntentsRequest(limit=10, state="settled"), metadata=md)
    assert [i.id for i in page.items] == [first.intent.id]
    conflicting = pb.SubmitIntentRequest(
        type="ledger.transfer", reference="g-1", payload_json=pay(funding, alice, 71)
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Submit(conflicting, metadata=md)
    assert error.value.code() is grpc.StatusCode.FAILED_PRECONDITION


async def test_bad_input_roles_and_tenants(
    stub: intents_pb2_grpc.IntentsStub, platform: Platform
) -> None:
    funding, alice = await open_accounts(platform, 2, overdraft=True)
    writer = await bearer(platform, "acme", "write")
    for request, field in (
        (pb.SubmitIntentRequest(type="no.such", reference="r", payload_json="{}"), "type"),
        (
            pb.SubmitIntentRequest(type="ledger.transfer", reference="r", payload_json="[1]"),
            "payload",
        ),
        (
            pb.SubmitIntentRequest(
                type="ledger.transfer", reference="", payload_json=pay(funding, alice, 1)
            ),
            "reference",
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.Submit(request, metadata=writer)
        assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in (error.value.details() or "")
    submitted = await stub.Submit(
        pb.SubmitIntentRequest(
            type="ledger.transfer", reference="r", payload_json=pay(funding, alice, 5)
        ),
        metadata=writer,
    )
    reader = await bearer(platform, "acme", "read")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Cancel(pb.CancelIntentRequest(id=submitted.intent.id), metadata=writer)
    assert error.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Submit(
            pb.SubmitIntentRequest(type="ledger.transfer", reference="x", payload_json="{}"),
            metadata=reader,
        )
    assert error.value.code() is grpc.StatusCode.PERMISSION_DENIED
    other = await bearer(platform, "globex", "admin")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Show(pb.ShowIntentRequest(id=submitted.intent.id), metadata=other)
    assert error.value.code() is grpc.StatusCode.NOT_FOUND
    detail = await settled(stub, writer, submitted.intent.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Fire(
            pb.FireIntentRequest(id=submitted.intent.id, event="checked"), metadata=writer
        )
    assert error.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "settled" in (error.value.details() or "")
    assert detail.intent.state == "settled"


async def test_a_failed_intent_is_retried_by_an_admin(
    stub: intents_pb2_grpc.IntentsStub, platform: Platform
) -> None:
    alice, bob = await open_accounts(platform, 2)
    writer = await bearer(platform, "acme", "write")
    admin = await bearer(platform, "acme", "admin")
    submitted = await stub.Submit(
        pb.SubmitIntentRequest(
            type="ledger.transfer", reference="broke", payload_json=pay(alice, bob, 9)
        ),
        metadata=writer,
    )
    failed = await settled(stub, writer, submitted.intent.id)
    assert failed.intent.state == "failed"
    assert "exceeds_credits" in failed.intent.error
    retried = await stub.Retry(pb.RetryIntentRequest(id=submitted.intent.id), metadata=admin)
    assert retried.run == 1
    again = await settled(stub, writer, submitted.intent.id)
    assert again.intent.state == "failed"
    assert [t.event for t in again.transitions][-4:] == ["fail", "retry", "checked", "fail"]
