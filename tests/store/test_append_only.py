"""The transfer log refuses UPDATE and DELETE at the database level, on both backends."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from strongroom.bootstrap import open_ledger
from strongroom.store.urls import parse_url
from tests.ledger.helpers import account, open_accounts, results, transfer


async def test_postgres_refuses_changes_to_transfers(pg_url: str) -> None:
    ledger = await open_ledger(pg_url, sweep_interval=None)
    try:
        a, b = await open_accounts(ledger, account(), account())
        assert await results(ledger, transfer(a, b, 5)) == ["ok"]
    finally:
        await ledger.close()
    url = parse_url(pg_url)
    conn = await asyncpg.connect(url.target, server_settings={"search_path": url.schema or ""})
    try:
        for statement in (
            "UPDATE transfers SET amount = amount + 1",
            "DELETE FROM transfers",
            "TRUNCATE transfers",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT sum(amount) FROM transfers") == 5
    finally:
        await conn.close()


async def test_sqlite_refuses_changes_to_transfers(sqlite_url: str) -> None:
    ledger = await open_ledger(sqlite_url, sweep_interval=None)
    try:
        a, b = await open_accounts(ledger, account(), account())
        assert await results(ledger, transfer(a, b, 5)) == ["ok"]
    finally:
        await ledger.close()
    db = sqlite3.connect(parse_url(sqlite_url).target)
    try:
        for statement in ("UPDATE transfers SET amount = amount + 1", "DELETE FROM transfers"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
        assert db.execute("SELECT sum(amount) FROM transfers").fetchone() == (5,)
    finally:
        db.close()
