"""LedgerService: roles, tenant scoping, typed specs, and the actor it binds for ledger events."""

from __future__ import annotations

import json
import uuid

import pytest

from strongroom.errors import NotFound, PermissionDenied, ValidationError
from strongroom.ids import new_id
from strongroom.ledger import (
    AccountFilter,
    AccountStatus,
    CreateTransferResult,
    HistoryQuery,
    Ledger,
    TransferQuery,
)
from strongroom.services.access import AccessService, Principal, Role
from strongroom.services.ledger import AccountSpec, LedgerService, TransferSpec
from strongroom.tracing import bound


def _account() -> AccountSpec:
    return AccountSpec(id=new_id(), ledger="USD", code=1)


def _transfer(a: AccountSpec, b: AccountSpec) -> TransferSpec:
    return TransferSpec(
        id=new_id(),
        debit_account_id=a.id,
        credit_account_id=b.id,
        amount=5,
        ledger="USD",
        code=1,
    )


async def _who(keys: AccessService, tenant: str, role: Role) -> Principal:
    return (await keys.create(tenant, role)).key


async def test_created_items_belong_to_the_callers_tenant(
    service: LedgerService, keys: AccessService
) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    a, b = _account(), _account()
    await service.create_accounts(acme, [a, b])
    account = await service.get_account(acme, a.id)
    assert account.tenant == "acme"
    t = _transfer(a, b)
    assert await service.create_transfers(acme, [t]) == [CreateTransferResult.OK]
    assert (await service.get_transfer(acme, t.id)).tenant == "acme"


async def test_a_spec_cannot_choose_its_tenant(service: LedgerService, keys: AccessService) -> None:
    with pytest.raises(TypeError):
        AccountSpec(id=new_id(), ledger="USD", code=1, tenant="globex")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        TransferSpec(id=new_id(), tenant="globex")  # type: ignore[call-arg]


async def test_another_tenants_data_is_not_found(
    service: LedgerService, keys: AccessService
) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    globex = await _who(keys, "globex", Role.ADMIN)
    a, b = _account(), _account()
    await service.create_accounts(acme, [a, b])
    t = _transfer(a, b)
    await service.create_transfers(acme, [t])
    for call in (
        service.get_account(globex, a.id),
        service.get_transfer(globex, t.id),
        service.account_transfers(globex, TransferQuery(a.id)),
        service.account_balances(globex, HistoryQuery(a.id)),
        service.set_account_status(globex, a.id, AccountStatus.FROZEN),
    ):
        with pytest.raises(NotFound):
            await call
    assert (await service.list_accounts(globex)).items == []
    theirs = _account()
    await service.create_accounts(globex, [theirs])
    steal = _transfer(b, theirs)
    assert await service.create_transfers(globex, [steal]) == [
        CreateTransferResult.ACCOUNT_NOT_FOUND
    ]


async def test_listing_filters_reach_the_ledger(
    service: LedgerService, keys: AccessService
) -> None:
    acme = await _who(keys, "acme", Role.ADMIN)
    a, b = _account(), AccountSpec(id=new_id(), ledger="EUR", code=2)
    await service.create_accounts(acme, [a, b])
    page = await service.list_accounts(acme, AccountFilter(ledger="EUR"))
    assert [x.id for x in page.items] == [b.id]
    c = _account()
    await service.create_accounts(acme, [c])
    t = _transfer(a, c)
    assert await service.create_transfers(acme, [t]) == [CreateTransferResult.OK]
    moved = await service.account_transfers(acme, TransferQuery(a.id, code=1))
    assert [x.id for x in moved.items] == [t.id]
    assert (await service.account_transfers(acme, TransferQuery(a.id, code=2))).items == []


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.READ, {"read"}),
        (Role.WRITE, {"read", "write"}),
        (Role.ADMIN, {"read", "write", "admin"}),
    ],
)
async def test_roles_gate_operations(
    service: LedgerService, keys: AccessService, role: Role, allowed: set[str]
) -> None:
    owner = await _who(keys, "acme", Role.ADMIN)
    a = _account()
    await service.create_accounts(owner, [a])
    who = await _who(keys, "acme", role)
    calls = {
        "read": lambda: service.get_account(who, a.id),
        "write": lambda: service.create_accounts(who, [_account()]),
        "admin": lambda: service.set_account_status(who, a.id, AccountStatus.OPEN),
    }
    for needed, call in calls.items():
        if needed in allowed:
            await call()
        else:
            with pytest.raises(PermissionDenied):
                await call()


async def test_validation_errors_name_the_item(service: LedgerService, keys: AccessService) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    bad_id = TransferSpec(id="not-a-uuid")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        await service.create_transfers(acme, [TransferSpec(id=new_id()), bad_id])
    assert caught.value.field == "transfers[1].id"
    bad_flags = AccountSpec(id=new_id(), ledger="USD", code=1, flags=1 << 20)
    with pytest.raises(ValidationError) as caught:
        await service.create_accounts(acme, [_account(), _account(), bad_flags])
    assert caught.value.field == "accounts[2].flags"


async def test_ledger_events_carry_the_trace_id_and_the_key(
    service: LedgerService, keys: AccessService, ledger: Ledger
) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    with bound("trace-42"):
        await service.create_accounts(acme, [_account()])
    async with ledger.store.transaction() as tx:
        db = getattr(tx, "_db", None) or getattr(tx, "_conn", None)
        assert db is not None
        if ledger.store.kind == "sqlite":
            async with db.execute("SELECT events FROM outbox") as cursor:
                rows = [r[0] for r in await cursor.fetchall()]
        else:
            rows = [r[0] for r in await db.fetch("SELECT events FROM outbox")]
    text = json.dumps([json.loads(r) for r in rows])
    assert "trace-42" in text
    assert acme.id in text
    assert "acme" in text


async def test_an_unknown_account_id_is_not_found(
    service: LedgerService, keys: AccessService
) -> None:
    acme = await _who(keys, "acme", Role.READ)
    with pytest.raises(NotFound):
        await service.account_transfers(acme, TransferQuery(uuid.UUID(int=0)))
