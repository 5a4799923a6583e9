"""Velocity windows against a brute-force model: the counters kept in buckets give, at every
time, what counting the raw payments over the window's buckets gives, and always cover at least
the last L - r and at most the last L seconds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.compliance.rules.facts import CustomerFacts, Payment
from strongroom.compliance.rules.velocity import (
    MIN_BUCKETS,
    MemoryVelocity,
    Scope,
    Window,
    increments,
    parse_duration,
    resolution_for,
    subject_of,
    window_query,
)

NS = 10**9
LENGTHS = ["5m", "1h", "90m", "24h", "7d", "30d"]


def payment(customer: str, amount: int, at: int, currency: str = "SGD") -> Payment:
    return Payment(
        subject=f"p-{at}-{customer}",
        amount=amount,
        currency=currency,
        customer=CustomerFacts(id=customer),
        at=at * NS,
    )


def brute_force(
    events: list[tuple[int, str, int, str]], window: Window, customer: str, currency: str, now: int
) -> tuple[int, int]:
    r = window.resolution
    inside = [
        amount
        for at, who, amount, cur in events
        if who == customer and cur == currency and 0 <= now // r - at // r < window.length // r
    ]
    return len(inside), sum(inside)


@pytest.mark.parametrize(
    ("text", "seconds", "resolution"),
    [("5m", 300, 60), ("1h", 3600, 60), ("24h", 86400, 3600), ("30d", 2_592_000, 86_400)],
)
def test_durations_and_their_bucket_sizes(text: str, seconds: int, resolution: int) -> None:
    assert parse_duration(text) == seconds
    assert resolution_for(seconds) == resolution


@pytest.mark.parametrize("text", ["", "1", "0h", "1w", "h", "-1h", "1.5h", "1000000d"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@given(st.sampled_from(LENGTHS))
def test_a_window_has_enough_buckets_unless_it_is_shorter_than_that_many_minutes(text: str) -> None:
    length = parse_duration(text)
    resolution = resolution_for(length)
    assert length % resolution == 0
    assert length // resolution >= MIN_BUCKETS or resolution == 60


@given(
    length=st.sampled_from(LENGTHS),
    steps=st.lists(
        st.tuples(
            st.integers(0, 40_000),  # seconds since the previous payment
            st.sampled_from(["alice", "bob"]),
            st.integers(1, 10**6),
            st.sampled_from(["SGD", "EUR"]),
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_bucketed_counters_equal_the_brute_force_count(
    length: str, steps: list[tuple[int, str, int, str]]
) -> None:
    seconds = parse_duration(length)
    window = Window("w", Scope.CUSTOMER, seconds, resolution_for(seconds))
    counters = MemoryVelocity()
    events: list[tuple[int, str, int, str]] = []
    now = 1_700_000_000
    for gap, customer, amount, currency in steps:
        now += gap
        p = payment(customer, amount, now, currency)
        subject = subject_of(Scope.CUSTOMER, p)
        assert subject is not None
        for who in ("alice", "bob"):
            for cur in ("SGD", "EUR"):
                query = window_query(window, f"customer:{who}", now)
                assert counters.totals(cur, [query]) == [brute_force(events, window, who, cur, now)]
        counters.add(increments([window], p, now))
        events.append((now, customer, amount, currency))
        # The documented span: everything in the last L - r seconds, nothing older than L.
        count, _ = counters.totals(currency, [window_query(window, subject, now)])[0]
        recent = [e for e in events if e[1] == customer and e[3] == currency]
        assert count >= sum(1 for e in recent if now - e[0] < seconds - window.resolution)
        assert count <= sum(1 for e in recent if now - e[0] < seconds)


def test_a_payment_counts_once_per_bucket_size_even_for_two_windows() -> None:
    windows = [
        Window("a", Scope.CUSTOMER, 3600, 60),
        Window("b", Scope.CUSTOMER, 7200, 60),
        Window("c", Scope.ACCOUNT, 3600, 60),
    ]
    p = payment("alice", 5, 1_700_000_000)
    assert len(increments(windows, p, 1_700_000_000)) == 1  # no account on the payment


def test_the_beneficiary_scope_falls_back_to_the_counterparty_account() -> None:
    p = Payment(subject="s", amount=1, currency="SGD")
    assert subject_of(Scope.BENEFICIARY, p) is None
    assert subject_of(Scope.ACCOUNT, p) is None
