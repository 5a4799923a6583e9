"""Planning a batch (strongroom.ledger.engine.planning), without a database: what it touches,
which accounts it locks and how, which it only adds deltas to."""

from __future__ import annotations

from strongroom.ids import NIL, new_id
from strongroom.ledger.buckets import ALL, SplitSettings
from strongroom.ledger.engine.accounts import template
from strongroom.ledger.engine.planning import DELTA_SAFE_AMOUNT, hot, plan, touched
from strongroom.ledger.rules import PendingRecord
from strongroom.ledger.types import AccountFlags, PendingState, TransferFlags
from tests.ledger.engine.builders import batch, meta, rows
from tests.ledger.helpers import transfer


def test_touched_sorts_accounts_by_what_the_rules_need_of_them() -> None:
    a, b, c, d, e, f = (new_id() for _ in range(6))
    pending_id = new_id()
    t = touched(
        [
            transfer(a, b, 1),
            transfer(a, c, 1, TransferFlags.PENDING),
            transfer(a, d, 1, TransferFlags.BALANCING_DEBIT),
            transfer(a, e, DELTA_SAFE_AMOUNT + 1),
            transfer(NIL, NIL, 0, TransferFlags.POST_PENDING, pending_id=pending_id),
            transfer(NIL, f, 1),
        ]
    )
    assert t.ids == {x.int: x for x in (a, b, c, d, e, f)}
    assert t.touches[a.int] == 4
    assert t.whole == {a.int, c.int}
    assert t.exact == {a.int, d.int, e.int}
    assert t.pending_refs == {pending_id}
    # The zero id names no account: never planned, never hot.
    assert NIL.int not in t.touches


def test_hot_accounts_are_in_a_share_of_the_batch_and_a_minimum_of_transfers() -> None:
    hub, *spokes = (new_id() for _ in range(41))
    t = touched([transfer(hub, s, 1) for s in spokes])
    settings = SplitSettings(hot_share=0.1, hot_min=16)
    assert hot(t, 40, settings) == [hub.int]
    assert hot(t, 40, SplitSettings(hot_share=0.1, hot_min=41)) == []


async def test_a_batch_never_counts_the_zero_id_as_hot() -> None:
    account = new_id()
    b = batch([transfer(NIL, account, 1) for _ in range(20)])
    assert b.hot_ids == [account]


def test_accounts_without_limits_history_or_heat_are_only_added_to() -> None:
    plain, limited, history, missing = (
        meta(),
        meta(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
        meta(AccountFlags.HISTORY),
        meta(),
    )
    templates = {m.id.int: template(m) for m in (plain, limited, history)}
    t = touched(
        [
            transfer(limited.id, plain.id, 1),
            transfer(plain.id, history.id, 1),
            transfer(plain.id, missing.id, 1),
        ]
    )
    p = plan(t, templates, [], {}, slot=0, exact=False)
    assert p.modes == {limited.id.int: ALL, history.id.int: ALL}
    assert p.whole == sorted([limited.id, history.id], key=lambda u: u.int)
    assert p.pairs == []
    # A delta account's state is a zero-counter copy: the cached template stays as it was.
    assert list(p.balances) == [plain.id.int]
    state = p.balances[plain.id.int]
    assert state is not templates[plain.id.int]
    assert state.counters() == (0, 0, 0, 0)
    state.debits_posted += 5
    assert templates[plain.id.int].counters() == (0, 0, 0, 0)
    # An account without a template does not exist: planned neither way.
    assert missing.id.int not in p.modes
    assert missing.id.int not in p.balances


def test_exact_locks_every_account() -> None:
    a, b = meta(), meta()
    templates = {m.id.int: template(m) for m in (a, b)}
    p = plan(touched([transfer(a.id, b.id, 1)]), templates, [], {}, slot=0, exact=True)
    assert p.modes == {a.id.int: ALL, b.id.int: ALL}
    assert p.balances == {}


def test_a_split_account_is_locked_at_the_workers_bucket_unless_it_reserves() -> None:
    split, other = meta(), meta()
    templates = {m.id.int: template(m) for m in (split, other)}
    counts = {split.id.int: 4}
    p = plan(touched([transfer(split.id, other.id, 1)]), templates, [], counts, 6, False)
    assert p.modes == {split.id.int: 2}
    assert p.pairs == [(split.id, 2)]
    assert p.whole == []
    reserving = touched([transfer(split.id, other.id, 1, TransferFlags.PENDING)])
    p = plan(reserving, templates, [], counts, 6, False)
    assert p.modes == {split.id.int: ALL, other.id.int: ALL}


def test_hot_accounts_are_locked_and_the_lock_lists_are_in_database_order() -> None:
    accounts = [meta() for _ in range(6)]
    templates = {m.id.int: template(m) for m in accounts}
    t = touched(
        [transfer(x.id, y.id, 1) for x, y in zip(accounts[::2], accounts[1::2], strict=True)]
    )
    p = plan(t, templates, [m.id.int for m in accounts], {}, 0, False)
    assert p.whole == sorted((m.id for m in accounts), key=lambda u: u.int)


def test_due_and_posted_pendings_add_their_accounts_locked_whole() -> None:
    a, b, c = new_id(), new_id(), new_id()
    t = touched([transfer(a, b, 1)])
    record = PendingRecord(new_id(), b, c, 1, "USD", 1, "default", 0, PendingState.PENDING)
    more = t.including([record], frozenset({a}))
    assert more.ids == {x.int: x for x in (a, b, c)}
    assert more.whole == {a.int, b.int, c.int}
    # The batch's own touches are unchanged: every attempt starts from them.
    assert t.whole == set()
    assert c.int not in t.ids
    assert t.including([], frozenset()) is t


def test_a_plan_is_stale_when_a_bucket_it_locks_alone_is_gone() -> None:
    split, whole = meta(), meta()
    templates = {m.id.int: template(m) for m in (split, whole)}
    t = touched([transfer(split.id, whole.id, 1)])
    p = plan(t, templates, [], {split.id.int: 2}, 1, False)
    assert p.modes == {split.id.int: 1}
    assert p.stale({})
    assert not p.stale({split.id: rows(split, (0, 0, 0, 0))})
