"""SQL filters of the ledger's listings and lookups, shared by both backends.

Each function returns ` AND ...` clauses and their values; `placeholder(n)` renders the n-th
parameter in the backend's style (`?` or `$n`), numbered from `first`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strongroom.ledger.queries import AccountFilter, AccountRange, TransferQuery
from strongroom.ledger.types import TransferFlags

Placeholder = Callable[[int], str]


def _clauses(
    candidates: list[tuple[str, str, object]], placeholder: Placeholder, first: int
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, op, value in candidates:
        if value is not None:
            clauses.append(f" AND {column} {op} {placeholder(first + len(params))}")
            params.append(value)
    return "".join(clauses), params


def range_filters(
    query: AccountRange, placeholder: Placeholder, first: int = 1
) -> tuple[str, list[Any]]:
    """The seq/timestamp bounds, the cursor and (for transfers) the code of an account's log."""
    candidates: list[tuple[str, str, object]] = [
        ("seq", ">=", query.seq_min),
        ("seq", "<=", query.seq_max),
        ("timestamp", ">=", query.timestamp_min),
        ("timestamp", "<=", query.timestamp_max),
        ("seq", "<" if query.reverse else ">", query.after_seq),
    ]
    if isinstance(query, TransferQuery):
        candidates.append(("code", "=", query.code))
    return _clauses(candidates, placeholder, first)


def account_filters(
    query: AccountFilter,
    tenant: str | None,
    after: object,
    placeholder: Placeholder,
    first: int = 1,
) -> tuple[str, list[Any]]:
    """The filters of a listing of accounts (`a`), `after` being the cursor's id in the
    backend's form."""
    candidates: list[tuple[str, str, object]] = [
        ("a.tenant", "=", tenant),
        ("a.ledger", "=", query.ledger),
        ("a.code", "=", query.code),
        ("a.status", "=", query.status.value if query.status is not None else None),
        ("a.id", ">", after),
    ]
    return _clauses(candidates, placeholder, first)


def tenant_filter(
    tenant: str | None, column: str, placeholder: Placeholder, first: int = 1
) -> tuple[str, list[Any]]:
    """A lookup's scope: only rows of `tenant` (no clause for None)."""
    return _clauses([(column, "=", tenant)], placeholder, first)


def debit_activity_sql(placeholder: Placeholder, codes: int) -> str:
    """LedgerStore.debit_activity's statement; parameters, in the order they appear (SQLite's
    `?` are positional): `split`, the account, `since`, then the `codes` codes. A void takes its
    pending transfer back; a post adds nothing."""
    void, post = int(TransferFlags.VOID_PENDING), int(TransferFlags.POST_PENDING)
    sign = f"CASE WHEN flags & {void} = 0 THEN 1 ELSE -1 END"
    listed = ", ".join(placeholder(4 + n) for n in range(codes))
    return (
        f"SELECT code, timestamp >= {placeholder(1)} AS recent, sum({sign}) AS count,"
        f" sum({sign} * amount) AS amount FROM transfers"
        f" WHERE debit_account_id = {placeholder(2)} AND timestamp >= {placeholder(3)}"
        f" AND code IN ({listed}) AND flags & {post} = 0"
        " GROUP BY code, recent"
    )
