# mypy: ignore-errors
# Generated from proto/strongroom/v1/billing.proto; do not edit.
from strongroom.api.grpc.gen import banking_pb2 as _banking_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PropertyValue(_message.Message):
    __slots__ = ("text", "number", "flag")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    text: str
    number: int
    flag: bool
    def __init__(self, text: _Optional[str] = ..., number: _Optional[int] = ..., flag: _Optional[bool] = ...) -> None: ...

class UsageEvent(_message.Message):
    __slots__ = ("id", "subject", "metric", "quantity", "at", "properties")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PropertyValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PropertyValue, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    id: str
    subject: str
    metric: str
    quantity: int
    at: int
    properties: _containers.MessageMap[str, PropertyValue]
    def __init__(self, id: _Optional[str] = ..., subject: _Optional[str] = ..., metric: _Optional[str] = ..., quantity: _Optional[int] = ..., at: _Optional[int] = ..., properties: _Optional[_Mapping[str, PropertyValue]] = ...) -> None: ...

class IngestUsageRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[UsageEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[UsageEvent, _Mapping]]] = ...) -> None: ...

class IngestUsageReply(_message.Message):
    __slots__ = ("received", "stored", "duplicates")
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    STORED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    received: int
    stored: int
    duplicates: int
    def __init__(self, received: _Optional[int] = ..., stored: _Optional[int] = ..., duplicates: _Optional[int] = ...) -> None: ...

class PutDefinitionRequest(_message.Message):
    __slots__ = ("kind", "id", "body_json")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    BODY_JSON_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    body_json: str
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., body_json: _Optional[str] = ...) -> None: ...

class Definition(_message.Message):
    __slots__ = ("kind", "id", "version", "body_json", "digest", "created_at", "archived")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BODY_JSON_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    version: int
    body_json: str
    digest: str
    created_at: int
    archived: bool
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., version: _Optional[int] = ..., body_json: _Optional[str] = ..., digest: _Optional[str] = ..., created_at: _Optional[int] = ..., archived: _Optional[bool] = ...) -> None: ...

class DefinitionReply(_message.Message):
    __slots__ = ("definition", "created")
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    definition: Definition
    created: bool
    def __init__(self, definition: _Optional[_Union[Definition, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class DefinitionRequest(_message.Message):
    __slots__ = ("kind", "id", "version")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    version: int
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ListDefinitionsRequest(_message.Message):
    __slots__ = ("kind",)
    KIND_FIELD_NUMBER: _ClassVar[int]
    kind: str
    def __init__(self, kind: _Optional[str] = ...) -> None: ...

class DefinitionList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Definition]
    def __init__(self, items: _Optional[_Iterable[_Union[Definition, _Mapping]]] = ...) -> None: ...

class RunCycleRequest(_message.Message):
    __slots__ = ("date",)
    DATE_FIELD_NUMBER: _ClassVar[int]
    date: str
    def __init__(self, date: _Optional[str] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("subject", "status", "limit", "cursor")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    subject: str
    status: str
    limit: int
    cursor: str
    def __init__(self, subject: _Optional[str] = ..., status: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("id", "subject", "period_start", "period_end", "currency", "status", "total", "body_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BODY_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    subject: str
    period_start: str
    period_end: str
    currency: str
    status: str
    total: int
    body_json: str
    def __init__(self, id: _Optional[str] = ..., subject: _Optional[str] = ..., period_start: _Optional[str] = ..., period_end: _Optional[str] = ..., currency: _Optional[str] = ..., status: _Optional[str] = ..., total: _Optional[int] = ..., body_json: _Optional[str] = ...) -> None: ...

class InvoiceList(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Invoice]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class InvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RenderInvoiceRequest(_message.Message):
    __slots__ = ("id", "format")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    id: str
    format: str
    def __init__(self, id: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class InvoiceDocument(_message.Message):
    __slots__ = ("media_type", "document")
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    media_type: str
    document: bytes
    def __init__(self, media_type: _Optional[str] = ..., document: _Optional[bytes] = ...) -> None: ...

class CreditInvoiceRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CreditNote(_message.Message):
    __slots__ = ("id", "invoice_id", "amount", "reason", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    invoice_id: str
    amount: int
    reason: str
    created_at: int
    def __init__(self, id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount: _Optional[int] = ..., reason: _Optional[str] = ..., created_at: _Optional[int] = ...) -> None: ...

class SubjectRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    def __init__(self, subject: _Optional[str] = ...) -> None: ...

class Preview(_message.Message):
    __slots__ = ("subject", "period_start", "period_end", "body_json")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    BODY_JSON_FIELD_NUMBER: _ClassVar[int]
    subject: str
    period_start: str
    period_end: str
    body_json: str
    def __init__(self, subject: _Optional[str] = ..., period_start: _Optional[str] = ..., period_end: _Optional[str] = ..., body_json: _Optional[str] = ...) -> None: ...

class PrepaidCredit(_message.Message):
    __slots__ = ("subject", "currency", "credit_account", "credit")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    currency: str
    credit_account: str
    credit: int
    def __init__(self, subject: _Optional[str] = ..., currency: _Optional[str] = ..., credit_account: _Optional[str] = ..., credit: _Optional[int] = ...) -> None: ...
