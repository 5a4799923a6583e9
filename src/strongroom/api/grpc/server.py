"""`LedgerServicer` (strongroom.v1.Ledger on grpc.aio) and `start_grpc_server`, which serves it
and, given their services, strongroom.v1.Intents (strongroom.api.grpc.intents),
strongroom.v1.Compliance (strongroom.api.grpc.compliance) and strongroom.v1.Banking
(strongroom.api.grpc.banking)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import grpc

from strongroom.api.grpc.banking import BankingServicer
from strongroom.api.grpc.billing import BillingServicer
from strongroom.api.grpc.calls import Calls
from strongroom.api.grpc.compliance import ComplianceServicer
from strongroom.api.grpc.gen import (
    banking_pb2_grpc,
    billing_pb2_grpc,
    compliance_pb2_grpc,
    intents_pb2_grpc,
    ledger_pb2_grpc,
)
from strongroom.api.grpc.gen import ledger_pb2 as pb
from strongroom.api.grpc.intents import IntentsServicer
from strongroom.banking.services import BankingServices
from strongroom.billing.services import BillingServices
from strongroom.compliance.service import ComplianceService
from strongroom.errors import ValidationError
from strongroom.ids import NIL, parse_id
from strongroom.ledger import (
    Account,
    AccountBalance,
    AccountFilter,
    AccountStatus,
    CreateAccountResult,
    CreateTransferResult,
    HistoryQuery,
    Transfer,
    TransferQuery,
)
from strongroom.services.access import AccessService, Principal
from strongroom.services.ledger import AccountSpec, LedgerService, TransferSpec
from strongroom.workflows.service import IntentService

#: As the HTTP body limit: a full batch with modest metadata fits.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
_DEFAULT_LIMIT = 100


def _id(value: str, field: str) -> uuid.UUID:
    return parse_id(value, field) if value else NIL


def _metadata_in(text: str, field: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise ValidationError(field, "not valid JSON") from None
    if not isinstance(value, dict):
        raise ValidationError(field, "must be a JSON object")
    return value


def _metadata_out(value: Mapping[str, Any] | None) -> str:
    return json.dumps(value, separators=(",", ":")) if value is not None else ""


def _limit(value: int) -> int:
    return value or _DEFAULT_LIMIT


def account_pb(a: Account) -> pb.Account:
    return pb.Account(
        id=str(a.id),
        tenant=a.tenant,
        ledger=a.ledger,
        code=a.code,
        flags=int(a.flags),
        overdraft_limit=a.overdraft_limit,
        status=a.status.value,
        metadata_json=_metadata_out(a.metadata),
        debits_pending=a.debits_pending,
        debits_posted=a.debits_posted,
        credits_pending=a.credits_pending,
        credits_posted=a.credits_posted,
        timestamp=a.timestamp,
    )


def transfer_pb(t: Transfer) -> pb.Transfer:
    return pb.Transfer(
        id=str(t.id),
        tenant=t.tenant,
        debit_account_id=str(t.debit_account_id),
        credit_account_id=str(t.credit_account_id),
        amount=t.amount,
        ledger=t.ledger,
        code=t.code,
        flags=int(t.flags),
        pending_id=str(t.pending_id) if t.pending_id is not None else "",
        timeout=t.timeout,
        metadata_json=_metadata_out(t.metadata),
        timestamp=t.timestamp,
        seq=t.seq,
    )


def balance_pb(b: AccountBalance) -> pb.Balance:
    return pb.Balance(
        account_id=str(b.account_id),
        seq=b.seq,
        timestamp=b.timestamp,
        debits_pending=b.debits_pending,
        debits_posted=b.debits_posted,
        credits_pending=b.credits_pending,
        credits_posted=b.credits_posted,
    )


def _optional(message: Any, field: str) -> Any:
    """An `optional` field's value, or None when unset (the queries check its range)."""
    return getattr(message, field) if message.HasField(field) else None


def _results(
    specs: Sequence[AccountSpec | TransferSpec],
    results: Sequence[CreateAccountResult | CreateTransferResult],
) -> list[pb.CreateResult]:
    """One result per item, in order, naming the item's id."""
    return [
        pb.CreateResult(index=i, id=str(spec.id), result=result.value)
        for i, (spec, result) in enumerate(zip(specs, results, strict=True))
    ]


def _status(value: str) -> AccountStatus:
    try:
        return AccountStatus(value)
    except ValueError:
        raise ValidationError("status", "must be open, frozen or closed") from None


