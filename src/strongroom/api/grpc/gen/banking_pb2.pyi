# mypy: ignore-errors
# Generated from proto/strongroom/v1/banking.proto; do not edit.
from strongroom.api.grpc.gen import intents_pb2 as _intents_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Submitted(_message.Message):
    __slots__ = ("intent", "created")
    INTENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    intent: _intents_pb2.Intent
    created: bool
    def __init__(self, intent: _Optional[_Union[_intents_pb2.Intent, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class PayRequest(_message.Message):
    __slots__ = ("reference", "debit_account_id", "credit_account_id", "amount", "currency", "description", "channel")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    reference: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    currency: str
    description: str
    channel: str
    def __init__(self, reference: _Optional[str] = ..., debit_account_id: _Optional[str] = ..., credit_account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., description: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class ShowPaymentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Refund(_message.Message):
    __slots__ = ("transfer_id", "amount", "timestamp")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    amount: int
    timestamp: int
    def __init__(self, transfer_id: _Optional[str] = ..., amount: _Optional[int] = ..., timestamp: _Optional[int] = ...) -> None: ...

class BankPayment(_message.Message):
    __slots__ = ("detail", "status", "fees", "taxes", "refunded", "refunds")
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    TAXES_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    detail: _intents_pb2.IntentDetail
    status: str
    fees: int
    taxes: int
    refunded: int
    refunds: _containers.RepeatedCompositeFieldContainer[Refund]
    def __init__(self, detail: _Optional[_Union[_intents_pb2.IntentDetail, _Mapping]] = ..., status: _Optional[str] = ..., fees: _Optional[int] = ..., taxes: _Optional[int] = ..., refunded: _Optional[int] = ..., refunds: _Optional[_Iterable[_Union[Refund, _Mapping]]] = ...) -> None: ...

class ListPaymentsRequest(_message.Message):
    __slots__ = ("limit", "cursor", "account", "customer", "state")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    limit: int
    cursor: str
    account: str
    customer: str
    state: str
    def __init__(self, limit: _Optional[int] = ..., cursor: _Optional[str] = ..., account: _Optional[str] = ..., customer: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class PaymentPage(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[BankPayment]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[BankPayment, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class RefundRequest(_message.Message):
    __slots__ = ("payment_id", "reference", "amount", "reason")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    reference: str
    amount: int
    reason: str
    def __init__(self, payment_id: _Optional[str] = ..., reference: _Optional[str] = ..., amount: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class Sender(_message.Message):
    __slots__ = ("name", "country", "account")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    country: str
    account: str
    def __init__(self, name: _Optional[str] = ..., country: _Optional[str] = ..., account: _Optional[str] = ...) -> None: ...

class DepositRequest(_message.Message):
    __slots__ = ("reference", "account_id", "amount", "currency", "sender", "description", "channel")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    reference: str
    account_id: str
    amount: int
    currency: str
    sender: Sender
    description: str
    channel: str
    def __init__(self, reference: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., sender: _Optional[_Union[Sender, _Mapping]] = ..., description: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class ExpectPartsRequest(_message.Message):
    __slots__ = ("reference", "account_id", "amount", "currency", "expires_in", "sender", "description")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    reference: str
    account_id: str
    amount: int
    currency: str
    expires_in: int
    sender: Sender
    description: str
    def __init__(self, reference: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., expires_in: _Optional[int] = ..., sender: _Optional[_Union[Sender, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class AddPartRequest(_message.Message):
    __slots__ = ("multipart_id", "reference", "amount")
    MULTIPART_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    multipart_id: str
    reference: str
    amount: int
    def __init__(self, multipart_id: _Optional[str] = ..., reference: _Optional[str] = ..., amount: _Optional[int] = ...) -> None: ...

class Merchant(_message.Message):
    __slots__ = ("name", "country", "category")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    name: str
    country: str
    category: str
    def __init__(self, name: _Optional[str] = ..., country: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class AuthoriseRequest(_message.Message):
    __slots__ = ("reference", "account_id", "amount", "currency", "merchant", "hold_seconds")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_FIELD_NUMBER: _ClassVar[int]
    HOLD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    reference: str
    account_id: str
    amount: int
    currency: str
    merchant: Merchant
    hold_seconds: int
    def __init__(self, reference: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., merchant: _Optional[_Union[Merchant, _Mapping]] = ..., hold_seconds: _Optional[int] = ...) -> None: ...

class CaptureRequest(_message.Message):
    __slots__ = ("authorisation_id", "reference", "amount")
    AUTHORISATION_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    authorisation_id: str
    reference: str
    amount: int
    def __init__(self, authorisation_id: _Optional[str] = ..., reference: _Optional[str] = ..., amount: _Optional[int] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("authorisation_id", "reference")
    AUTHORISATION_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    authorisation_id: str
    reference: str
    def __init__(self, authorisation_id: _Optional[str] = ..., reference: _Optional[str] = ...) -> None: ...
