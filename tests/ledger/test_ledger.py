"""The ledger's documented behaviour, one case per flag and result code, on both backends."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from strongroom.clock import ManualClock
from strongroom.errors import BatchTooLarge, Conflict, NotFound, ValidationError
from strongroom.ids import NIL, new_id
from strongroom.ledger import (
    BATCH_MAX,
    Account,
    AccountFilter,
    AccountFlags,
    AccountStatus,
    HistoryQuery,
    Ledger,
    PendingState,
    Transfer,
    TransferFlags,
    TransferQuery,
)
from tests.ledger.helpers import account, counters, open_accounts, results, transfer

F = TransferFlags
DMNEC = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
CMNED = AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
MAX = 2**63 - 1


async def test_accounts_are_created_once(ledger: Ledger) -> None:
    a = account(metadata={"owner": "ada"})
    assert [r.value for r in await ledger.create_accounts([a])] == ["ok"]
    assert [r.value for r in await ledger.create_accounts([a])] == ["exists"]
    changed = [
        dataclasses.replace(a, code=2),
        dataclasses.replace(a, ledger="EUR"),
        dataclasses.replace(a, flags=DMNEC),
        dataclasses.replace(a, metadata={"owner": "bob"}),
    ]
    assert [r.value for r in await ledger.create_accounts(changed)] == [
        "exists_with_different_code",
        "exists_with_different_ledger",
        "exists_with_different_flags",
        "exists_with_different_metadata",
    ]
    (stored,) = await ledger.lookup_accounts([a.id])
    assert stored.metadata == {"owner": "ada"}
    assert stored.timestamp > 0


async def test_bad_accounts_get_a_code_and_are_not_created(ledger: Ledger) -> None:
    bad = [
        Account(id=NIL, ledger="USD", code=1),
        Account(id=new_id(), ledger="XYZ", code=1),
        Account(id=new_id(), ledger="USD", code=0),
        Account(id=new_id(), ledger="USD", code=1, flags=DMNEC | CMNED),
        Account(id=new_id(), ledger="USD", code=1, flags=DMNEC, overdraft_limit=-1),
        Account(id=new_id(), ledger="USD", code=1, overdraft_limit=10),
        Account(id=new_id(), ledger="USD", code=1, credits_posted=10),
        Account(id=new_id(), ledger="USD", code=1, status=AccountStatus.FROZEN),
    ]
    assert [r.value for r in await ledger.create_accounts(bad)] == [
        "id_must_not_be_zero",
        "ledger_unknown",
        "code_must_not_be_zero",
        "flags_are_mutually_exclusive",
        "overdraft_limit_out_of_range",
        "overdraft_limit_requires_limit_flag",
        "balances_must_be_zero",
        "status_must_be_open",
    ]
    assert await ledger.lookup_accounts([a.id for a in bad]) == []


async def test_a_transfer_moves_money_once(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(), account())
    t = transfer(a, b, 250, metadata={"ref": "inv-1"})
    assert await results(ledger, t) == ["ok"]
    assert await results(ledger, t) == ["exists"]
    assert await counters(ledger, a) == (0, 250, 0, 0)
    assert await counters(ledger, b) == (0, 0, 0, 250)
    (stored,) = await ledger.lookup_transfers([t.id])
    assert stored.seq > 0
    assert stored.timestamp > 0
    assert stored.metadata == {"ref": "inv-1"}


async def test_reusing_an_id_for_other_content_is_refused(ledger: Ledger) -> None:
    a, b, c = await open_accounts(ledger, account(), account(), account())
    t = transfer(a, b, 100, code=5)
    assert await results(ledger, t) == ["ok"]
    assert await results(
        ledger,
        msgspec.structs.replace(t, amount=101),
        msgspec.structs.replace(t, credit_account_id=c),
        msgspec.structs.replace(t, code=6),
        msgspec.structs.replace(t, flags=F.PENDING),
        msgspec.structs.replace(t, metadata={"x": 1}),
    ) == [
        "exists_with_different_amount",
        "exists_with_different_credit_account_id",
        "exists_with_different_code",
        "exists_with_different_flags",
        "exists_with_different_metadata",
    ]
    assert await counters(ledger, b) == (0, 0, 0, 100)


async def test_transfer_checks_that_need_no_account(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(), account())
    assert await results(
        ledger,
        transfer(a, b, 1, id=NIL),
        transfer(a, a, 1),
        transfer(a, b, 0),
        transfer(a, b, -1),
        transfer(a, b, MAX + 1),
        transfer(a, b, 1, ledger="XYZ"),
        transfer(a, b, 1, code=0),
        transfer(a, b, 1, code=70_000),
        transfer(a, b, 1, timeout=5),
        transfer(a, b, 1, pending_id=new_id()),
        transfer(a, b, 1, F.PENDING | F.POST_PENDING),
        transfer(a, b, 1, metadata={"blob": "x" * 5000}),
    ) == [
        "id_must_not_be_zero",
        "accounts_must_be_different",
        "amount_must_be_positive",
        "amount_must_be_positive",
        "amount_out_of_range",
        "ledger_unknown",
        "code_must_not_be_zero",
        "code_out_of_range",
        "timeout_reserved_for_pending_transfer",
        "pending_id_must_be_zero",
        "flags_are_mutually_exclusive",
        "metadata_too_large",
    ]
    assert await counters(ledger, a) == (0, 0, 0, 0)


async def test_accounts_must_exist_share_the_ledger_and_be_open(ledger: Ledger) -> None:
    a, b, eur, frozen, closed, foreign = await open_accounts(
        ledger,
        account(),
        account(),
        account("EUR"),
        account(),
        account(),
        account(tenant="other"),
    )
    await ledger.set_account_status(frozen, AccountStatus.FROZEN)
    await ledger.set_account_status(closed, AccountStatus.CLOSED)
    assert await results(
        ledger,
        transfer(a, new_id(), 1),
        transfer(a, eur, 1),
        transfer(a, b, 1, ledger="EUR"),
        transfer(a, frozen, 1),
        transfer(closed, b, 1),
        transfer(a, foreign, 1),
    ) == [
        "account_not_found",
        "ledger_mismatch",
        "ledger_mismatch",
        "account_frozen",
        "account_closed",
        "account_not_found",
    ]
    await ledger.set_account_status(frozen, AccountStatus.OPEN)
    assert await results(ledger, transfer(a, frozen, 1)) == ["ok"]


async def test_closing_needs_an_empty_account(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(), account())
    assert await results(ledger, transfer(a, b, 10)) == ["ok"]
    with pytest.raises(Conflict):
        await ledger.set_account_status(b, AccountStatus.CLOSED)
    assert await results(ledger, transfer(b, a, 10)) == ["ok"]
    closed = await ledger.set_account_status(b, AccountStatus.CLOSED)
    assert closed.status is AccountStatus.CLOSED
    with pytest.raises(Conflict):
        await ledger.set_account_status(b, AccountStatus.OPEN)
    with pytest.raises(NotFound):
        await ledger.set_account_status(new_id(), AccountStatus.FROZEN)


async def test_limits_and_overdraft(ledger: Ledger) -> None:
    bank, customer, loan = await open_accounts(
        ledger, account(), account(flags=DMNEC, overdraft_limit=50), account(flags=CMNED)
    )
    assert await results(ledger, transfer(bank, customer, 100)) == ["ok"]
    assert await results(
        ledger,
        transfer(customer, bank, 151),
        transfer(customer, bank, 150),
        transfer(customer, bank, 1),
        transfer(bank, loan, 1),
    ) == ["exceeds_credits", "ok", "exceeds_credits", "exceeds_debits"]
    assert await counters(ledger, customer) == (0, 150, 0, 100)


async def test_balancing_transfers_move_what_the_limit_allows(ledger: Ledger) -> None:
    bank, customer, sink = await open_accounts(
        ledger, account(), account(flags=DMNEC), account(flags=CMNED)
    )
    assert await results(ledger, transfer(bank, customer, 70)) == ["ok"]
    sweep = transfer(customer, bank, 1_000, F.BALANCING_DEBIT)
    assert await results(ledger, sweep) == ["ok"]
    (stored,) = await ledger.lookup_transfers([sweep.id])
    assert stored.amount == 70
    assert await results(ledger, sweep) == ["exists"]
    assert await results(ledger, transfer(customer, bank, 5, F.BALANCING_DEBIT)) == [
        "exceeds_credits"
    ]
    assert await results(ledger, transfer(sink, bank, 40)) == ["ok"]
    assert await results(ledger, transfer(bank, sink, 100, F.BALANCING_CREDIT)) == ["ok"]
    assert await counters(ledger, sink) == (0, 40, 0, 40)


async def test_linked_transfers_succeed_or_fail_together(ledger: Ledger) -> None:
    bank, customer, fees = await open_accounts(ledger, account(), account(flags=DMNEC), account())
    assert await results(ledger, transfer(bank, customer, 100)) == ["ok"]
    payment = transfer(customer, bank, 95, F.LINKED)
    fee = transfer(customer, fees, 10)
    after = transfer(bank, customer, 1)
    assert await results(ledger, payment, fee, after) == [
        "linked_event_failed",
        "exceeds_credits",
        "ok",
    ]
    assert await counters(ledger, customer) == (0, 0, 0, 101)
    assert await ledger.lookup_transfers([payment.id, fee.id]) == []
    ok_chain = [transfer(customer, bank, 90, F.LINKED), transfer(customer, fees, 10)]
    assert await results(ledger, *ok_chain) == ["ok", "ok"]
    assert await results(ledger, *ok_chain) == ["exists", "exists"]
    assert await results(ledger, transfer(bank, customer, 1, F.LINKED)) == [
        "linked_event_chain_open"
    ]
    open_chain = [transfer(bank, customer, 1, F.LINKED), transfer(bank, customer, 1, F.LINKED)]
    assert await results(ledger, *open_chain) == [
        "linked_event_failed",
        "linked_event_chain_open",
    ]
    assert await counters(ledger, customer) == (0, 100, 0, 101)


async def test_pending_transfers_post_partially_and_release_the_rest(ledger: Ledger) -> None:
    bank, customer, merchant = await open_accounts(
        ledger, account(), account(flags=DMNEC), account()
    )
    assert await results(ledger, transfer(bank, customer, 100)) == ["ok"]
    hold = transfer(customer, merchant, 80, F.PENDING)
    assert await results(ledger, hold) == ["ok"]
    assert await counters(ledger, customer) == (80, 0, 0, 100)
    assert await results(ledger, transfer(customer, bank, 30)) == ["exceeds_credits"]
    post = Transfer(id=new_id(), pending_id=hold.id, flags=F.POST_PENDING, amount=60)
    assert await results(ledger, post) == ["ok"]
    assert await counters(ledger, customer) == (0, 60, 0, 100)
    assert await counters(ledger, merchant) == (0, 0, 0, 60)
    (stored,) = await ledger.lookup_transfers([post.id])
    assert (stored.debit_account_id, stored.credit_account_id, stored.amount) == (
        customer,
        merchant,
        60,
    )
    assert await results(ledger, post) == ["exists"]
    again = Transfer(id=new_id(), pending_id=hold.id, flags=F.VOID_PENDING)
    assert await results(ledger, again) == ["pending_transfer_already_posted"]
    (pending,) = await ledger.lookup_pending_transfers([hold.id])
    assert pending.state is PendingState.POSTED


async def test_pending_resolution_errors(ledger: Ledger) -> None:
    a, b, c = await open_accounts(ledger, account(), account(), account())
    plain = transfer(a, b, 5)
    hold = transfer(a, b, 50, F.PENDING)
    assert await results(ledger, plain, hold) == ["ok", "ok"]

    def resolve(flag: TransferFlags, **kw: object) -> Transfer:
        return Transfer(id=new_id(), flags=flag, **kw)  # type: ignore[arg-type]

    assert await results(
        ledger,
        resolve(F.POST_PENDING),
        resolve(F.POST_PENDING, pending_id=new_id()),
        resolve(F.POST_PENDING, pending_id=plain.id),
        resolve(F.POST_PENDING, pending_id=hold.id, amount=51),
        resolve(F.VOID_PENDING, pending_id=hold.id, amount=10),
        resolve(F.POST_PENDING, pending_id=hold.id, debit_account_id=c),
        resolve(F.POST_PENDING, pending_id=hold.id, credit_account_id=c),
        resolve(F.POST_PENDING, pending_id=hold.id, ledger="EUR"),
        resolve(F.POST_PENDING, pending_id=hold.id, code=9),
        resolve(F.POST_PENDING | F.BALANCING_DEBIT, pending_id=hold.id),
        resolve(F.VOID_PENDING, pending_id=hold.id),
        resolve(F.VOID_PENDING, pending_id=hold.id),
    ) == [
        "pending_id_required",
        "pending_transfer_not_found",
        "pending_transfer_not_pending",
        "exceeds_pending_transfer_amount",
        "pending_transfer_has_different_amount",
        "pending_transfer_has_different_debit_account_id",
        "pending_transfer_has_different_credit_account_id",
        "pending_transfer_has_different_ledger",
        "pending_transfer_has_different_code",
        "flags_are_mutually_exclusive",
        "ok",
        "pending_transfer_already_voided",
    ]
    assert await counters(ledger, a) == (0, 5, 0, 0)


async def test_a_pending_transfer_expires_after_its_timeout(
    ledger: Ledger, clock: ManualClock
) -> None:
    bank, customer, merchant = await open_accounts(
        ledger, account(), account(flags=DMNEC), account()
    )
    assert await results(ledger, transfer(bank, customer, 100)) == ["ok"]
    hold = transfer(customer, merchant, 100, F.PENDING, timeout=60)
    assert await results(ledger, hold) == ["ok"]
    clock.advance(59)
    assert await ledger.expire_pending() == 0
    clock.advance(2)
    # Reported released before the sweeper runs...
    assert await counters(ledger, customer) == (0, 0, 0, 100)
    (pending,) = await ledger.lookup_pending_transfers([hold.id])
    assert pending.state is PendingState.EXPIRED
    # ...and refused for posting, which also releases it for good.
    post = Transfer(id=new_id(), pending_id=hold.id, flags=F.POST_PENDING)
    assert await results(ledger, post) == ["pending_transfer_expired"]
    assert await ledger.expire_pending() == 0
    assert await results(ledger, transfer(customer, bank, 100)) == ["ok"]


async def test_the_sweeper_releases_expired_reservations(
    ledger: Ledger, clock: ManualClock
) -> None:
    a, b = await open_accounts(ledger, account(), account())
    holds = [transfer(a, b, 10, F.PENDING, timeout=1) for _ in range(3)]
    assert await results(ledger, *holds) == ["ok"] * 3
    clock.advance(5)
    assert await ledger.expire_pending() == 3
    assert await counters(ledger, a) == (0, 0, 0, 0)
    assert await ledger.expire_pending() == 0


async def test_counters_cannot_overflow(ledger: Ledger) -> None:
    a, b, c = await open_accounts(ledger, account(), account(), account())
    assert await results(ledger, transfer(a, b, MAX)) == ["ok"]
    assert await results(
        ledger,
        transfer(a, c, 1),
        transfer(c, b, 1),
        transfer(a, c, 1, F.PENDING),
    ) == ["overflows_debits_posted", "overflows_credits_posted", "overflows_debits"]


async def test_history_accounts_keep_every_balance(ledger: Ledger) -> None:
    a, h = await open_accounts(ledger, account(), account(flags=AccountFlags.HISTORY))
    for amount in (10, 20, 30):
        assert await results(ledger, transfer(a, h, amount)) == ["ok"]
    page = await ledger.get_account_balances(HistoryQuery(h, limit=2))
    assert [b.credits_posted for b in page.items] == [10, 30]
    assert page.next_cursor is not None
    rest = await ledger.get_account_balances(HistoryQuery(h, cursor=page.next_cursor))
    assert [b.credits_posted for b in rest.items] == [60]
    assert rest.next_cursor is None
    newest = await ledger.get_account_balances(HistoryQuery(h, reverse=True, limit=1))
    assert newest.items[0].credits_posted == 60


async def test_account_transfers_filter_and_page(ledger: Ledger) -> None:
    a, b, c = await open_accounts(ledger, account(), account(), account())
    sent = [transfer(a, b, i + 1, code=1 + i % 2) for i in range(5)]
    received = [transfer(c, a, 100)]
    assert await results(ledger, *sent, *received) == ["ok"] * 6
    both = await ledger.get_account_transfers(TransferQuery(a))
    assert [t.id for t in both.items] == [t.id for t in [*sent, *received]]
    debits = await ledger.get_account_transfers(TransferQuery(a, direction="debits", code=2))
    assert [t.amount for t in debits.items] == [2, 4]
    credits = await ledger.get_account_transfers(TransferQuery(a, direction="credits"))
    assert [t.amount for t in credits.items] == [100]
    first = await ledger.get_account_transfers(TransferQuery(a, limit=4))
    assert first.next_cursor is not None
    second = await ledger.get_account_transfers(TransferQuery(a, limit=4, cursor=first.next_cursor))
    assert [t.id for t in first.items + second.items] == [t.id for t in both.items]
    newest = await ledger.get_account_transfers(TransferQuery(a, reverse=True, limit=1))
    assert newest.items[0].id == received[0].id
    window = await ledger.get_account_transfers(
        TransferQuery(a, seq_min=both.items[1].seq, seq_max=both.items[2].seq)
    )
    assert [t.amount for t in window.items] == [2, 3]
    with pytest.raises(ValidationError):
        await ledger.get_account_transfers(TransferQuery(a, cursor="%%%"))
    with pytest.raises(ValidationError):
        await ledger.get_account_transfers(TransferQuery(a, limit=0))


async def test_list_accounts_by_tenant(ledger: Ledger) -> None:
    mine = await open_accounts(ledger, *(account(tenant="t1") for _ in range(3)))
    await open_accounts(ledger, account(tenant="t2"))
    first = await ledger.list_accounts(AccountFilter(limit=2), tenant="t1")
    second = await ledger.list_accounts(
        AccountFilter(limit=2, cursor=first.next_cursor), tenant="t1"
    )
    assert sorted(a.id for a in first.items + second.items) == sorted(mine)
    assert second.next_cursor is None


async def test_list_accounts_filters_in_the_query_so_pages_are_full(ledger: Ledger) -> None:
    def of(ledger_code: str, code: int) -> Account:
        return Account(id=new_id(), ledger=ledger_code, code=code, tenant="t1")

    # Ids grow with creation (UUIDv7): the unwanted ones lie between the wanted ones, where
    # filtering a fetched page would have left holes in it.
    unwanted = [
        lambda: of("USD", 7),
        lambda: of("EUR", 8),
        lambda: Account(id=new_id(), ledger="EUR", code=7, tenant="t2"),
    ]
    created = [of("EUR", 7)]
    for make in unwanted:
        created += [make(), of("EUR", 7)]
    wanted = created[::2]
    assert sorted(a.id for a in created) == [a.id for a in created]
    await open_accounts(ledger, *created)
    await ledger.set_account_status(wanted[1].id, AccountStatus.FROZEN)
    query = AccountFilter(ledger="EUR", code=7, limit=2)
    first = await ledger.list_accounts(query, tenant="t1")
    assert [a.id for a in first.items] == [wanted[0].id, wanted[1].id]
    rest = await ledger.list_accounts(
        AccountFilter(ledger="EUR", code=7, limit=2, cursor=first.next_cursor), tenant="t1"
    )
    assert [a.id for a in rest.items] == [wanted[2].id, wanted[3].id]
    assert rest.next_cursor is None
    frozen = await ledger.list_accounts(AccountFilter(status=AccountStatus.FROZEN), tenant="t1")
    assert [a.id for a in frozen.items] == [wanted[1].id]
    assert (await ledger.list_accounts(AccountFilter(ledger="GBP"))).items == []


async def test_lookups_scoped_to_a_tenant_leave_out_the_others(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(tenant="t1"), account(tenant="t1"))
    (c,) = await open_accounts(ledger, account(tenant="t2"))
    move = transfer(a, b, 5, tenant="t1")
    hold = transfer(a, b, 5, TransferFlags.PENDING, tenant="t1")
    assert await results(ledger, move, hold) == ["ok", "ok"]
    assert [x.id for x in await ledger.lookup_accounts([c, a, b], tenant="t1")] == [a, b]
    assert await ledger.lookup_accounts([a], tenant="t2") == []
    assert [x.id for x in await ledger.lookup_accounts([c, a])] == [c, a]
    assert await ledger.lookup_transfers([move.id], tenant="t2") == []
    assert [t.id for t in await ledger.lookup_transfers([move.id], tenant="t1")] == [move.id]
    assert await ledger.lookup_pending_transfers([hold.id], tenant="t2") == []
    (pending,) = await ledger.lookup_pending_transfers([hold.id], tenant="t1")
    assert pending.state is PendingState.PENDING


async def test_malformed_input_raises_a_typed_error_and_writes_nothing(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(), account())
    with pytest.raises(ValidationError, match="debit_account_id"):
        Transfer(id=new_id(), debit_account_id="not-a-uuid", credit_account_id=b)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="amount"):
        Transfer(id=new_id(), debit_account_id=a, credit_account_id=b, amount=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="flags"):
        Transfer(id=new_id(), flags=1 << 20)
    # PostgreSQL text cannot hold NUL, and SQLite's JSON insert would cut the tenant there.
    with pytest.raises(ValidationError, match="tenant"):
        Transfer(id=new_id(), debit_account_id=a, credit_account_id=b, tenant="acme\x00x")
    with pytest.raises(ValidationError, match="tenant"):
        account(tenant="acme\x00x")
    with pytest.raises(ValidationError, match=r"transfers\[1\]\.metadata"):
        await ledger.create_transfers(
            [transfer(a, b, 1), transfer(a, b, 1, metadata={"when": object()})]
        )
    with pytest.raises(ValidationError, match=r"transfers\[0\]"):
        await ledger.create_transfers(["nope"])  # type: ignore[list-item]
    too_many = [transfer(a, b, 1) for _ in range(BATCH_MAX + 1)]
    with pytest.raises(BatchTooLarge):
        await ledger.create_transfers(too_many)
    assert await counters(ledger, a) == (0, 0, 0, 0)


async def test_a_full_batch_is_accepted(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(), account())
    batch = [transfer(a, b, 1) for _ in range(BATCH_MAX)]
    assert set(await results(ledger, *batch)) == {"ok"}
    assert await counters(ledger, b) == (0, 0, 0, BATCH_MAX)


async def test_a_zero_pending_id_means_none(ledger: Ledger) -> None:
    a, b = await open_accounts(ledger, account(), account())
    first, second = transfer(a, b, 1, pending_id=NIL), transfer(a, b, 1, pending_id=NIL)
    assert first.pending_id is None
    assert await results(ledger, first, second) == ["ok", "ok"]


async def test_closing_releases_expired_reservations_first(
    ledger: Ledger, clock: ManualClock
) -> None:
    a, b = await open_accounts(ledger, account(), account())
    assert await results(ledger, transfer(a, b, 10, F.PENDING, timeout=1)) == ["ok"]
    clock.advance(2)
    closed = await ledger.set_account_status(a, AccountStatus.CLOSED)
    assert closed.status is AccountStatus.CLOSED
    assert await counters(ledger, a) == (0, 0, 0, 0)
