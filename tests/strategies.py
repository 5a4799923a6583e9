"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

from hypothesis import strategies as st

MAX = 2**63 - 1

#: Mostly ordinary amounts, sometimes the edges: zero, negative, the 64-bit limits and past them.
amounts = st.one_of(
    st.integers(1, 1_000),
    st.integers(1, 1_000),
    st.sampled_from([0, -5, MAX, MAX + 1, 2**62]),
)
codes = st.one_of(*[st.just(1)] * 6, st.sampled_from([0, 7, 65_536]))
ledgers = st.sampled_from(["USD"] * 8 + ["EUR", "XYZ"])