class LedgerServicer(Calls, ledger_pb2_grpc.LedgerServicer):
    service_name = "strongroom.v1.Ledger"

    def __init__(self, service: LedgerService, access: AccessService) -> None:
        super().__init__(access)
        self._service = service

    async def CreateAccounts(
        self, request: pb.CreateAccountsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateAccountsResponse:
        async def work(who: Principal) -> pb.CreateAccountsResponse:
            specs = [
                AccountSpec(
                    id=_id(a.id, f"accounts[{i}].id"),
                    ledger=a.ledger,
                    code=a.code,
                    flags=a.flags,
                    overdraft_limit=a.overdraft_limit,
                    metadata=_metadata_in(a.metadata_json, f"accounts[{i}].metadata_json"),
                )
                for i, a in enumerate(request.accounts)
            ]
            results = await self._service.create_accounts(who, specs)
            return pb.CreateAccountsResponse(results=_results(specs, results))

        return await self._call("CreateAccounts", context, work)

    async def GetAccount(
        self, request: pb.GetAccountRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.Account:
        async def work(who: Principal) -> pb.Account:
            return account_pb(await self._service.get_account(who, parse_id(request.id, "id")))

        return await self._call("GetAccount", context, work)

    async def ListAccounts(
        self, request: pb.ListAccountsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AccountPage:
        async def work(who: Principal) -> pb.AccountPage:
            status = _optional(request, "status")
            query = AccountFilter(
                ledger=_optional(request, "ledger"),
                code=_optional(request, "code"),
                status=_status(status) if status is not None else None,
                limit=_limit(request.limit),
                cursor=request.cursor or None,
            )
            page = await self._service.list_accounts(who, query)
            return pb.AccountPage(
                items=[account_pb(a) for a in page.items], next_cursor=page.next_cursor or ""
            )

        return await self._call("ListAccounts", context, work)

    async def SetAccountStatus(
        self, request: pb.SetAccountStatusRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.Account:
        async def work(who: Principal) -> pb.Account:
            account = await self._service.set_account_status(
                who, parse_id(request.id, "id"), _status(request.status)
            )
            return account_pb(account)

        return await self._call("SetAccountStatus", context, work)

    async def CreateTransfers(
        self, request: pb.CreateTransfersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateTransfersResponse:
        async def work(who: Principal) -> pb.CreateTransfersResponse:
            specs = [
                TransferSpec(
                    id=_id(t.id, f"transfers[{i}].id"),
                    debit_account_id=_id(t.debit_account_id, f"transfers[{i}].debit_account_id"),
                    credit_account_id=_id(t.credit_account_id, f"transfers[{i}].credit_account_id"),
                    amount=t.amount,
                    ledger=t.ledger,
                    code=t.code,
                    flags=t.flags,
                    pending_id=(
                        parse_id(t.pending_id, f"transfers[{i}].pending_id")
                        if t.pending_id
                        else None
                    ),
                    timeout=t.timeout,
                    metadata=_metadata_in(t.metadata_json, f"transfers[{i}].metadata_json"),
                )
                for i, t in enumerate(request.transfers)
            ]
            results = await self._service.create_transfers(who, specs)
            return pb.CreateTransfersResponse(results=_results(specs, results))

        return await self._call("CreateTransfers", context, work)

    async def GetTransfer(
        self, request: pb.GetTransferRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.Transfer:
        async def work(who: Principal) -> pb.Transfer:
            return transfer_pb(await self._service.get_transfer(who, parse_id(request.id, "id")))

        return await self._call("GetTransfer", context, work)

    async def GetAccountTransfers(
        self, request: pb.GetAccountTransfersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.TransferPage:
        async def work(who: Principal) -> pb.TransferPage:
            query = TransferQuery(
                parse_id(request.account_id, "account_id"),
                # Checked by TransferQuery: the proto field is a plain string.
                direction=request.direction or "both",  # type: ignore[arg-type]
                seq_min=_optional(request, "seq_min"),
                seq_max=_optional(request, "seq_max"),
                timestamp_min=_optional(request, "timestamp_min"),
                timestamp_max=_optional(request, "timestamp_max"),
                code=_optional(request, "code"),
                limit=_limit(request.limit),
                reverse=request.reverse,
                cursor=request.cursor or None,
            )
            page = await self._service.account_transfers(who, query)
            return pb.TransferPage(
                items=[transfer_pb(t) for t in page.items], next_cursor=page.next_cursor or ""
            )

        return await self._call("GetAccountTransfers", context, work)

    async def GetAccountBalances(
        self, request: pb.GetAccountBalancesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.BalancePage:
        async def work(who: Principal) -> pb.BalancePage:
            query = HistoryQuery(
                parse_id(request.account_id, "account_id"),
                seq_min=_optional(request, "seq_min"),
                seq_max=_optional(request, "seq_max"),
                timestamp_min=_optional(request, "timestamp_min"),
                timestamp_max=_optional(request, "timestamp_max"),
                limit=_limit(request.limit),
                reverse=request.reverse,
                cursor=request.cursor or None,
            )
            page = await self._service.account_balances(who, query)
            return pb.BalancePage(
                items=[balance_pb(b) for b in page.items], next_cursor=page.next_cursor or ""
            )

        return await self._call("GetAccountBalances", context, work)


async def start_grpc_server(
    service: LedgerService,
    access: AccessService,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    intents: IntentService | None = None,
    compliance: ComplianceService | None = None,
    banking: BankingServices | None = None,
    billing: BillingServices | None = None,
) -> tuple[grpc.aio.Server, int]:
    """Start serving on host:port (0: a free port); returns the server and the bound port.
    strongroom.v1.Intents is served when `intents` is given, strongroom.v1.Compliance when
    `compliance` is, strongroom.v1.Banking when `banking` is, strongroom.v1.Billing when
    `billing` is."""
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    server = grpc.aio.server(options=options)
    ledger_pb2_grpc.add_LedgerServicer_to_server(  # type: ignore[no-untyped-call]
        LedgerServicer(service, access), server
    )
    if intents is not None:
        intents_pb2_grpc.add_IntentsServicer_to_server(  # type: ignore[no-untyped-call]
            IntentsServicer(intents, access), server
        )
    if compliance is not None:
        compliance_pb2_grpc.add_ComplianceServicer_to_server(  # type: ignore[no-untyped-call]
            ComplianceServicer(compliance, access), server
        )
    if banking is not None:
        banking_pb2_grpc.add_BankingServicer_to_server(  # type: ignore[no-untyped-call]
            BankingServicer(banking, access), server
        )
    if billing is not None:
        billing_pb2_grpc.add_BillingServicer_to_server(  # type: ignore[no-untyped-call]
            BillingServicer(billing, access), server
        )
    bound_port = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    return server, bound_port
