"""`LedgerServicer` (strongroom.v1.Ledger on grpc.aio) and `start_grpc_server`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import grpc
from opentelemetry import trace as otel_trace
from opentelemetry.trace import SpanKind, StatusCode

from strongroom.api.grpc.gen import ledger_pb2 as pb
from strongroom.api.grpc.gen import ledger_pb2_grpc
from strongroom.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageError,
    StrongroomError,
    Unauthenticated,
    ValidationError,
)
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
from strongroom.tracing import (
    bound,
    get_tracer,
    parse_traceparent,
    start_request_span,
    trace_id_var,
)

R = TypeVar("R")

#: As the HTTP body limit: a full batch with modest metadata fits.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
_DEFAULT_LIMIT = 100
_PROBLEM_PREFIX = "urn:strongroom:problem:"
_SERVICE = "strongroom.v1.Ledger"
_TRACER = get_tracer(__name__)

_STATUS: list[tuple[type[StrongroomError], grpc.StatusCode]] = [
    (ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (Conflict, grpc.StatusCode.FAILED_PRECONDITION),
    (RateLimited, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (StorageError, grpc.StatusCode.UNAVAILABLE),
]
#: The codes that are the server's fault, so its span's error (the others are the caller's).
_SERVER_FAULTS = frozenset({grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE})


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


class LedgerServicer(ledger_pb2_grpc.LedgerServicer):
    def __init__(self, service: LedgerService, access: AccessService) -> None:
        self._service = service
        self._access = access

    async def _call(
        self,
        method: str,
        context: grpc.aio.ServicerContext[Any, Any],
        work: Callable[[Principal], Awaitable[R]],
    ) -> R:
        """Bind the trace id, authenticate, run `work`; errors become gRPC status codes. With a
        tracer provider installed, all of it in a server span `strongroom.v1.Ledger/<method>`."""
        headers = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        given = headers.get("x-request-id", "")
        sane = 0 < len(given) <= 128 and given.isascii() and given.isprintable()
        request_id = given if sane else None
        parent = parse_traceparent(headers)
        tracer = _TRACER.otel
        if tracer is None:
            with bound(request_id, parent=parent) as trace_id:
                return await self._answer(context, headers, trace_id, work)
        span, trace_id = start_request_span(
            tracer,
            f"{_SERVICE}/{method}",
            SpanKind.SERVER,
            request_id,
            parent,
            {"rpc.system": "grpc", "rpc.service": _SERVICE, "rpc.method": method},
        )
        # `_answer` sets the status from the gRPC code: the abort that answers a caller's error
        # is not the span's error.
        token = trace_id_var.set(trace_id)
        try:
            with otel_trace.use_span(
                span, end_on_exit=True, record_exception=False, set_status_on_exception=False
            ):
                return await self._answer(context, headers, trace_id, work)
        finally:
            trace_id_var.reset(token)

    async def _answer(
        self,
        context: grpc.aio.ServicerContext[Any, Any],
        headers: Mapping[str, str],
        trace_id: str,
        work: Callable[[Principal], Awaitable[R]],
    ) -> R:
        await context.send_initial_metadata((("x-request-id", trace_id),))
        span = otel_trace.get_current_span()
        try:
            authorization = headers.get("authorization", "")
            scheme, _, token = authorization.partition(" ")
            who = await self._access.authenticate(
                token.strip() if scheme.lower() == "bearer" else None
            )
            answer = await work(who)
        except StrongroomError as error:
            code = next(
                (c for kind, c in _STATUS if isinstance(error, kind)),
                grpc.StatusCode.INTERNAL,
            )
            span.set_attribute("rpc.grpc.status_code", code.value[0])
            if code in _SERVER_FAULTS:
                span.set_status(StatusCode.ERROR, str(error))
            trailers = [("problem-type", _PROBLEM_PREFIX + error.code)]
            if isinstance(error, RateLimited):
                trailers.append(("retry-after", str(error.retry_after)))
            context.set_trailing_metadata(trailers)
            await context.abort(code, str(error))
            raise  # abort raises; this keeps type checkers sure we never fall through
        except Exception as error:
            # grpc answers UNKNOWN; the span says why.
            span.record_exception(error)
            span.set_status(StatusCode.ERROR, f"{type(error).__name__}: {error}")
            raise
        span.set_attribute("rpc.grpc.status_code", grpc.StatusCode.OK.value[0])
        return answer

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
    service: LedgerService, access: AccessService, host: str = "127.0.0.1", port: int = 0
) -> tuple[grpc.aio.Server, int]:
    """Start serving on host:port (0: a free port); returns the server and the bound port."""
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    server = grpc.aio.server(options=options)
    ledger_pb2_grpc.add_LedgerServicer_to_server(  # type: ignore[no-untyped-call]
        LedgerServicer(service, access), server
    )
    bound_port = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    return server, bound_port
