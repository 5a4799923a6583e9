"""Hypothesis strategies for product rules, shared by the products tests."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from hypothesis import strategies as st

from strongroom.ids import NIL
from strongroom.products.daycount import DayCount
from strongroom.products.events import EventKind
from strongroom.products.fees import FeeKind, FeeRule
from strongroom.products.interest import InterestRule
from strongroom.products.tiers import Band, TierMethod, Tiers

amounts = st.integers(min_value=0, max_value=10**13)
#: Percent rates as exact ratios with up to 4 decimal places of a percent, 0% to 100%.
rates = st.integers(min_value=0, max_value=1_000_000).map(lambda n: Fraction(n, 100 * 10_000))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def tiers(draw: st.DrawFn, *, with_flat: bool = True) -> Tiers:
    cuts = sorted(draw(st.sets(st.integers(1, 10**9), max_size=5)))
    bounds = [0, *cuts]
    bands = []
    for i, lower in enumerate(bounds):
        upper = bounds[i + 1] if i + 1 < len(bounds) else None
        flat = draw(st.integers(0, 10_000)) if with_flat else 0
        bands.append(Band(lower, upper, flat, draw(rates)))
    return Tiers(draw(st.sampled_from(TierMethod)), tuple(bands))


@st.composite
def fee_rules(draw: st.DrawFn) -> FeeRule:
    kind = draw(st.sampled_from(FeeKind))
    minimum = draw(st.integers(0, 10_000))
    maximum = draw(st.none() | st.integers(minimum, 10**7))
    return FeeRule(
        id="fee",
        event=draw(st.sampled_from(EventKind)),
        kind=kind,
        amount=draw(st.integers(0, 10**6)) if kind is FeeKind.FLAT else 0,
        rate=draw(rates) if kind is FeeKind.PERCENTAGE else Fraction(0),
        tiers=draw(tiers()) if kind is FeeKind.TIERED else None,
        minimum=minimum,
        maximum=maximum,
        income_account=NIL,
    )


@st.composite
def interest_rules(draw: st.DrawFn) -> InterestRule:
    return InterestRule(
        day_count=draw(st.sampled_from(DayCount)),
        credit=draw(st.none() | tiers(with_flat=False)),
        overdraft=draw(st.none() | tiers(with_flat=False)),
    )
