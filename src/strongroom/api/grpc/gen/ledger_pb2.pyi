# mypy: ignore-errors
# Generated from proto/strongroom/v1/ledger.proto; do not edit.
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NewAccount(_message.Message):
    __slots__ = ("id", "ledger", "code", "flags", "overdraft_limit", "metadata_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    OVERDRAFT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger: str
    code: int
    flags: int
    overdraft_limit: int
    metadata_json: str
    def __init__(self, id: _Optional[str] = ..., ledger: _Optional[str] = ..., code: _Optional[int] = ..., flags: _Optional[int] = ..., overdraft_limit: _Optional[int] = ..., metadata_json: _Optional[str] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("id", "tenant", "ledger", "code", "flags", "overdraft_limit", "status", "metadata_json", "debits_pending", "debits_posted", "credits_pending", "credits_posted", "timestamp")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    OVERDRAFT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    DEBITS_PENDING_FIELD_NUMBER: _ClassVar[int]
    DEBITS_POSTED_FIELD_NUMBER: _ClassVar[int]
    CREDITS_PENDING_FIELD_NUMBER: _ClassVar[int]
    CREDITS_POSTED_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    ledger: str
    code: int
    flags: int
    overdraft_limit: int
    status: str
    metadata_json: str
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    timestamp: int
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., ledger: _Optional[str] = ..., code: _Optional[int] = ..., flags: _Optional[int] = ..., overdraft_limit: _Optional[int] = ..., status: _Optional[str] = ..., metadata_json: _Optional[str] = ..., debits_pending: _Optional[int] = ..., debits_posted: _Optional[int] = ..., credits_pending: _Optional[int] = ..., credits_posted: _Optional[int] = ..., timestamp: _Optional[int] = ...) -> None: ...

class CreateAccountsRequest(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[NewAccount]
    def __init__(self, accounts: _Optional[_Iterable[_Union[NewAccount, _Mapping]]] = ...) -> None: ...

class CreateResult(_message.Message):
    __slots__ = ("index", "id", "result")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    index: int
    id: str
    result: str
    def __init__(self, index: _Optional[int] = ..., id: _Optional[str] = ..., result: _Optional[str] = ...) -> None: ...

class CreateAccountsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CreateResult]
    def __init__(self, results: _Optional[_Iterable[_Union[CreateResult, _Mapping]]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ("limit", "cursor", "ledger", "code", "status")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    limit: int
    cursor: str
    ledger: str
    code: int
    status: str
    def __init__(self, limit: _Optional[int] = ..., cursor: _Optional[str] = ..., ledger: _Optional[str] = ..., code: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class AccountPage(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Account]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class SetAccountStatusRequest(_message.Message):
    __slots__ = ("id", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class NewTransfer(_message.Message):
    __slots__ = ("id", "debit_account_id", "credit_account_id", "amount", "ledger", "code", "flags", "pending_id", "timeout", "metadata_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    PENDING_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    ledger: str
    code: int
    flags: int
    pending_id: str
    timeout: int
    metadata_json: str
    def __init__(self, id: _Optional[str] = ..., debit_account_id: _Optional[str] = ..., credit_account_id: _Optional[str] = ..., amount: _Optional[int] = ..., ledger: _Optional[str] = ..., code: _Optional[int] = ..., flags: _Optional[int] = ..., pending_id: _Optional[str] = ..., timeout: _Optional[int] = ..., metadata_json: _Optional[str] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("id", "tenant", "debit_account_id", "credit_account_id", "amount", "ledger", "code", "flags", "pending_id", "timeout", "metadata_json", "timestamp", "seq")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    PENDING_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    ledger: str
    code: int
    flags: int
    pending_id: str
    timeout: int
    metadata_json: str
    timestamp: int
    seq: int
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., debit_account_id: _Optional[str] = ..., credit_account_id: _Optional[str] = ..., amount: _Optional[int] = ..., ledger: _Optional[str] = ..., code: _Optional[int] = ..., flags: _Optional[int] = ..., pending_id: _Optional[str] = ..., timeout: _Optional[int] = ..., metadata_json: _Optional[str] = ..., timestamp: _Optional[int] = ..., seq: _Optional[int] = ...) -> None: ...

class CreateTransfersRequest(_message.Message):
    __slots__ = ("transfers",)
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[NewTransfer]
    def __init__(self, transfers: _Optional[_Iterable[_Union[NewTransfer, _Mapping]]] = ...) -> None: ...

class CreateTransfersResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CreateResult]
    def __init__(self, results: _Optional[_Iterable[_Union[CreateResult, _Mapping]]] = ...) -> None: ...

class GetTransferRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetAccountTransfersRequest(_message.Message):
    __slots__ = ("account_id", "direction", "seq_min", "seq_max", "timestamp_min", "timestamp_max", "code", "limit", "reverse", "cursor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    SEQ_MIN_FIELD_NUMBER: _ClassVar[int]
    SEQ_MAX_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MIN_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MAX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REVERSE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    direction: str
    seq_min: int
    seq_max: int
    timestamp_min: int
    timestamp_max: int
    code: int
    limit: int
    reverse: bool
    cursor: str
    def __init__(self, account_id: _Optional[str] = ..., direction: _Optional[str] = ..., seq_min: _Optional[int] = ..., seq_max: _Optional[int] = ..., timestamp_min: _Optional[int] = ..., timestamp_max: _Optional[int] = ..., code: _Optional[int] = ..., limit: _Optional[int] = ..., reverse: _Optional[bool] = ..., cursor: _Optional[str] = ...) -> None: ...

class TransferPage(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Transfer]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Transfer, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class GetAccountBalancesRequest(_message.Message):
    __slots__ = ("account_id", "seq_min", "seq_max", "timestamp_min", "timestamp_max", "limit", "reverse", "cursor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_MIN_FIELD_NUMBER: _ClassVar[int]
    SEQ_MAX_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MIN_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MAX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REVERSE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    seq_min: int
    seq_max: int
    timestamp_min: int
    timestamp_max: int
    limit: int
    reverse: bool
    cursor: str
    def __init__(self, account_id: _Optional[str] = ..., seq_min: _Optional[int] = ..., seq_max: _Optional[int] = ..., timestamp_min: _Optional[int] = ..., timestamp_max: _Optional[int] = ..., limit: _Optional[int] = ..., reverse: _Optional[bool] = ..., cursor: _Optional[str] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("account_id", "seq", "timestamp", "debits_pending", "debits_posted", "credits_pending", "credits_posted")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DEBITS_PENDING_FIELD_NUMBER: _ClassVar[int]
    DEBITS_POSTED_FIELD_NUMBER: _ClassVar[int]
    CREDITS_PENDING_FIELD_NUMBER: _ClassVar[int]
    CREDITS_POSTED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    seq: int
    timestamp: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    def __init__(self, account_id: _Optional[str] = ..., seq: _Optional[int] = ..., timestamp: _Optional[int] = ..., debits_pending: _Optional[int] = ..., debits_posted: _Optional[int] = ..., credits_pending: _Optional[int] = ..., credits_posted: _Optional[int] = ...) -> None: ...

class BalancePage(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Balance]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Balance, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...
