"""strongroom.v1.Ledger through a real gRPC client over loopback, on both backends."""

from __future__ import annotations

import json

import grpc
import pytest

from strongroom.api.grpc import start_grpc_server
from strongroom.api.grpc.gen import ledger_pb2 as pb
from strongroom.api.grpc.gen import ledger_pb2_grpc
from strongroom.bootstrap import open_access
from strongroom.ids import new_id
from strongroom.ledger import AccountFlags, TransferFlags
from strongroom.ledger.queries import encode_cursor
from strongroom.ratelimit import Limit, Limits, MemoryRateLimiter
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from tests.api.grpc.conftest import token_metadata


def _account(**fields: object) -> pb.NewAccount:
    return pb.NewAccount(id=str(new_id()), ledger="USD", code=1, **fields)


def _transfer(debit: str, credit: str, amount: int, **fields: object) -> pb.NewTransfer:
    return pb.NewTransfer(
        id=str(new_id()),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=amount,
        ledger="USD",
        code=1,
        **fields,
    )


async def test_accounts_and_transfers_round_trip(
    stub: ledger_pb2_grpc.LedgerStub, keys: AccessService
) -> None:
    md = await token_metadata(keys, "acme", "write")
    a = _account(flags=int(AccountFlags.HISTORY), metadata_json='{"owner": "ann"}')
    b = _account()
    created = await stub.CreateAccounts(pb.CreateAccountsRequest(accounts=[a, b]), metadata=md)
    assert [(r.index, r.id, r.result) for r in created.results] == [
        (0, a.id, "ok"),
        (1, b.id, "ok"),
    ]

    big = 2**62
    ts = [_transfer(b.id, a.id, big), _transfer(b.id, a.id, 5), _transfer(a.id, a.id, 1)]
    done = await stub.CreateTransfers(pb.CreateTransfersRequest(transfers=ts), metadata=md)
    assert [r.result for r in done.results] == ["ok", "ok", "accounts_must_be_different"]

    shown = await stub.GetAccount(pb.GetAccountRequest(id=a.id), metadata=md)
    assert shown.credits_posted == big + 5
    assert shown.tenant == "acme"
    assert json.loads(shown.metadata_json) == {"owner": "ann"}
    transfer = await stub.GetTransfer(pb.GetTransferRequest(id=ts[0].id), metadata=md)
    assert transfer.amount == big
    assert transfer.seq > 0

    page = await stub.GetAccountTransfers(
        pb.GetAccountTransfersRequest(account_id=a.id, limit=1), metadata=md
    )
    assert [t.id for t in page.items] == [ts[0].id]
    assert page.next_cursor
    rest = await stub.GetAccountTransfers(
        pb.GetAccountTransfersRequest(account_id=a.id, cursor=page.next_cursor), metadata=md
    )
    assert [t.id for t in rest.items] == [ts[1].id]
    assert rest.next_cursor == ""
    balances = await stub.GetAccountBalances(
        pb.GetAccountBalancesRequest(account_id=a.id, reverse=True, limit=1), metadata=md
    )
    assert balances.items[0].credits_posted == big + 5
    listed = await stub.ListAccounts(pb.ListAccountsRequest(), metadata=md)
    assert {x.id for x in listed.items} == {a.id, b.id}


async def test_two_phase_and_status_over_grpc(
    stub: ledger_pb2_grpc.LedgerStub, keys: AccessService
) -> None:
    writer = await token_metadata(keys, "acme", "write")
    admin = await token_metadata(keys, "acme", "admin")
    a, b = _account(), _account()
    await stub.CreateAccounts(pb.CreateAccountsRequest(accounts=[a, b]), metadata=writer)
    hold = _transfer(a.id, b.id, 80, flags=int(TransferFlags.PENDING), timeout=60)
    settle = pb.NewTransfer(
        id=str(new_id()), pending_id=hold.id, amount=60, flags=int(TransferFlags.POST_PENDING)
    )
    done = await stub.CreateTransfers(
        pb.CreateTransfersRequest(transfers=[hold, settle]), metadata=writer
    )
    assert [r.result for r in done.results] == ["ok", "ok"]
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await stub.SetAccountStatus(
            pb.SetAccountStatusRequest(id=a.id, status="frozen"), metadata=writer
        )
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
    frozen = await stub.SetAccountStatus(
        pb.SetAccountStatusRequest(id=a.id, status="frozen"), metadata=admin
    )
    assert frozen.status == "frozen"


