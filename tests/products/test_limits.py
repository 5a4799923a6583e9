from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from strongroom.products.events import Event, EventKind, Usage
from strongroom.products.limits import LimitMeasure, LimitPeriod, LimitRule, check_limit

DAY = date(2026, 3, 10)
OUT = EventKind.TRANSFER_OUT
CARD = EventKind.CARD_WITHDRAWAL
DAILY = LimitRule("daily", frozenset({OUT, CARD}), LimitPeriod.DAY, LimitMeasure.AMOUNT, 100_000)
MONTHLY_COUNT = LimitRule("count", frozenset({OUT}), LimitPeriod.MONTH, LimitMeasure.COUNT, 3)
PER_TX = LimitRule("tx", frozenset({OUT}), LimitPeriod.TRANSACTION, LimitMeasure.AMOUNT, 50_000)


def ev(amount: int, kind: EventKind = OUT, on: date = DAY) -> Event:
    return Event(kind, amount, "SGD", on)


def test_daily_amount_sums_all_listed_events_and_reports_headroom() -> None:
    usage = Usage().record(ev(60_000)).record(ev(30_000, CARD))
    decision = check_limit(DAILY, ev(10_000), usage.on(DAY))
    assert (decision.allowed, decision.used, decision.headroom) == (True, 90_000, 10_000)
    refused = check_limit(DAILY, ev(10_001), usage.on(DAY))
    assert (refused.allowed, refused.limit_id, refused.headroom) == (False, "daily", 10_000)
    # The next day starts again from zero.
    tomorrow = check_limit(DAILY, ev(100_000, on=date(2026, 3, 11)), usage.on(date(2026, 3, 11)))
    assert (tomorrow.allowed, tomorrow.used) == (True, 0)


def test_monthly_count() -> None:
    usage = Usage()
    decisions = []
    for _ in range(4):
        decisions.append(check_limit(MONTHLY_COUNT, ev(1), usage.on(DAY)).allowed)
        usage = usage.record(ev(1))
    assert decisions == [True, True, True, False]


def test_per_transaction_ignores_usage_and_honours_overrides() -> None:
    busy = Usage().record(ev(49_000))
    assert check_limit(PER_TX, ev(50_000), busy.on(DAY)).allowed
    assert not check_limit(PER_TX, ev(50_001), busy.on(DAY)).allowed
    raised = check_limit(PER_TX, ev(80_000), busy.on(DAY), override=100_000)
    assert (raised.allowed, raised.maximum, raised.overridden) == (True, 100_000, True)


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(0, 10**9))
def test_allowed_exactly_when_within_the_maximum(maximum: int, used: int, amount: int) -> None:
    rule = LimitRule("d", frozenset({OUT}), LimitPeriod.DAY, LimitMeasure.AMOUNT, maximum)
    usage = Usage().record(ev(used)) if used else Usage()
    decision = check_limit(rule, ev(amount), usage.on(DAY))
    assert decision.allowed == (used + amount <= maximum)
    assert decision.headroom == max(maximum - used, 0)
