"""Rule groups: which usage events count for a charge, and how they add up.

A rule group names a `metric`, optional `filters` on the events' properties (all must hold) and
an `aggregation`: `count` (events), `sum` and `max` (of the quantity, or of the integer property
`field`), `unique_count` (distinct values of `field`) or `latest` (the quantity, or `field`, of
the last event by time, ties broken by id). An event without an integer `field` adds nothing to
`sum`, `max` or `latest`, and one without `field` nothing to `unique_count`.

`Aggregator` takes events one at a time, so an invoice run streams usage without lists.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Protocol

import msgspec

from strongroom.errors import ValidationError
from strongroom.workflows.definitions import field_error

Scalar = str | int | bool
Aggregation = Literal["count", "sum", "max", "unique_count", "latest"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Usage(Protocol):
    """What aggregation reads of a usage event (strongroom.billing.types.UsageEvent)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def metric(self) -> str: ...

    @property
    def quantity(self) -> int: ...

    @property
    def at(self) -> int: ...

    @property
    def properties(self) -> Mapping[str, Scalar]: ...


class Op(enum.StrEnum):
    EQ = "eq"
    NEQ = "neq"
    IN = "in"
    NOT_IN = "not_in"
    EXISTS = "exists"
    GTE = "gte"
    LTE = "lte"


class Filter(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    property: Name
    op: Op
    value: Scalar | list[Scalar] | None = None

    def holds(self, properties: Mapping[str, Scalar]) -> bool:
        if self.op is Op.EXISTS:
            return self.property in properties
        if self.property not in properties:
            return self.op in (Op.NEQ, Op.NOT_IN)
        found = properties[self.property]
        if self.op is Op.EQ:
            return _same(found, self.value)
        if self.op is Op.NEQ:
            return not _same(found, self.value)
        if self.op in (Op.IN, Op.NOT_IN):
            assert isinstance(self.value, list)
            inside = any(_same(found, v) for v in self.value)
            return inside if self.op is Op.IN else not inside
        if type(found) is not int or type(self.value) is not int:
            return False
        return found >= self.value if self.op is Op.GTE else found <= self.value


def _integer(value: object) -> bool:
    return type(value) is int


def _same(a: object, b: object) -> bool:
    """Equal and of one type: `1` is not `true`, `"1"` is not `1`."""
    return type(a) is type(b) and a == b


class RuleGroup(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    metric: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    aggregation: Aggregation = "count"
    filters: tuple[Filter, ...] = ()
    field: Name | None = None

    def selects(self, event: Usage) -> bool:
        return event.metric == self.metric and all(f.holds(event.properties) for f in self.filters)


class Aggregator:
    """A rule group's value over the events added so far (0 before any counts)."""

    def __init__(self, group: RuleGroup) -> None:
        self.group = group
        self._count = 0
        self._total = 0
        self._max: int | None = None
        self._latest: tuple[int, uuid.UUID, int] | None = None
        #: (type, value): `1` and `true` are two values.
        self._seen: set[tuple[str, Scalar]] = set()

    def _measure(self, event: Usage) -> int | None:
        if self.group.field is None:
            return event.quantity
        value = event.properties.get(self.group.field)
        return value if type(value) is int else None

    def add(self, event: Usage) -> None:
        group = self.group
        if not group.selects(event):
            return
        if group.aggregation == "count":
            self._count += 1
            return
        if group.aggregation == "unique_count":
            assert group.field is not None
            if group.field in event.properties:
                value = event.properties[group.field]
                self._seen.add((type(value).__name__, value))
            return
        measured = self._measure(event)
        if measured is None:
            return
        if group.aggregation == "sum":
            self._total += measured
        elif group.aggregation == "max":
            self._max = measured if self._max is None else max(self._max, measured)
        elif self._latest is None or (event.at, event.id) > self._latest[:2]:
            self._latest = (event.at, event.id, measured)

    @property
    def value(self) -> int:
        aggregation = self.group.aggregation
        if aggregation == "count":
            return self._count
        if aggregation == "unique_count":
            return len(self._seen)
        if aggregation == "sum":
            return self._total
        if aggregation == "max":
            return self._max or 0
        return 0 if self._latest is None else self._latest[2]


def aggregate(group: RuleGroup, events: Any) -> int:
    aggregator = Aggregator(group)
    for event in events:
        aggregator.add(event)
    return aggregator.value


def rule_group_from_dict(data: Mapping[str, Any]) -> RuleGroup:
    """A rule group from its JSON form; ValidationError naming the field otherwise."""
    try:
        group = msgspec.convert(dict(data), RuleGroup, strict=True)
    except msgspec.ValidationError as error:
        raise field_error(error) from None
    if group.aggregation == "unique_count" and group.field is None:
        raise ValidationError("field", "unique_count counts the values of a property: name it")
    if group.aggregation == "count" and group.field is not None:
        raise ValidationError("field", "count counts events: it takes no field")
    for i, f in enumerate(group.filters):
        where = f"filters[{i}].value"
        if f.op is Op.EXISTS and f.value is not None:
            raise ValidationError(where, "exists takes no value")
        if f.op in (Op.IN, Op.NOT_IN) and not isinstance(f.value, list):
            raise ValidationError(where, f"{f.op.value} takes a list of values")
        if f.op in (Op.EQ, Op.NEQ) and (f.value is None or isinstance(f.value, list)):
            raise ValidationError(where, f"{f.op.value} takes one value")
        if f.op in (Op.GTE, Op.LTE) and not _integer(f.value):
            raise ValidationError(where, f"{f.op.value} takes a whole number")
    return group


def rule_group_to_dict(group: RuleGroup) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(group)
    return out
