"""strongroom.ledger.rules, without a database: what a batch stores for each transfer."""

from __future__ import annotations

from strongroom.ids import new_id
from strongroom.ledger.results import CreateTransferResult as TR
from strongroom.ledger.rules import BalanceState, BatchState, apply_transfers
from strongroom.ledger.types import AccountFlags, AccountStatus, Transfer, TransferFlags
from strongroom.money import AMOUNT_MAX


def _state(*balances: BalanceState) -> BatchState:
    return BatchState(
        balances={b.id.int: b for b in balances},
        existing={},
        pendings={},
        not_pending=set(),
        now=1,
        first_seq=1 << 20,
        first_timestamp=1_000,
    )


def _account(flags: int = 0, credits_posted: int = 0) -> BalanceState:
    return BalanceState(
        new_id(), "USD", flags, 0, AccountStatus.OPEN, "default", 0, 0, 0, credits_posted
    )


def test_a_post_is_stored_with_its_pending_transfers_fields_whatever_it_names() -> None:
    a, b = _account(), _account()
    hold = Transfer(
        id=new_id(),
        debit_account_id=a.id,
        credit_account_id=b.id,
        amount=10,
        ledger="USD",
        code=7,
        flags=TransferFlags.PENDING,
    )
    # The same UUID object as the pending transfer's debit account, the rest left zero.
    post = Transfer(
        id=new_id(),
        pending_id=hold.id,
        debit_account_id=hold.debit_account_id,
        amount=4,
        flags=TransferFlags.POST_PENDING,
    )
    out = apply_transfers([hold, post], [None, None], _state(a, b))
    assert out.results == [TR.OK, TR.OK]
    stored = out.transfers[1]
    assert (stored.debit_account_id, stored.credit_account_id) == (a.id, b.id)
    assert (stored.amount, stored.ledger, stored.code) == (4, "USD", 7)
    assert (stored.seq, stored.timestamp) == ((1 << 20) + 1, 1_001)
    # The caller's transfer is left as it was.
    assert (post.seq, post.timestamp, post.ledger) == (0, 0, "")


def test_a_balancing_transfer_is_stored_with_the_amount_it_moved() -> None:
    limited = _account(int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS), credits_posted=30)
    other = _account()
    ask = Transfer(
        id=new_id(),
        debit_account_id=limited.id,
        credit_account_id=other.id,
        amount=AMOUNT_MAX,
        ledger="USD",
        code=1,
        flags=TransferFlags.BALANCING_DEBIT,
    )
    out = apply_transfers([ask], [None], _state(limited, other))
    assert out.results == [TR.OK]
    assert out.transfers[0].amount == 30
    assert ask.amount == AMOUNT_MAX
    assert limited.counters() == (0, 30, 0, 30)
