"""0008_sqlite_seq_rowid: an existing SQLite log keeps every transfer, and seq becomes the rowid."""

from __future__ import annotations

import sqlite3

import pytest

from strongroom.bootstrap import open_ledger
from strongroom.store.urls import parse_url
from tests.ledger.helpers import account, open_accounts, results, transfer
from tests.store.migrations.helpers import migrate


def _shape(path: str) -> tuple[list[tuple[object, ...]], list[str], str]:
    """(transfers in seq order, index origins, declared type of seq)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT seq, id, amount FROM transfers ORDER BY seq").fetchall()
        origins = sorted(r[3] for r in db.execute("PRAGMA index_list(transfers)"))
        seq_type = next(r[2] for r in db.execute("PRAGMA table_info(transfers)") if r[1] == "seq")
        return rows, origins, seq_type
    finally:
        db.close()


async def test_the_log_survives_the_rebuild_both_ways(sqlite_url: str) -> None:
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        assert await results(ledger, *(transfer(a, b, n) for n in (1, 2, 3))) == ["ok"] * 3
    path = parse_url(sqlite_url).target
    rows, origins, seq_type = _shape(path)
    # No "pk" index: seq is the table's rowid. "u" is the unique index on id.
    assert (origins, seq_type) == (["c", "c", "c", "u"], "INTEGER")
    await migrate(sqlite_url, "downgrade", "0007_outbox_transfer_refs")
    assert _shape(path) == (rows, ["c", "c", "c", "pk", "u"], "BIGINT")
    await migrate(sqlite_url, "upgrade", "heads")
    assert _shape(path) == (rows, origins, seq_type)
    db = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM transfers")
    finally:
        db.close()
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        assert await results(ledger, transfer(a, b, 4)) == ["ok"]
