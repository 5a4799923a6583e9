"""SQL filters of the ledger's paged listings, shared by both backends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strongroom.ledger.ports import HistoryQuery, TransferQuery


def range_filters(
    query: TransferQuery | HistoryQuery, placeholder: Callable[[int], str], first: int = 1
) -> tuple[str, list[Any]]:
    """` AND ...` clauses for a listing's seq/timestamp/code/cursor filters, and their values.

    `placeholder(n)` renders the n-th parameter in the backend's style (`?` or `$n`).
    """
    clauses: list[str] = []
    params: list[Any] = []
    after_op = "<" if query.reverse else ">"
    candidates: list[tuple[str, str, int | None]] = [
        ("seq", ">=", query.seq_min),
        ("seq", "<=", query.seq_max),
        ("timestamp", ">=", query.timestamp_min),
        ("timestamp", "<=", query.timestamp_max),
        ("seq", after_op, query.after_seq),
    ]
    if isinstance(query, TransferQuery):
        candidates.append(("code", "=", query.code))
    for column, op, value in candidates:
        if value is not None:
            clauses.append(f" AND {column} {op} {placeholder(first + len(params))}")
            params.append(value)
    return "".join(clauses), params
