"""Ledger.debit_activity on both backends, against the fold it replaces: every debit of the
account read back through get_account_transfers and tallied in Python (a void takes its pending
transfer back, a post adds nothing), for any mix of single-phase, pending, posted and voided
transfers over several days, any codes asked for and any `since` and `split`."""

from __future__ import annotations

import uuid
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.clock import ManualClock
from strongroom.ids import new_id
from strongroom.ledger import AccountFlags, Ledger, Transfer, TransferFlags, TransferQuery
from tests.ledger.helpers import account, open_accounts, results, transfer

F = TransferFlags
DAY = 86_400
CODES = (1, 2, 3)

#: One step: (what, code, amount, seconds later, which open pending a post or void takes).
Step = tuple[str, int, int, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["single", "pending", "post", "void", "credit"]),
        st.sampled_from(CODES),
        st.integers(1, 1_000),
        st.sampled_from([0, 1, 3_600, DAY]),
        st.integers(0, 20),
    ),
    max_size=25,
)


async def fold(
    ledger: Ledger, account_id: uuid.UUID, codes: set[int], since: int, split: int
) -> Counter[tuple[int, bool, str]]:
    """The reference: every debit since `since`, tallied one by one."""
    totals: Counter[tuple[int, bool, str]] = Counter()
    cursor = None
    while True:
        query = TransferQuery(
            account_id, direction="debits", timestamp_min=since, limit=7, cursor=cursor
        )
        page = await ledger.get_account_transfers(query)
        for t in page.items:
            if t.code not in codes or F.POST_PENDING in t.flags:
                continue
            sign = -1 if F.VOID_PENDING in t.flags else 1
            recent = t.timestamp >= split
            totals[(t.code, recent, "count")] += sign
            totals[(t.code, recent, "amount")] += sign * t.amount
        if page.next_cursor is None:
            return totals
        cursor = page.next_cursor


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=steps,
    codes=st.sets(st.sampled_from(CODES), min_size=1),
    since_at=st.integers(0, 30),
    split_at=st.integers(0, 30),
)
async def test_debit_activity_is_the_fold_of_the_accounts_debits(
    ledger: Ledger,
    clock: ManualClock,
    plan: list[Step],
    codes: set[int],
    since_at: int,
    split_at: int,
) -> None:
    payer, payee = await open_accounts(
        ledger, account(flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS), account()
    )
    (funder,) = await open_accounts(ledger, account())
    assert await results(ledger, transfer(funder, payer, 10**9)) == ["ok"]
    open_holds: list[uuid.UUID] = []
    times = [clock.now_ns()]
    for what, code, amount, later, pick in plan:
        clock.advance(later)
        times.append(clock.now_ns())
        if what in ("post", "void"):
            if not open_holds:
                continue
            hold = open_holds.pop(pick % len(open_holds))
            flags = F.POST_PENDING if what == "post" else F.VOID_PENDING
            made = Transfer(id=new_id(), pending_id=hold, flags=flags, amount=0)
        elif what == "credit":
            made = transfer(funder, payer, amount, code=code)
        else:
            flags = F.PENDING if what == "pending" else F.NONE
            made = transfer(payer, payee, amount, flags, code=code)
            if what == "pending":
                open_holds.append(made.id)
        assert await results(ledger, made) == ["ok"]
    since = times[since_at % len(times)]
    split = times[split_at % len(times)]
    expected = await fold(ledger, payer, codes, since, split)
    found = await ledger.debit_activity(payer, codes=sorted(codes), since=since, split=split)
    got: Counter[tuple[int, bool, str]] = Counter()
    for part in found:
        assert part.code in codes
        got[(part.code, part.recent, "count")] += part.count
        got[(part.code, part.recent, "amount")] += part.amount
    # A (code, side) with nothing in it has no row; a void whose pending is before `since`
    # takes back what this period never counted, so a tally may be negative.
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}


async def test_no_codes_asked_is_nothing(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(), account())
    assert await results(ledger, transfer(a, b, 5)) == ["ok"]
    assert await ledger.debit_activity(a, codes=[], since=0, split=0) == []
    (only,) = await ledger.debit_activity(a, codes=[1], since=0, split=0)
    assert (only.code, only.recent, only.count, only.amount) == (1, True, 1, 5)
