from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.errors import ValidationError
from strongroom.ratelimit.gcra import Limit, step
from tests.ratelimit.helpers import EPOCH_US
from tests.ratelimit.reference import TokenBucket
from tests.strategies import bursts, rates


@given(rate=rates, burst=bursts, gaps=st.lists(st.integers(0, 3_000_000), max_size=40))
def test_decisions_and_waits_are_the_token_buckets(
    rate: float, burst: int, gaps: list[int]
) -> None:
    limit, model = Limit(rate, burst), TokenBucket(rate, burst)
    tat, now = 0, EPOCH_US
    for gap in gaps:
        now += gap
        expected = model.wait(now)
        tat, wait = step(tat, now, limit)
        assert wait == expected
        if not wait:
            model.take()


def test_a_full_bucket_admits_its_burst_then_one_request_per_emission() -> None:
    limit = Limit(rate=2, burst=3)
    tat, now = 0, EPOCH_US
    for _ in range(3):
        tat, wait = step(tat, now, limit)
        assert wait == 0
    refused, wait = step(tat, now, limit)
    assert (refused, wait) == (tat, 500_000)  # half a second; nothing spent
    tat, wait = step(tat, now + 500_000, limit)
    assert wait == 0


def test_the_emission_is_rounded_up_to_a_whole_microsecond() -> None:
    assert Limit(3000, 1).emission == 334
    assert Limit(1000, 7).tolerance == 7000


@pytest.mark.parametrize(
    ("rate", "burst", "field"),
    [(0, 1, "rate"), (-1.0, 1, "rate"), (2_000_000, 1, "rate"), (1, 0, "burst"), (1, 1.5, "burst")],
)
def test_a_bad_limit_names_its_field(rate: float, burst: int, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Limit(rate, burst)
    assert refused.value.field == field
