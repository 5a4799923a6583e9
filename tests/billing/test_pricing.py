"""Price tiers against a brute-force model: graduated priced unit by unit, volume by the one band
the quantity falls in, packages rounded up, at every band boundary; free units and minimums; one
rounding, on the total. And the JSON form: exact decimals, floats refused, each error named."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.billing.pricing import (
    PriceBand,
    Tier,
    TierKind,
    price,
    share_of,
    tier_from_dict,
    tier_to_dict,
)
from strongroom.errors import ValidationError
from strongroom.products.rounding import round_minor

prices = st.fractions(min_value=0, max_value=50, max_denominator=10_000)


@st.composite
def banded(draw: st.DrawFn, kind: TierKind) -> Tier:
    ends = sorted(set(draw(st.lists(st.integers(1, 300), min_size=0, max_size=4))))
    bands = [PriceBand(end, draw(prices), draw(st.integers(0, 500))) for end in [*ends, None]]
    return Tier(
        kind,
        bands=tuple(bands),
        free_units=draw(st.integers(0, 20)),
        minimum=draw(st.integers(0, 3_000)),
    )


def band_of(tier: Tier, unit: int) -> int:
    """The index of the band unit number `unit` (1-based) is in."""
    for i, band in enumerate(tier.bands):
        if band.up_to is None or unit <= band.up_to:
            return i
    raise AssertionError(unit)


def model(tier: Tier, quantity: int) -> Fraction:
    units = max(quantity - tier.free_units, 0)
    if tier.kind is TierKind.GRADUATED:
        total = sum(
            (tier.bands[band_of(tier, u)].unit_price for u in range(1, units + 1)), Fraction(0)
        )
        reached = {band_of(tier, u) for u in range(1, units + 1)}
        total += sum(tier.bands[i].flat_fee for i in reached)
    elif units == 0:
        total = Fraction(0)
    else:
        band = tier.bands[band_of(tier, units)]
        total = band.unit_price * units + band.flat_fee
    return max(total, Fraction(tier.minimum))


def boundaries(tier: Tier) -> list[int]:
    ends = [b.up_to for b in tier.bands if b.up_to is not None]
    return sorted({0, 1, *(e + d + tier.free_units for e in ends for d in (-1, 0, 1))} - {-1})


@given(tier=banded(TierKind.GRADUATED), extra=st.integers(0, 700))
def test_graduated_prices_every_unit_at_its_band(tier: Tier, extra: int) -> None:
    for quantity in [*boundaries(tier), extra]:
        priced = price(tier, quantity)
        assert priced.exact == model(tier, quantity), quantity
        assert priced.amount == round_minor(priced.exact)
        assert sum(Fraction(p.amount) for p in priced.breakdown) == priced.exact


@given(tier=banded(TierKind.VOLUME), extra=st.integers(0, 700))
def test_volume_prices_every_unit_at_the_band_of_the_total(tier: Tier, extra: int) -> None:
    for quantity in [*boundaries(tier), extra]:
        priced = price(tier, quantity)
        assert priced.exact == model(tier, quantity), quantity
        assert sum(Fraction(p.amount) for p in priced.breakdown) == priced.exact


@given(
    size=st.integers(1, 100),
    package=st.integers(0, 10_000),
    quantity=st.integers(0, 5_000),
    free=st.integers(0, 50),
)
def test_packages_are_rounded_up(size: int, package: int, quantity: int, free: int) -> None:
    tier = Tier(TierKind.PACKAGE, package_size=size, package_price=package, free_units=free)
    assert price(tier, quantity).amount == math.ceil(max(quantity - free, 0) / size) * package


@given(unit=prices, quantity=st.integers(0, 10**9))
def test_a_flat_tier_rounds_once_on_the_total(unit: Fraction, quantity: int) -> None:
    priced = price(Tier(TierKind.FLAT, unit_price=unit), quantity)
    assert priced.amount == round_minor(unit * quantity)


GRADUATED = {
    "kind": "graduated",
    "bands": [{"up_to": 1000, "unit_price": "0.10"}, {"unit_price": "0.05"}],
}


@pytest.mark.parametrize(
    ("quantity", "amount"), [(0, 0), (1000, 10_000), (1001, 10_005), (2500, 17_500)]
)
def test_the_documented_graduated_example(quantity: int, amount: int) -> None:
    assert price(tier_from_dict(GRADUATED, "USD"), quantity).amount == amount


@pytest.mark.parametrize(
    ("quantity", "amount"), [(0, 0), (1000, 10_000), (1001, 5_005), (2500, 12_500)]
)
def test_the_documented_volume_example(quantity: int, amount: int) -> None:
    tier = tier_from_dict({**GRADUATED, "kind": "volume"}, "USD")
    assert price(tier, quantity).amount == amount


def test_free_units_minimums_and_sub_cent_prices() -> None:
    calls = tier_from_dict(
        {"kind": "flat", "unit_price": "0.0001", "free_units": 10_000, "minimum": "5.00"}, "USD"
    )
    assert price(calls, 10_000).amount == 500
    assert price(calls, 60_000).amount == 500
    assert price(calls, 75_000).amount == 650
    assert [p.what for p in price(calls, 20_000).breakdown] == ["free", "flat", "minimum"]
    assert share_of(calls, Fraction(1, 3)) == Tier(
        TierKind.FLAT, unit_price=Fraction(1, 100), free_units=3_333, minimum=167
    )


@pytest.mark.parametrize(
    "data",
    [
        GRADUATED,
        {"kind": "flat", "unit_price": "0.00015", "free_units": 5},
        {"kind": "package", "package_size": 1000, "package_price": "2.50", "minimum": "10"},
        {
            "kind": "volume",
            "bands": [
                {"up_to": 10, "unit_price": "1", "flat_fee": "0.99"},
                {"up_to": 100, "unit_price": "0.5"},
                {"unit_price": "0"},
            ],
        },
    ],
)
def test_the_json_form_round_trips(data: dict[str, Any]) -> None:
    tier = tier_from_dict(data, "SGD")
    assert tier_from_dict(tier_to_dict(tier, "SGD"), "SGD") == tier


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "flat", "unit_price": 0.1}, "unit_price"),
        ({"kind": "flat"}, "unit_price"),
        ({"kind": "flat", "unit_price": "1", "bands": []}, "bands"),
        ({"kind": "tiered", "unit_price": "1"}, "kind"),
        ({"kind": "graduated", "bands": []}, "bands"),
        (
            {"kind": "graduated", "bands": [{"unit_price": "1"}, {"unit_price": "2"}]},
            "bands[0].up_to",
        ),
        ({"kind": "graduated", "bands": [{"up_to": 5, "unit_price": "1"}]}, "bands[0].up_to"),
        (
            {
                "kind": "volume",
                "bands": [
                    {"up_to": 5, "unit_price": "1"},
                    {"up_to": 5, "unit_price": "1"},
                    {"unit_price": "1"},
                ],
            },
            "bands[1].up_to",
        ),
        ({"kind": "graduated", "bands": [{"unit_price": "-1"}]}, "bands[0].unit_price"),
        (
            {"kind": "graduated", "bands": [{"unit_price": "1", "flat_fee": "0.001"}]},
            "bands[0].flat_fee",
        ),
        ({"kind": "package", "package_size": 0, "package_price": "1"}, "package_size"),
        ({"kind": "flat", "unit_price": "1", "minimum": "0.005"}, "minimum"),
        ({"kind": "flat", "unit_price": "1", "free_units": -1}, "free_units"),
        ({"kind": "flat", "unit_price": "1", "extra": 1}, "extra"),
    ],
)
def test_each_bad_field_is_named(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        tier_from_dict(data, "SGD")
    assert refused.value.field == field


def test_a_negative_quantity_is_refused() -> None:
    with pytest.raises(ValidationError):
        price(tier_from_dict(GRADUATED, "USD"), -1)
