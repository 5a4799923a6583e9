# mypy: ignore-errors
# Generated from proto/strongroom/v1/banking.proto; do not edit.
from strongroom.api.grpc.gen import intents_pb2 as _intents_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Person(_message.Message):
    __slots__ = ("full_name", "date_of_birth", "nationality", "national_id", "document_number", "document_expiry", "email", "phone", "address")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    date_of_birth: str
    nationality: str
    national_id: str
    document_number: str
    document_expiry: str
    email: str
    phone: str
    address: str
    def __init__(self, full_name: _Optional[str] = ..., date_of_birth: _Optional[str] = ..., nationality: _Optional[str] = ..., national_id: _Optional[str] = ..., document_number: _Optional[str] = ..., document_expiry: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("id", "reference", "kyc_status", "risk_rating", "created_at", "verified_at", "kyc_expires_at", "kyc_findings_json", "erased", "person")
    ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    KYC_STATUS_FIELD_NUMBER: _ClassVar[int]
    RISK_RATING_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_AT_FIELD_NUMBER: _ClassVar[int]
    KYC_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    KYC_FINDINGS_JSON_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reference: str
    kyc_status: str
    risk_rating: str
    created_at: int
    verified_at: int
    kyc_expires_at: int
    kyc_findings_json: str
    erased: bool
    person: Person
    def __init__(self, id: _Optional[str] = ..., reference: _Optional[str] = ..., kyc_status: _Optional[str] = ..., risk_rating: _Optional[str] = ..., created_at: _Optional[int] = ..., verified_at: _Optional[int] = ..., kyc_expires_at: _Optional[int] = ..., kyc_findings_json: _Optional[str] = ..., erased: _Optional[bool] = ..., person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class OnboardRequest(_message.Message):
    __slots__ = ("reference", "person", "national_id_kind")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_KIND_FIELD_NUMBER: _ClassVar[int]
    reference: str
    person: Person
    national_id_kind: str
    def __init__(self, reference: _Optional[str] = ..., person: _Optional[_Union[Person, _Mapping]] = ..., national_id_kind: _Optional[str] = ...) -> None: ...

class ShowCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class FindCustomersRequest(_message.Message):
    __slots__ = ("email", "phone", "national_id", "limit", "cursor")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    email: str
    phone: str
    national_id: str
    limit: int
    cursor: str
    def __init__(self, email: _Optional[str] = ..., phone: _Optional[str] = ..., national_id: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class CustomerPage(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Customer]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class SetRiskRequest(_message.Message):
    __slots__ = ("id", "risk_rating", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    RISK_RATING_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    risk_rating: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., risk_rating: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class EraseRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class OpenAccountRequest(_message.Message):
    __slots__ = ("customer_id", "reference", "currency", "product")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    reference: str
    currency: str
    product: str
    def __init__(self, customer_id: _Optional[str] = ..., reference: _Optional[str] = ..., currency: _Optional[str] = ..., product: _Optional[str] = ...) -> None: ...

class Opening(_message.Message):
    __slots__ = ("account_id", "intent", "created")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    intent: _intents_pb2.Intent
    created: bool
    def __init__(self, account_id: _Optional[str] = ..., intent: _Optional[_Union[_intents_pb2.Intent, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ShowAccountRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class BankAccount(_message.Message):
    __slots__ = ("id", "customer_id", "currency", "product", "product_version", "status", "opened_at", "closed_at", "balance", "debits_pending", "credits_pending", "overdraft_limit")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    DEBITS_PENDING_FIELD_NUMBER: _ClassVar[int]
    CREDITS_PENDING_FIELD_NUMBER: _ClassVar[int]
    OVERDRAFT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    currency: str
    product: str
    product_version: int
    status: str
    opened_at: int
    closed_at: int
    balance: int
    debits_pending: int
    credits_pending: int
    overdraft_limit: int
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., product: _Optional[str] = ..., product_version: _Optional[int] = ..., status: _Optional[str] = ..., opened_at: _Optional[int] = ..., closed_at: _Optional[int] = ..., balance: _Optional[int] = ..., debits_pending: _Optional[int] = ..., credits_pending: _Optional[int] = ..., overdraft_limit: _Optional[int] = ...) -> None: ...

class BankAccountList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[BankAccount]
    def __init__(self, items: _Optional[_Iterable[_Union[BankAccount, _Mapping]]] = ...) -> None: ...

class BankAccountStatusRequest(_message.Message):
    __slots__ = ("id", "status", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CloseAccountRequest(_message.Message):
    __slots__ = ("id", "reference")
    ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    reference: str
    def __init__(self, id: _Optional[str] = ..., reference: _Optional[str] = ...) -> None: ...

class CreatePotRequest(_message.Message):
    __slots__ = ("account_id", "reference", "name", "goal", "round_up")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    ROUND_UP_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    reference: str
    name: str
    goal: int
    round_up: bool
    def __init__(self, account_id: _Optional[str] = ..., reference: _Optional[str] = ..., name: _Optional[str] = ..., goal: _Optional[int] = ..., round_up: _Optional[bool] = ...) -> None: ...

class Pot(_message.Message):
    __slots__ = ("id", "account_id", "currency", "name", "goal", "round_up", "balance", "sweep")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    ROUND_UP_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    currency: str
    name: str
    goal: int
    round_up: bool
    balance: int
    sweep: PotSweep
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., currency: _Optional[str] = ..., name: _Optional[str] = ..., goal: _Optional[int] = ..., round_up: _Optional[bool] = ..., balance: _Optional[int] = ..., sweep: _Optional[_Union[PotSweep, _Mapping]] = ...) -> None: ...

class PotSweep(_message.Message):
    __slots__ = ("spec", "amount", "next_at")
    SPEC_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_AT_FIELD_NUMBER: _ClassVar[int]
    spec: str
    amount: int
    next_at: int
    def __init__(self, spec: _Optional[str] = ..., amount: _Optional[int] = ..., next_at: _Optional[int] = ...) -> None: ...

class PotList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Pot]
    def __init__(self, items: _Optional[_Iterable[_Union[Pot, _Mapping]]] = ...) -> None: ...

class MovePotRequest(_message.Message):
    __slots__ = ("pot_id", "reference", "amount", "direction")
    POT_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    pot_id: str
    reference: str
    amount: int
    direction: str
    def __init__(self, pot_id: _Optional[str] = ..., reference: _Optional[str] = ..., amount: _Optional[int] = ..., direction: _Optional[str] = ...) -> None: ...

class Submitted(_message.Message):
    __slots__ = ("intent", "created")
    INTENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    intent: _intents_pb2.Intent
    created: bool
    def __init__(self, intent: _Optional[_Union[_intents_pb2.Intent, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class PayRequest(_message.Message):
    __slots__ = ("reference", "debit_account_id", "credit_account_id", "amount", "currency", "description", "channel", "beneficiary_id")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    BENEFICIARY_ID_FIELD_NUMBER: _ClassVar[int]
    reference: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    currency: str
    description: str
    channel: str
    beneficiary_id: str
    def __init__(self, reference: _Optional[str] = ..., debit_account_id: _Optional[str] = ..., credit_account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., description: _Optional[str] = ..., channel: _Optional[str] = ..., beneficiary_id: _Optional[str] = ...) -> None: ...

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

class SweepPotRequest(_message.Message):
    __slots__ = ("pot_id", "amount", "spec")
    POT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    pot_id: str
    amount: int
    spec: str
    def __init__(self, pot_id: _Optional[str] = ..., amount: _Optional[int] = ..., spec: _Optional[str] = ...) -> None: ...

class RepinAccountRequest(_message.Message):
    __slots__ = ("id", "version", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    reason: str
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class StatementRequest(_message.Message):
    __slots__ = ("account_id", "start", "end", "format")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    start: str
    end: str
    format: str
    def __init__(self, account_id: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class Movement(_message.Message):
    __slots__ = ("transfer_id", "seq", "timestamp", "counterparty", "amount", "description", "balance")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    seq: int
    timestamp: int
    counterparty: str
    amount: int
    description: str
    balance: int
    def __init__(self, transfer_id: _Optional[str] = ..., seq: _Optional[int] = ..., timestamp: _Optional[int] = ..., counterparty: _Optional[str] = ..., amount: _Optional[int] = ..., description: _Optional[str] = ..., balance: _Optional[int] = ...) -> None: ...

class StatementHold(_message.Message):
    __slots__ = ("transfer_id", "timestamp", "amount", "description")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    timestamp: int
    amount: int
    description: str
    def __init__(self, transfer_id: _Optional[str] = ..., timestamp: _Optional[int] = ..., amount: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("account_id", "currency", "start", "end", "opening", "closing", "movements", "holds", "generated_at", "format", "document")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    OPENING_FIELD_NUMBER: _ClassVar[int]
    CLOSING_FIELD_NUMBER: _ClassVar[int]
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    currency: str
    start: str
    end: str
    opening: int
    closing: int
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    holds: _containers.RepeatedCompositeFieldContainer[StatementHold]
    generated_at: int
    format: str
    document: bytes
    def __init__(self, account_id: _Optional[str] = ..., currency: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., opening: _Optional[int] = ..., closing: _Optional[int] = ..., movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ..., holds: _Optional[_Iterable[_Union[StatementHold, _Mapping]]] = ..., generated_at: _Optional[int] = ..., format: _Optional[str] = ..., document: _Optional[bytes] = ...) -> None: ...

class AddBeneficiaryRequest(_message.Message):
    __slots__ = ("customer_id", "reference", "name", "currency", "iban", "bic", "country", "bank_code", "account_number")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    IBAN_FIELD_NUMBER: _ClassVar[int]
    BIC_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    reference: str
    name: str
    currency: str
    iban: str
    bic: str
    country: str
    bank_code: str
    account_number: str
    def __init__(self, customer_id: _Optional[str] = ..., reference: _Optional[str] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., iban: _Optional[str] = ..., bic: _Optional[str] = ..., country: _Optional[str] = ..., bank_code: _Optional[str] = ..., account_number: _Optional[str] = ...) -> None: ...

class ShowBeneficiaryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Beneficiary(_message.Message):
    __slots__ = ("id", "customer_id", "name", "account", "bic", "country", "currency", "created_at", "cooling_off_until", "removed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BIC_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    COOLING_OFF_UNTIL_FIELD_NUMBER: _ClassVar[int]
    REMOVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    name: str
    account: str
    bic: str
    country: str
    currency: str
    created_at: int
    cooling_off_until: int
    removed_at: int
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., name: _Optional[str] = ..., account: _Optional[str] = ..., bic: _Optional[str] = ..., country: _Optional[str] = ..., currency: _Optional[str] = ..., created_at: _Optional[int] = ..., cooling_off_until: _Optional[int] = ..., removed_at: _Optional[int] = ...) -> None: ...

class BeneficiaryList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Beneficiary]
    def __init__(self, items: _Optional[_Iterable[_Union[Beneficiary, _Mapping]]] = ...) -> None: ...

class SetFxRateRequest(_message.Message):
    __slots__ = ("base", "quote", "rate", "source")
    BASE_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    base: str
    quote: str
    rate: str
    source: str
    def __init__(self, base: _Optional[str] = ..., quote: _Optional[str] = ..., rate: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class FxRate(_message.Message):
    __slots__ = ("base", "quote", "rate", "as_of", "source")
    BASE_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    base: str
    quote: str
    rate: str
    as_of: int
    source: str
    def __init__(self, base: _Optional[str] = ..., quote: _Optional[str] = ..., rate: _Optional[str] = ..., as_of: _Optional[int] = ..., source: _Optional[str] = ...) -> None: ...

class ListFxRatesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FxRateList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[FxRate]
    def __init__(self, items: _Optional[_Iterable[_Union[FxRate, _Mapping]]] = ...) -> None: ...

class QuoteFxRequest(_message.Message):
    __slots__ = ("sell_currency", "buy_currency", "sell_amount")
    SELL_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUY_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SELL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    sell_currency: str
    buy_currency: str
    sell_amount: int
    def __init__(self, sell_currency: _Optional[str] = ..., buy_currency: _Optional[str] = ..., sell_amount: _Optional[int] = ...) -> None: ...

class FxQuote(_message.Message):
    __slots__ = ("id", "sell_currency", "buy_currency", "sell_amount", "buy_amount", "rate", "spread_bps", "created_at", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    SELL_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUY_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SELL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BUY_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    SPREAD_BPS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    sell_currency: str
    buy_currency: str
    sell_amount: int
    buy_amount: int
    rate: str
    spread_bps: int
    created_at: int
    expires_at: int
    def __init__(self, id: _Optional[str] = ..., sell_currency: _Optional[str] = ..., buy_currency: _Optional[str] = ..., sell_amount: _Optional[int] = ..., buy_amount: _Optional[int] = ..., rate: _Optional[str] = ..., spread_bps: _Optional[int] = ..., created_at: _Optional[int] = ..., expires_at: _Optional[int] = ...) -> None: ...

class ConvertFxRequest(_message.Message):
    __slots__ = ("quote_id", "debit_account_id", "credit_account_id")
    QUOTE_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    quote_id: str
    debit_account_id: str
    credit_account_id: str
    def __init__(self, quote_id: _Optional[str] = ..., debit_account_id: _Optional[str] = ..., credit_account_id: _Optional[str] = ...) -> None: ...

class EndOfDayRequest(_message.Message):
    __slots__ = ("currency", "date")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    currency: str
    date: str
    def __init__(self, currency: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...
