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

#: Rate limits from one request in 100 s to a thousand per second, so that the waits they give
#: range from microseconds to minutes (the limiters report whole seconds).
rates = st.one_of(st.floats(0.01, 1000.0), st.sampled_from([0.01, 1.0, 3.0, 1000.0]))
bursts = st.integers(1, 5)
#: Requests to a limiter: microseconds since the one before, and (API key, tenant) among three
#: keys, the first two of one tenant.
rate_limit_schedules = st.lists(
    st.tuples(
        st.integers(0, 5_000_000), st.sampled_from([("k0", "t0"), ("k1", "t0"), ("k2", "t1")])
    ),
    max_size=40,
)