async def test_tenant_isolation_over_grpc(
    stub: ledger_pb2_grpc.LedgerStub, keys: AccessService
) -> None:
    acme = await token_metadata(keys, "acme", "write")
    globex = await token_metadata(keys, "globex", "admin")
    a, b = _account(), _account()
    await stub.CreateAccounts(pb.CreateAccountsRequest(accounts=[a, b]), metadata=acme)
    t = _transfer(a.id, b.id, 10)
    await stub.CreateTransfers(pb.CreateTransfersRequest(transfers=[t]), metadata=acme)

    calls = [
        stub.GetAccount(pb.GetAccountRequest(id=a.id), metadata=globex),
        stub.GetTransfer(pb.GetTransferRequest(id=t.id), metadata=globex),
        stub.GetAccountTransfers(pb.GetAccountTransfersRequest(account_id=a.id), metadata=globex),
        stub.GetAccountBalances(pb.GetAccountBalancesRequest(account_id=a.id), metadata=globex),
        stub.SetAccountStatus(
            pb.SetAccountStatusRequest(id=a.id, status="frozen"), metadata=globex
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() is grpc.StatusCode.NOT_FOUND
        assert ("problem-type", "urn:strongroom:problem:not_found") in tuple(
            caught.value.trailing_metadata() or ()
        )
    assert not (await stub.ListAccounts(pb.ListAccountsRequest(), metadata=globex)).items
    mine = _account()
    await stub.CreateAccounts(pb.CreateAccountsRequest(accounts=[mine]), metadata=globex)
    steal = _transfer(a.id, mine.id, 10)
    done = await stub.CreateTransfers(pb.CreateTransfersRequest(transfers=[steal]), metadata=globex)
    assert done.results[0].result == "account_not_found"


async def test_errors_map_to_status_codes(
    stub: ledger_pb2_grpc.LedgerStub, keys: AccessService
) -> None:
    writer = await token_metadata(keys, "acme", "write")
    cases = [
        (stub.ListAccounts(pb.ListAccountsRequest()), grpc.StatusCode.UNAUTHENTICATED),
        (
            stub.ListAccounts(pb.ListAccountsRequest(), metadata=(("authorization", "Bearer x"),)),
            grpc.StatusCode.UNAUTHENTICATED,
        ),
        (
            stub.GetAccount(pb.GetAccountRequest(id="nope"), metadata=writer),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            stub.CreateAccounts(
                pb.CreateAccountsRequest(accounts=[_account(metadata_json="[1]")]), metadata=writer
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            stub.GetAccountTransfers(
                pb.GetAccountTransfersRequest(account_id=str(new_id()), seq_min=2**64 - 1),
                metadata=writer,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            stub.GetAccountTransfers(
                pb.GetAccountTransfersRequest(
                    account_id=str(new_id()), cursor=encode_cursor(2**64 - 1)
                ),
                metadata=writer,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            stub.ListAccounts(pb.ListAccountsRequest(code=2**31), metadata=writer),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            stub.GetAccount(pb.GetAccountRequest(id=str(new_id())), metadata=writer),
            grpc.StatusCode.NOT_FOUND,
        ),
    ]
    for call, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() is code, caught.value.details()
    assert not (await stub.ListAccounts(pb.ListAccountsRequest(), metadata=writer)).items


async def test_the_request_id_is_honoured(
    stub: ledger_pb2_grpc.LedgerStub, keys: AccessService
) -> None:
    md = (*await token_metadata(keys, "acme", "read"), ("x-request-id", "grpc-call-1"))
    call = stub.ListAccounts(pb.ListAccountsRequest(), metadata=md)
    await call
    assert ("x-request-id", "grpc-call-1") in tuple(await call.initial_metadata())


async def test_a_key_past_its_rate_limit_is_resource_exhausted(
    db_url: str, service: LedgerService
) -> None:
    limiter = MemoryRateLimiter(Limits(Limit(0.5, 1), None))
    access = await open_access(db_url, migrate=False, limiter=limiter)
    server, port = await start_grpc_server(service, access, "127.0.0.1", 0)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = ledger_pb2_grpc.LedgerStub(channel)
            md = await token_metadata(access, "acme", "read")
            await stub.ListAccounts(pb.ListAccountsRequest(), metadata=md)
            call = stub.ListAccounts(pb.ListAccountsRequest(), metadata=md)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await call
            assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            trailers = dict(await call.trailing_metadata())
            assert trailers["problem-type"] == "urn:strongroom:problem:rate_limited"
            assert trailers["retry-after"] == "2"
    finally:
        await server.stop(None)
        await access.close()
