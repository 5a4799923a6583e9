"""The velocity counters as the database keeps them, against a brute-force count of the raw
payments, under hypothesis, on both backends: decisions recorded one by one through the
decider, each window's figures read back as the next decision sees them."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.bootstrap.platform import Platform
from strongroom.compliance.decisions import Decision, Mode, Outcome
from strongroom.compliance.ports import DecisionRecord, DecisionStore
from strongroom.compliance.rules.facts import CustomerFacts, Payment
from strongroom.compliance.rules.velocity import (
    Scope,
    VelocityRead,
    Window,
    increments,
    resolution_for,
    window_query,
)

NS = 10**9
WINDOWS = [Window(f"w{n}", Scope.CUSTOMER, n, resolution_for(n)) for n in (300, 3600, 86_400)]


def brute_force(
    events: list[tuple[int, str, int]], window: Window, who: str, now: int
) -> tuple[int, int]:
    r = window.resolution
    inside = [a for at, c, a in events if c == who and 0 <= now // r - at // r < window.length // r]
    return len(inside), sum(inside)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 5_000), st.sampled_from(["alice", "bob"]), st.integers(1, 10**9)),
        min_size=1,
        max_size=25,
    )
)
async def test_stored_counters_equal_the_brute_force_count(
    platform: Platform, steps: list[tuple[int, str, int]]
) -> None:
    store = (await platform.compliance()).decisions
    tenant = f"t-{uuid.uuid4().hex[:8]}"  # one per example: the database outlives it
    events: list[tuple[int, str, int]] = []
    now = 1_800_000_000
    for gap, customer, amount in steps:
        now += gap
        reads = [
            VelocityRead(tenant, "SGD", window_query(w, f"customer:{who}", now))
            for who in ("alice", "bob")
            for w in WINDOWS
        ]
        expected = [brute_force(events, w, who, now) for who in ("alice", "bob") for w in WINDOWS]
        assert await store.velocity(reads) == expected
        payment = Payment(
            subject=f"p{len(events)}",
            amount=amount,
            currency="SGD",
            customer=CustomerFacts(id=customer),
            at=now * NS,
        )
        await record(store, tenant, payment, now)
        events.append((now, customer, amount))


async def record(store: DecisionStore, tenant: str, payment: Payment, now: int) -> None:
    decision = Decision(
        id=uuid.uuid4(),
        tenant=tenant,
        subject=payment.subject,
        mode=Mode.ENFORCE,
        outcome=Outcome.ALLOW,
        score=0,
        rule_set_version=1,
        decided_at=now * NS,
    )
    velocity = tuple(increments(WINDOWS, payment, now))
    (stored,) = await store.record(
        [DecisionRecord(decision=decision, payment=payment, increments=velocity, events=())]
    )
    assert stored == decision
