"""The product tables: published versions and assignment history refuse UPDATE and DELETE."""

from __future__ import annotations

import sqlite3
import uuid

import asyncpg
import pytest

from strongroom.bootstrap import open_product_store
from strongroom.products.ports import ChangeRow, VersionRow
from strongroom.store.urls import parse_url

STATEMENTS = (
    "UPDATE product_versions SET digest = 'x'",
    "DELETE FROM product_versions",
    "UPDATE product_assignment_changes SET reason = 'rewritten'",
    "DELETE FROM product_assignment_changes",
)


async def write_history(url: str) -> None:
    store = await open_product_store(url)
    try:
        async with store.transaction() as tx:
            await tx.publish(VersionRow("p", 1, "d" * 64, "{}", "ops", None, 1))
            change = ChangeRow(
                uuid.uuid4(), uuid.uuid4(), "t", "assign", "p", None, 1, "ops", None, "open", 1
            )
            await tx.record_change(change, b"[]")
    finally:
        await store.close()


async def test_postgres_refuses_changes_to_product_history(pg_url: str) -> None:
    await write_history(pg_url)
    url = parse_url(pg_url)
    conn = await asyncpg.connect(url.target, server_settings={"search_path": url.schema or ""})
    try:
        for statement in (*STATEMENTS, "TRUNCATE product_assignment_changes"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM product_assignment_changes") == 1
    finally:
        await conn.close()


async def test_sqlite_refuses_changes_to_product_history(sqlite_url: str) -> None:
    await write_history(sqlite_url)
    db = sqlite3.connect(parse_url(sqlite_url).target)
    try:
        for statement in STATEMENTS:
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
        assert db.execute("SELECT count(*) FROM product_versions").fetchone() == (1,)
    finally:
        db.close()
