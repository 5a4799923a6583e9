from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.products.definitions import load_product, parse_product
from strongroom.products.errors import ProductDefinitionError
from strongroom.products.events import OUTFLOWS, SYSTEM_EVENTS, EventKind
from strongroom.products.simulate import (
    Activity,
    compare,
    load_activity,
    parse_activity,
    simulate,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"
V1 = load_product(EXAMPLES / "everyday-v1.yaml")
V2 = load_product(EXAMPLES / "everyday-v2.yaml")
JAN_1, MAR_31 = date(2026, 1, 1), date(2026, 3, 31)

SMALL = """\
product: small
version: 1
currency: SGD
accounts:
  fee_income: 0192f5a0-0000-7000-8000-000000000001
  tax_payable: 0192f5a0-0000-7000-8000-000000000002
  interest_expense: 0192f5a0-0000-7000-8000-000000000003
  interest_payable: 0192f5a0-0000-7000-8000-000000000004
fees:
  - {id: out, event: transfer_out, kind: flat, amount: 1.00, free_per_month: 1}
  - {id: maintenance, event: monthly_maintenance, kind: flat, amount: 2.00}
taxes:
  - {id: gst, percent: 9}
interest:
  day_count: ACT/360
  credit: {bands: [{from: 0, percent: 3.6}]}
"""


def test_a_small_history_by_hand() -> None:
    product = parse_product(SMALL)
    history = [
        Activity(JAN_1, "dan", EventKind.INCOMING_PAYMENT, 100_000),
        Activity(date(2026, 1, 2), "dan", EventKind.TRANSFER_OUT, 1_000),  # free (1st of month)
        Activity(date(2026, 1, 3), "dan", EventKind.TRANSFER_OUT, 1_000),  # 100 + GST 9
    ]
    report = simulate(product, history, JAN_1, date(2026, 2, 1))
    dan = report.accounts["dan"]
    # Fees: 100 (second transfer) + 200 maintenance on 1 Feb; GST 9% of each: 9 + 18 = 27.
    assert (dan.fees, dan.taxes, dan.fees_by_rule) == (300, 27, {"out": 100, "maintenance": 200})
    # Interest at 3.6% ACT/360 = 1/10 000 of the balance a day:
    #   1 Jan: 100 000 -> 10; 2 Jan: 99 000 -> 9.9; 3..31 Jan (29 days): 97 891 -> 9.7891 each.
    #   Exact total 10 + 9.9 + 29 * 9.7891 = 303.7839; with the residue carried, the postings
    #   are 10, 10 (9.9 -> 10, residue -0.1), then 9.6891 -> 10 (-0.3109), 9.4782 -> 9
    #   (+0.4782), ... and the month's sum is 304 (303.7839 rounded, residue -0.2161).
    #   1 Feb (balance 97 891 + 304 - 218 = 97 977): 9.7977 -> 10 (residue -0.2161 + 9.7977).
    assert dan.capitalised_credit == 304
    assert dan.interest_credit == 304 + 10
    assert dan.balance == 100_000 - 2_000 - 109 + 304 - 218
    assert (dan.movements, dan.refused) == (3, 0)


def test_limits_refuse_and_are_counted() -> None:
    history = [
        Activity(JAN_1, "eve", EventKind.INCOMING_PAYMENT, 10_000_000),
        Activity(JAN_1, "eve", EventKind.TRANSFER_OUT, 500_001),  # per transaction: 500 000 max
    ]
    eve = simulate(V1, history, JAN_1, JAN_1).accounts["eve"]
    assert (eve.movements, eve.refused, eve.balance) == (1, 1, 10_000_000)
    lifted = simulate(
        V1, history, JAN_1, JAN_1, overrides={"eve": {"transfer-per-transaction": 600_000}}
    ).accounts["eve"]
    assert (lifted.movements, lifted.refused) == (2, 0)


def test_what_if_compares_two_versions_over_the_same_history() -> None:
    stream = load_activity(EXAMPLES / "activity.yaml")
    a = simulate(V1, stream.activities, JAN_1, MAR_31)
    b = simulate(V2, stream.activities, JAN_1, MAR_31)
    diff = {d.account: d for d in compare(a, b)}
    assert set(diff) == {"alice", "bob", "carol"}
    # v2 prices transfers at 0.20% instead of 0.25%: Alice's one charged transfer in January
    # (SGD 4 800, the 4th that month) costs 960 instead of the 1 000 cap; GST 86 vs 90.
    assert (diff["alice"].fees, diff["alice"].taxes) == (-40, -4)
    # Bob never holds more than SGD 10 000, so v2's higher middle band changes nothing for him.
    assert diff["bob"].net_cost == 0
    # Carol's balance is in the 1.5% -> 2.0% band: she earns more.
    assert diff["carol"].interest_credit > 0
    assert diff["carol"].net_cost == -diff["carol"].interest_credit


def test_activity_errors_name_their_line() -> None:
    text = (
        "currency: SGD\n"
        "activity:\n"
        "  - {date: 2026-01-02, account: a, event: incoming_payment, amount: 10.001}\n"
        "  - {date: 2026-01-03, account: a, event: dormancy, amount: 0}\n"
    )
    with pytest.raises(ProductDefinitionError) as info:
        parse_activity(text, "act.yaml")
    assert [(i.path, i.line) for i in info.value.issues] == [
        ("activity[0].amount", 3),
        ("activity[1].event", 4),
    ]


activities = st.lists(
    st.builds(
        Activity,
        st.dates(JAN_1, MAR_31),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([k for k in EventKind if k not in SYSTEM_EVENTS]),
        st.integers(0, 300_000),
    ),
    max_size=40,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(activities)
def test_balances_are_conserved_in_the_simulation(history: list[Activity]) -> None:
    report = simulate(V1, history, JAN_1, MAR_31 + timedelta(days=1))
    assert set(report.accounts) == {a.account for a in history}
    for name, r in report.accounts.items():
        assert r.fees >= 0
        assert r.taxes >= 0
        # Every unit that left or entered the balance is accounted for.
        assert r.balance == (
            r.paid_in
            - r.paid_out
            - r.fees
            - r.taxes
            + r.capitalised_credit
            - r.capitalised_overdraft
        )
        # Interest accrued in a month is capitalised at its end: through 1 April, everything
        # but 1 April's own accrual has been.
        assert 0 <= r.interest_credit - r.capitalised_credit <= max(r.balance, 0)
        if r.refused == 0:  # then what moved is exactly the history
            moved_in = sum(
                a.amount for a in history if a.account == name and a.kind not in OUTFLOWS
            )
            moved_out = sum(a.amount for a in history if a.account == name and a.kind in OUTFLOWS)
            assert (r.paid_in, r.paid_out) == (moved_in, moved_out)
