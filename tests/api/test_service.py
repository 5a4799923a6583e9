"""The service layer: roles, tenant scoping, and the actor it binds for ledger events."""

from __future__ import annotations

import json
import uuid

import pytest

from strongroom.api.keys import KeyStore, Role
from strongroom.api.service import LedgerService
from strongroom.errors import NotFound, PermissionDenied, ValidationError
from strongroom.ids import new_id
from strongroom.ledger import AccountStatus, CreateTransferResult, Ledger
from strongroom.tracing import bound


@pytest.fixture
def service(ledger: Ledger, keys: KeyStore) -> LedgerService:
    return LedgerService(ledger, keys)


def _account() -> dict[str, object]:
    return {"id": new_id(), "ledger": "USD", "code": 1}


async def _who(keys: KeyStore, tenant: str, role: Role) -> object:
    return (await keys.create(tenant, role)).key


async def test_created_items_belong_to_the_callers_tenant(
    service: LedgerService, keys: KeyStore
) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    a, b = _account(), _account()
    await service.create_accounts(acme, [a, b])
    account = await service.get_account(acme, a["id"])
    assert account.tenant == "acme"
    t = {
        "id": new_id(),
        "debit_account_id": a["id"],
        "credit_account_id": b["id"],
        "amount": 5,
        "ledger": "USD",
        "code": 1,
    }
    assert await service.create_transfers(acme, [t]) == [CreateTransferResult.OK]
    assert (await service.get_transfer(acme, t["id"])).tenant == "acme"


async def test_a_spec_cannot_choose_its_tenant(service: LedgerService, keys: KeyStore) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    with pytest.raises(TypeError):
        await service.create_accounts(acme, [{**_account(), "tenant": "globex"}])


async def test_another_tenants_data_is_not_found(service: LedgerService, keys: KeyStore) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    globex = await _who(keys, "globex", Role.ADMIN)
    a, b = _account(), _account()
    await service.create_accounts(acme, [a, b])
    t = {
        "id": new_id(),
        "debit_account_id": a["id"],
        "credit_account_id": b["id"],
        "amount": 5,
        "ledger": "USD",
        "code": 1,
    }
    await service.create_transfers(acme, [t])
    for call in (
        service.get_account(globex, a["id"]),
        service.get_transfer(globex, t["id"]),
        service.account_transfers(globex, a["id"]),
        service.account_balances(globex, a["id"]),
        service.set_account_status(globex, a["id"], AccountStatus.FROZEN),
    ):
        with pytest.raises(NotFound):
            await call
    assert (await service.list_accounts(globex)).items == []
    steal = {
        **t,
        "id": new_id(),
        "debit_account_id": b["id"],
        "credit_account_id": _account()["id"],
    }
    await service.create_accounts(
        globex, [{"id": steal["credit_account_id"], "ledger": "USD", "code": 1}]
    )
    assert await service.create_transfers(globex, [steal]) == [
        CreateTransferResult.ACCOUNT_NOT_FOUND
    ]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.READ, {"read"}),
        (Role.WRITE, {"read", "write"}),
        (Role.ADMIN, {"read", "write", "admin"}),
    ],
)
async def test_roles_gate_operations(
    service: LedgerService, keys: KeyStore, role: Role, allowed: set[str]
) -> None:
    owner = await _who(keys, "acme", Role.ADMIN)
    a = _account()
    await service.create_accounts(owner, [a])
    who = await _who(keys, "acme", role)
    calls = {
        "read": lambda: service.get_account(who, a["id"]),
        "write": lambda: service.create_accounts(who, [_account()]),
        "admin": lambda: service.set_account_status(who, a["id"], AccountStatus.OPEN),
    }
    for needed, call in calls.items():
        if needed in allowed:
            await call()
        else:
            with pytest.raises(PermissionDenied):
                await call()


async def test_validation_errors_name_the_item(service: LedgerService, keys: KeyStore) -> None:
    acme = await _who(keys, "acme", Role.WRITE)
    with pytest.raises(ValidationError) as caught:
        await service.create_transfers(acme, [{"id": new_id()}, {"id": "not-a-uuid"}])
    assert caught.value.field == "transfers[1].id"


async def test_ledger_events_carry_the_trace_id_and_the_key(
    service: LedgerService, keys: KeyStore, ledger: Ledger
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


async def test_an_unknown_account_id_is_not_found(service: LedgerService, keys: KeyStore) -> None:
    acme = await _who(keys, "acme", Role.READ)
    with pytest.raises(NotFound):
        await service.account_transfers(acme, uuid.UUID(int=0))
