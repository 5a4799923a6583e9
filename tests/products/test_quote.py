from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.errors import ValidationError
from strongroom.products.definitions import ProductDefinition, load_product
from strongroom.products.events import Event, EventKind, Usage
from strongroom.products.quote import quote

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"
PRODUCT: ProductDefinition = load_product(EXAMPLES / "everyday-v1.yaml")
DAY = date(2026, 3, 10)


def test_quote_prices_charges_taxes_and_limits_together() -> None:
    # FX of SGD 2 000.00 = 200 000: second band, 0.4% -> 800; GST 9% of 800 = 72.
    # The daily outflow limit (SGD 10 000 = 1 000 000) has 700 000 used: headroom 300 000.
    usage = Usage().record(Event(EventKind.CARD_WITHDRAWAL, 700_000, "SGD", DAY))
    q = quote(PRODUCT, Event(EventKind.FX_CONVERSION, 200_000, "SGD", DAY), usage)
    assert [(c.rule_id, c.amount) for c in q.charges] == [("fx", 800)]
    assert [(t.rule_id, t.fee_rule_id, t.amount) for t in q.taxes] == [("gst", "fx", 72)]
    assert [(d.limit_id, d.allowed, d.headroom) for d in q.limits] == [
        ("outflow-daily", True, 300_000)
    ]
    assert (q.total_fees, q.total_taxes, q.total_charged, q.allowed) == (800, 72, 872, True)


def test_refusal_names_the_limit_and_overrides_lift_it() -> None:
    event = Event(EventKind.TRANSFER_OUT, 600_000, "SGD", DAY)
    refused = quote(PRODUCT, event)
    assert not refused.allowed
    assert refused.refusal is not None
    assert (refused.refusal.limit_id, refused.refusal.headroom) == (
        "transfer-per-transaction",
        500_000,
    )
    lifted = quote(PRODUCT, event, overrides={"transfer-per-transaction": 1_000_000})
    assert lifted.allowed
    assert lifted.limits[0].overridden


def test_waived_charges_are_shown_at_zero_and_untaxed() -> None:
    q = quote(PRODUCT, Event(EventKind.ATM_WITHDRAWAL, 10_000, "SGD", DAY))
    assert [(c.rule_id, c.amount, c.waiver) for c in q.charges] == [
        ("atm", 0, "free_per_month: 1 of 2 free")
    ]
    assert q.taxes == ()


def test_stale_usage_does_not_count_against_a_new_month() -> None:
    march = Usage()
    for _ in range(20):
        march = march.record(Event(EventKind.ATM_WITHDRAWAL, 100, "SGD", DAY))
    in_march = quote(PRODUCT, Event(EventKind.ATM_WITHDRAWAL, 100, "SGD", DAY), march)
    in_april = quote(PRODUCT, Event(EventKind.ATM_WITHDRAWAL, 100, "SGD", date(2026, 4, 1)), march)
    count_limit = {d.limit_id: d for d in in_march.limits}["atm-monthly-count"]
    assert not count_limit.allowed
    assert in_april.allowed


def test_currency_must_match() -> None:
    with pytest.raises(ValidationError, match="event in USD for a SGD product"):
        quote(PRODUCT, Event(EventKind.TRANSFER_OUT, 1, "USD", DAY))


@given(
    st.sampled_from(EventKind),
    st.integers(0, 10**10),
    st.integers(-(10**8), 10**8),
    st.lists(st.tuples(st.sampled_from(EventKind), st.integers(0, 10**7)), max_size=10),
)
def test_quote_is_pure_and_its_charges_never_negative(
    kind: EventKind, amount: int, balance: int, history: list[tuple[EventKind, int]]
) -> None:
    usage = Usage()
    for k, a in history:
        usage = usage.record(Event(k, a, "SGD", DAY))
    event = Event(kind, amount, "SGD", DAY, balance)
    first = quote(PRODUCT, event, usage)
    assert quote(PRODUCT, event, usage) == first
    assert all(c.amount >= 0 for c in first.charges)
    assert all(t.amount > 0 for t in first.taxes)
    for c in first.charges:
        rule = next(f for f in PRODUCT.fees if f.id == c.rule_id)
        assert c.amount == 0 or c.amount >= rule.minimum
        assert rule.maximum is None or c.amount <= rule.maximum
