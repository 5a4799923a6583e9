"""0009_sqlite_account_indexes: SQLite's account indexes key on the account, and still serve
an account's transfers in seq order, by seq range."""

from __future__ import annotations

import sqlite3

from strongroom.bootstrap import open_ledger
from strongroom.ledger import TransferQuery
from strongroom.store.migrate import SQLITE_PAGE_SIZE
from strongroom.store.urls import parse_url
from tests.ledger.helpers import account, open_accounts, results, transfer
from tests.store.migrations.helpers import migrate


def _index_columns(path: str) -> dict[str, list[str]]:
    db = sqlite3.connect(path)
    try:
        return {
            name: [r[2] for r in db.execute(f"PRAGMA index_info({name})")]
            for name in ("ix_transfers_debit", "ix_transfers_credit")
        }
    finally:
        db.close()


async def test_the_indexes_change_both_ways_and_serve_seq_ranges(sqlite_url: str) -> None:
    path = parse_url(sqlite_url).target
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        assert await results(ledger, *(transfer(a, b, n) for n in range(1, 6))) == ["ok"] * 5
        assert await results(ledger, transfer(b, a, 6)) == ["ok"]
        every = await ledger.store.account_transfers(TransferQuery(a, limit=10))
    assert _index_columns(path) == {
        "ix_transfers_debit": ["debit_account_id"],
        "ix_transfers_credit": ["credit_account_id"],
    }
    seqs = [t.seq for t in every]
    assert len(seqs) == 6
    assert seqs == sorted(seqs)
    async with await open_ledger(sqlite_url, migrate=False, sweep_interval=None) as ledger:
        store = ledger.store
        middle = await store.account_transfers(
            TransferQuery(a, seq_min=seqs[1], seq_max=seqs[4], reverse=True)
        )
        assert [t.seq for t in middle] == seqs[4:0:-1]
        debits = await store.account_transfers(TransferQuery(b, direction="debits"))
        assert [t.amount for t in debits] == [6]
    db = sqlite3.connect(path)
    try:
        plan = " ".join(
            r[3]
            for r in db.execute(
                "EXPLAIN QUERY PLAN SELECT seq FROM transfers WHERE debit_account_id = ?"
                " AND seq > ? ORDER BY seq",
                (a.bytes, seqs[0]),
            )
        )
    finally:
        db.close()
    assert "ix_transfers_debit (debit_account_id=? AND rowid>?)" in plan
    assert "TEMP B-TREE" not in plan
    await migrate(sqlite_url, "downgrade", "0008_sqlite_seq_rowid")
    assert _index_columns(path) == {
        "ix_transfers_debit": ["debit_account_id", "seq"],
        "ix_transfers_credit": ["credit_account_id", "seq"],
    }
    await migrate(sqlite_url, "upgrade", "heads")
    assert _index_columns(path)["ix_transfers_debit"] == ["debit_account_id"]


async def test_a_new_database_gets_the_page_size_and_an_old_one_keeps_its_own(
    sqlite_url: str, tmp_path: object
) -> None:
    path = parse_url(sqlite_url).target
    async with await open_ledger(sqlite_url, sweep_interval=None):
        pass
    old = f"{tmp_path}/old.db"
    db = sqlite3.connect(old)
    try:
        db.execute("PRAGMA page_size = 4096")
        db.execute("CREATE TABLE existing (x)")
    finally:
        db.close()
    async with await open_ledger(f"sqlite:///{old}", sweep_interval=None):
        pass
    sizes = []
    for file in (path, old):
        db = sqlite3.connect(file)
        try:
            sizes.append(db.execute("PRAGMA page_size").fetchone()[0])
        finally:
            db.close()
    assert sizes == [SQLITE_PAGE_SIZE, 4096]
