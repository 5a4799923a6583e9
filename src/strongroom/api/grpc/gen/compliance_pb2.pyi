# mypy: ignore-errors
# Generated from proto/strongroom/v1/compliance.proto; do not edit.
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleSet(_message.Message):
    __slots__ = ("version", "status", "digest", "published_at", "published_by", "source")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    version: int
    status: str
    digest: str
    published_at: int
    published_by: str
    source: str
    def __init__(self, version: _Optional[int] = ..., status: _Optional[str] = ..., digest: _Optional[str] = ..., published_at: _Optional[int] = ..., published_by: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class PublishRuleSetRequest(_message.Message):
    __slots__ = ("source", "status")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    source: str
    status: str
    def __init__(self, source: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ListRuleSetsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RuleSetList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[RuleSet]
    def __init__(self, items: _Optional[_Iterable[_Union[RuleSet, _Mapping]]] = ...) -> None: ...

class ShowRuleSetRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class SetRuleSetStatusRequest(_message.Message):
    __slots__ = ("version", "status")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    version: int
    status: str
    def __init__(self, version: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class DiffRuleSetsRequest(_message.Message):
    __slots__ = ("old", "new")
    OLD_FIELD_NUMBER: _ClassVar[int]
    NEW_FIELD_NUMBER: _ClassVar[int]
    old: int
    new: int
    def __init__(self, old: _Optional[int] = ..., new: _Optional[int] = ...) -> None: ...

class RuleSetDiff(_message.Message):
    __slots__ = ("old", "new", "text", "added", "removed", "changed", "sections")
    OLD_FIELD_NUMBER: _ClassVar[int]
    NEW_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    old: int
    new: int
    text: str
    added: _containers.RepeatedScalarFieldContainer[str]
    removed: _containers.RepeatedScalarFieldContainer[str]
    changed: _containers.RepeatedScalarFieldContainer[str]
    sections: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, old: _Optional[int] = ..., new: _Optional[int] = ..., text: _Optional[str] = ..., added: _Optional[_Iterable[str]] = ..., removed: _Optional[_Iterable[str]] = ..., changed: _Optional[_Iterable[str]] = ..., sections: _Optional[_Iterable[str]] = ...) -> None: ...

class BacktestRequest(_message.Message):
    __slots__ = ("version", "since", "until", "against")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    AGAINST_FIELD_NUMBER: _ClassVar[int]
    version: int
    since: int
    until: int
    against: int
    def __init__(self, version: _Optional[int] = ..., since: _Optional[int] = ..., until: _Optional[int] = ..., against: _Optional[int] = ...) -> None: ...

class BacktestChange(_message.Message):
    __slots__ = ("subject", "baseline", "candidate", "rules")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    subject: str
    baseline: str
    candidate: str
    rules: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject: _Optional[str] = ..., baseline: _Optional[str] = ..., candidate: _Optional[str] = ..., rules: _Optional[_Iterable[str]] = ...) -> None: ...

class BacktestReport(_message.Message):
    __slots__ = ("candidate_version", "baseline_version", "since", "until", "payments", "candidate", "baseline", "recorded", "fired", "changed", "changes")
    class CandidateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class BaselineEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class RecordedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class FiredEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CANDIDATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    BASELINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    FIRED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    candidate_version: int
    baseline_version: int
    since: int
    until: int
    payments: int
    candidate: _containers.ScalarMap[str, int]
    baseline: _containers.ScalarMap[str, int]
    recorded: _containers.ScalarMap[str, int]
    fired: _containers.ScalarMap[str, int]
    changed: int
    changes: _containers.RepeatedCompositeFieldContainer[BacktestChange]
    def __init__(self, candidate_version: _Optional[int] = ..., baseline_version: _Optional[int] = ..., since: _Optional[int] = ..., until: _Optional[int] = ..., payments: _Optional[int] = ..., candidate: _Optional[_Mapping[str, int]] = ..., baseline: _Optional[_Mapping[str, int]] = ..., recorded: _Optional[_Mapping[str, int]] = ..., fired: _Optional[_Mapping[str, int]] = ..., changed: _Optional[int] = ..., changes: _Optional[_Iterable[_Union[BacktestChange, _Mapping]]] = ...) -> None: ...

class Counterparty(_message.Message):
    __slots__ = ("name", "country", "account", "birth_date")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    country: str
    account: str
    birth_date: str
    def __init__(self, name: _Optional[str] = ..., country: _Optional[str] = ..., account: _Optional[str] = ..., birth_date: _Optional[str] = ...) -> None: ...

class PaymentCustomer(_message.Message):
    __slots__ = ("id", "risk_rating", "kyc_status", "since")
    ID_FIELD_NUMBER: _ClassVar[int]
    RISK_RATING_FIELD_NUMBER: _ClassVar[int]
    KYC_STATUS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    risk_rating: str
    kyc_status: str
    since: str
    def __init__(self, id: _Optional[str] = ..., risk_rating: _Optional[str] = ..., kyc_status: _Optional[str] = ..., since: _Optional[str] = ...) -> None: ...

class PaymentAccount(_message.Message):
    __slots__ = ("id", "product", "opened")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    id: str
    product: str
    opened: str
    def __init__(self, id: _Optional[str] = ..., product: _Optional[str] = ..., opened: _Optional[str] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("subject", "amount", "currency", "direction", "channel", "counterparty", "beneficiary", "customer", "account", "at")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_FIELD_NUMBER: _ClassVar[int]
    BENEFICIARY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    amount: int
    currency: str
    direction: str
    channel: str
    counterparty: Counterparty
    beneficiary: str
    customer: PaymentCustomer
    account: PaymentAccount
    at: int
    def __init__(self, subject: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., direction: _Optional[str] = ..., channel: _Optional[str] = ..., counterparty: _Optional[_Union[Counterparty, _Mapping]] = ..., beneficiary: _Optional[str] = ..., customer: _Optional[_Union[PaymentCustomer, _Mapping]] = ..., account: _Optional[_Union[PaymentAccount, _Mapping]] = ..., at: _Optional[int] = ...) -> None: ...

class FiredRule(_message.Message):
    __slots__ = ("rule_id", "message", "action", "score")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    message: str
    action: str
    score: int
    def __init__(self, rule_id: _Optional[str] = ..., message: _Optional[str] = ..., action: _Optional[str] = ..., score: _Optional[int] = ...) -> None: ...

class ScreeningHit(_message.Message):
    __slots__ = ("list_name", "entry_id", "matched_name", "score", "reasons")
    LIST_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MATCHED_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    list_name: str
    entry_id: str
    matched_name: str
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, list_name: _Optional[str] = ..., entry_id: _Optional[str] = ..., matched_name: _Optional[str] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("id", "subject", "mode", "outcome", "score", "rule_set_version", "fired", "hits", "failure", "decided_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    FIRED_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    subject: str
    mode: str
    outcome: str
    score: int
    rule_set_version: int
    fired: _containers.RepeatedCompositeFieldContainer[FiredRule]
    hits: _containers.RepeatedCompositeFieldContainer[ScreeningHit]
    failure: str
    decided_at: int
    def __init__(self, id: _Optional[str] = ..., subject: _Optional[str] = ..., mode: _Optional[str] = ..., outcome: _Optional[str] = ..., score: _Optional[int] = ..., rule_set_version: _Optional[int] = ..., fired: _Optional[_Iterable[_Union[FiredRule, _Mapping]]] = ..., hits: _Optional[_Iterable[_Union[ScreeningHit, _Mapping]]] = ..., failure: _Optional[str] = ..., decided_at: _Optional[int] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("subject", "outcome", "cursor", "limit")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    outcome: str
    cursor: str
    limit: int
    def __init__(self, subject: _Optional[str] = ..., outcome: _Optional[str] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class DecisionPage(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Decision]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...
