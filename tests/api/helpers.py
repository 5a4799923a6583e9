"""Request bodies shared by the HTTP and gRPC tests."""

from __future__ import annotations

from typing import Any

from strongroom.ids import new_id


def account(**fields: Any) -> dict[str, Any]:
    return {"id": str(new_id()), "ledger": "USD", "code": 1, **fields}


def transfer(debit: str, credit: str, amount: int | str = 100, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(new_id()),
        "debit_account_id": debit,
        "credit_account_id": credit,
        "amount": amount,
        "ledger": "USD",
        "code": 1,
        **fields,
    }
