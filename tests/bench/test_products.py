from __future__ import annotations

from strongroom.bench.products import bench_events, bench_product
from strongroom.products.events import EventKind
from strongroom.products.quote import quote


def test_the_bench_product_has_twenty_rules_and_every_event_kind_is_priced() -> None:
    product = bench_product()
    assert product.rule_count == 20
    events = bench_events(400)
    assert {e.kind for e, _ in events} == set(EventKind)
    priced = {e.kind for e, u in events if quote(product, e, u).charges}
    assert priced == set(EventKind)  # no kind is a free no-op: the bench exercises every rule


def test_bench_events_are_deterministic() -> None:
    assert bench_events(50) == bench_events(50)
