"""Rule groups against a brute-force model under hypothesis: every aggregation over random events
and filters; streaming equals aggregating a list; `latest` breaks ties by id; each bad field of
the JSON form is named."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.billing.aggregation import (
    Aggregator,
    Filter,
    Op,
    RuleGroup,
    aggregate,
    rule_group_from_dict,
    rule_group_to_dict,
)
from strongroom.billing.types import UsageEvent
from strongroom.errors import ValidationError

scalars = st.one_of(st.sampled_from(["SGD", "USD", "card"]), st.integers(-3, 3), st.booleans())
events = st.builds(
    UsageEvent,
    id=st.uuids(),
    subject=st.just("c"),
    metric=st.sampled_from(["calls", "payments"]),
    quantity=st.integers(0, 1000),
    at=st.integers(0, 20),
    properties=st.dictionaries(st.sampled_from(["currency", "size", "kind"]), scalars, max_size=3),
)
filters = st.builds(
    Filter,
    property=st.sampled_from(["currency", "size", "kind"]),
    op=st.sampled_from(list(Op)),
    value=st.none(),
).flatmap(
    lambda f: st.builds(
        Filter,
        property=st.just(f.property),
        op=st.just(f.op),
        value=(
            st.none()
            if f.op is Op.EXISTS
            else st.lists(scalars, max_size=3)
            if f.op in (Op.IN, Op.NOT_IN)
            else st.integers(-3, 3)
            if f.op in (Op.GTE, Op.LTE)
            else scalars
        ),
    )
)


def same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def holds(f: Filter, properties: dict[str, Any]) -> bool:
    present = f.property in properties
    value = properties.get(f.property)
    if f.op is Op.EXISTS:
        return present
    if f.op is Op.EQ:
        return present and same(value, f.value)
    if f.op is Op.NEQ:
        return not (present and same(value, f.value))
    if f.op is Op.IN:
        assert isinstance(f.value, list)
        return present and any(same(value, v) for v in f.value)
    if f.op is Op.NOT_IN:
        assert isinstance(f.value, list)
        return not (present and any(same(value, v) for v in f.value))
    if not present or type(value) is not int:
        return False
    assert isinstance(f.value, int)
    return value >= f.value if f.op is Op.GTE else value <= f.value


def model(group: RuleGroup, batch: list[UsageEvent]) -> int:
    chosen = [
        e
        for e in batch
        if e.metric == group.metric and all(holds(f, dict(e.properties)) for f in group.filters)
    ]

    def measure(e: UsageEvent) -> int | None:
        if group.field is None:
            return e.quantity
        v = e.properties.get(group.field)
        return v if type(v) is int else None

    if group.aggregation == "count":
        return len(chosen)
    if group.aggregation == "unique_count":
        assert group.field is not None
        values = [e.properties[group.field] for e in chosen if group.field in e.properties]
        return len({(type(v), v) for v in values})
    measured = [(e.at, e.id, m) for e in chosen if (m := measure(e)) is not None]
    if not measured:
        return 0
    if group.aggregation == "sum":
        return sum(m for _, _, m in measured)
    if group.aggregation == "max":
        return max(m for _, _, m in measured)
    return max(measured)[2]


@given(
    batch=st.lists(events, max_size=30),
    metric=st.sampled_from(["calls", "payments"]),
    aggregation=st.sampled_from(["count", "sum", "max", "unique_count", "latest"]),
    field=st.sampled_from([None, "size", "currency"]),
    chosen=st.lists(filters, max_size=3),
)
def test_every_aggregation_equals_the_brute_force_model(
    batch: list[UsageEvent],
    metric: str,
    aggregation: Any,
    field: str | None,
    chosen: list[Filter],
) -> None:
    if aggregation == "count":
        field = None
    if aggregation == "unique_count" and field is None:
        field = "kind"
    group = RuleGroup(metric, aggregation, tuple(chosen), field)
    streamed = Aggregator(group)
    for event in batch:
        streamed.add(event)
    assert streamed.value == aggregate(group, batch) == model(group, batch)


def test_latest_breaks_ties_by_id() -> None:
    low, high = uuid.UUID(int=1), uuid.UUID(int=2)
    batch = [
        UsageEvent(id=high, subject="c", metric="seats", quantity=7, at=5),
        UsageEvent(id=low, subject="c", metric="seats", quantity=9, at=5),
        UsageEvent(id=uuid.UUID(int=3), subject="c", metric="seats", quantity=1, at=4),
    ]
    assert aggregate(RuleGroup("seats", "latest"), batch) == 7


def test_one_is_not_true_in_filters_or_unique_counts() -> None:
    batch = [
        UsageEvent(id=uuid.uuid4(), subject="c", metric="m", quantity=1, at=0, properties={"k": 1}),
        UsageEvent(
            id=uuid.uuid4(), subject="c", metric="m", quantity=1, at=0, properties={"k": True}
        ),
    ]
    assert aggregate(RuleGroup("m", "unique_count", field="k"), batch) == 2
    assert aggregate(RuleGroup("m", "count", (Filter("k", Op.EQ, 1),)), batch) == 1


def test_the_json_form_round_trips() -> None:
    data = {
        "metric": "payments",
        "aggregation": "sum",
        "filters": [{"property": "currency", "op": "in", "value": ["SGD", "USD"]}],
    }
    group = rule_group_from_dict(data)
    assert rule_group_from_dict(rule_group_to_dict(group)) == group


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"aggregation": "count"}, "metric"),
        ({"metric": ""}, "metric"),
        ({"metric": "m", "aggregation": "avg"}, "aggregation"),
        ({"metric": "m", "aggregation": "unique_count"}, "field"),
        ({"metric": "m", "field": "x"}, "field"),
        (
            {"metric": "m", "filters": [{"property": "p", "op": "like", "value": 1}]},
            "filters[0].op",
        ),
        (
            {"metric": "m", "filters": [{"property": "p", "op": "in", "value": 1}]},
            "filters[0].value",
        ),
        ({"metric": "m", "filters": [{"property": "p", "op": "eq"}]}, "filters[0].value"),
        (
            {"metric": "m", "filters": [{"property": "p", "op": "gte", "value": "1"}]},
            "filters[0].value",
        ),
        (
            {"metric": "m", "filters": [{"property": "p", "op": "exists", "value": 1}]},
            "filters[0].value",
        ),
        (
            {"metric": "m", "filters": [{"property": "p", "op": "eq", "value": 1.5}]},
            "filters[0].value",
        ),
        ({"metric": "m", "other": 1}, "other"),
    ],
)
def test_each_bad_field_is_named(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        rule_group_from_dict(data)
    assert refused.value.field == field
