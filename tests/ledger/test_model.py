"""Random batches against the reference model (tests/ledger/model.py), on both backends.

Every batch must give the model's results and balances, and DESIGN.md's invariants must hold
after every scenario.
"""

from __future__ import annotations

import uuid

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.clock import ManualClock
from strongroom.ids import new_id
from strongroom.ledger import (
    Account,
    AccountFlags,
    AccountStatus,
    Ledger,
    Transfer,
    TransferFlags,
)
from tests.ledger.model import NIL, Model, ModelAccount
from tests.strategies import amounts, codes, ledgers

F = TransferFlags
A = AccountFlags
TICK_SECONDS = 1.001

POOL = [
    ("USD", A.NONE, 0, AccountStatus.OPEN, "default"),
    ("USD", A.DEBITS_MUST_NOT_EXCEED_CREDITS, 0, AccountStatus.OPEN, "default"),
    ("USD", A.DEBITS_MUST_NOT_EXCEED_CREDITS | A.HISTORY, 500, AccountStatus.OPEN, "default"),
    ("USD", A.CREDITS_MUST_NOT_EXCEED_DEBITS, 300, AccountStatus.OPEN, "default"),
    ("EUR", A.NONE, 0, AccountStatus.OPEN, "default"),
    ("USD", A.NONE, 0, AccountStatus.FROZEN, "default"),
    ("USD", A.NONE, 0, AccountStatus.CLOSED, "default"),
    ("USD", A.NONE, 0, AccountStatus.OPEN, "other"),
]


async def _pool(ledger: Ledger, model: Model) -> list[uuid.UUID]:
    ids = []
    accounts = []
    for currency, flags, overdraft, status, tenant in POOL:
        account_id = new_id()
        ids.append(account_id)
        accounts.append(
            Account(
                id=account_id,
                ledger=currency,
                code=1,
                flags=flags,
                overdraft_limit=overdraft,
                tenant=tenant,
            )
        )
        model.accounts[account_id] = ModelAccount(
            account_id, currency, flags, overdraft, status, tenant
        )
    assert {r.value for r in await ledger.create_accounts(accounts)} == {"ok"}
    for account_id, (*_, status, _tenant) in zip(ids, POOL, strict=True):
        if status is not AccountStatus.OPEN:
            await ledger.set_account_status(account_id, status)
    return ids


@st.composite
def transfer_spec(draw: st.DrawFn, pool: list[uuid.UUID], seen: list[Transfer]) -> Transfer:
    kind = draw(
        st.sampled_from(["plain", "plain", "plain", "pending", "post", "void", "retry", "conflict"])
    )
    linked = F.LINKED if draw(st.integers(0, 9)) < 3 else F.NONE
    if kind in ("retry", "conflict") and seen:
        original = draw(st.sampled_from(seen))
        if kind == "retry":
            return original
        return msgspec.structs.replace(original, amount=original.amount + 1)
    if kind in ("post", "void"):
        pendings = [t.id for t in seen if t.flags & F.PENDING]
        pending_id = draw(st.sampled_from([*pendings, new_id()])) if pendings else new_id()
        amount = draw(st.one_of(st.just(0), amounts))
        flag = F.POST_PENDING if kind == "post" else F.VOID_PENDING
        if draw(st.integers(0, 19)) == 0:
            flag |= F.PENDING
        return Transfer(id=new_id(), pending_id=pending_id, amount=amount, flags=flag | linked)
    accounts = (
        st.sampled_from([*pool, NIL, new_id()])
        if draw(st.integers(0, 3)) == 0
        else st.sampled_from(pool[:4])
    )
    flags = linked
    timeout = 0
    if kind == "pending":
        flags |= F.PENDING
        timeout = draw(st.sampled_from([0, 0, 1, 2]))
    balancing = draw(st.integers(0, 9))
    if balancing == 0:
        flags |= F.BALANCING_DEBIT
    elif balancing == 1:
        flags |= F.BALANCING_CREDIT
    return Transfer(
        id=new_id(),
        debit_account_id=draw(accounts),
        credit_account_id=draw(accounts),
        amount=draw(amounts),
        ledger=draw(ledgers),
        code=draw(codes),
        flags=flags,
        timeout=timeout,
        metadata=draw(st.sampled_from([None, None, {"ref": "x"}])),
    )


@settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_batches_match_the_reference_model(
    ledger: Ledger, clock: ManualClock, data: st.DataObject
) -> None:
    ledger_ = ledger
    model = Model()
    pool = await _pool(ledger_, model)
    # Fund the limited accounts so that most generated transfers can succeed.
    funding = [
        Transfer(
            id=new_id(),
            debit_account_id=pool[0],
            credit_account_id=account_id,
            amount=5_000,
            ledger="USD",
            code=1,
        )
        for account_id in pool[1:3]
    ]
    assert model.batch(funding) == ["ok", "ok"]
    assert [r.value for r in await ledger_.create_transfers(funding)] == ["ok", "ok"]
    seen: list[Transfer] = []
    for _ in range(data.draw(st.integers(1, 6), label="batches")):
        if data.draw(st.booleans(), label="tick"):
            clock.advance(TICK_SECONDS)
            model.tick += 1
        batch = data.draw(st.lists(transfer_spec(pool, seen), min_size=1, max_size=16))
        expected = model.batch(batch)
        got = [r.value for r in await ledger_.create_transfers(batch)]
        assert got == expected, batch
        seen.extend(batch)
        accounts = await ledger_.lookup_accounts(pool)
        for account in accounts:
            m = model.accounts[account.id]
            assert (
                account.debits_pending,
                account.debits_posted,
                account.credits_pending,
                account.credits_posted,
            ) == (m.dp, m.dpo, m.cp, m.cpo), account
    report = await ledger_.check_invariants()
    assert report.ok, report.violations
