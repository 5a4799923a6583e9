"""The admin commands, run through Typer's test runner on both backends."""

from __future__ import annotations

import asyncio
import uuid

from typer.testing import CliRunner

from strongroom.bootstrap import open_ledger
from strongroom.cli.admin import app
from strongroom.ledger.buckets import AccountSplit
from strongroom.store.admin_db import AdminDb
from strongroom.store.urls import parse_url
from tests.ledger.helpers import account, open_accounts, transfer

runner = CliRunner()


async def seed(url: str) -> None:
    async with await open_ledger(url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        await ledger.create_transfers([transfer(a, b, 9)])


async def corrupt(url: str) -> None:
    async with await AdminDb.open(parse_url(url)) as db, db.transaction("write") as conn:
        await conn.execute("UPDATE account_balances SET debits_posted = debits_posted + 1")


def test_admin_commands_report_and_repair(db_url: str) -> None:
    asyncio.run(seed(db_url))
    snap = runner.invoke(app, ["snapshot", "--db", db_url])
    assert snap.exit_code == 0, snap.output
    assert "2 accounts" in snap.output
    clean = runner.invoke(app, ["reconcile", "--db", db_url])
    assert clean.exit_code == 0, clean.output
    assert "0 differences" in clean.output
    asyncio.run(corrupt(db_url))
    found = runner.invoke(app, ["reconcile", "--db", db_url])
    assert found.exit_code == 1
    assert "2 differences" in found.output
    fixed = runner.invoke(app, ["reconcile", "--fix", "--db", db_url])
    assert fixed.exit_code == 0, fixed.output
    assert "2 accounts rewritten" in fixed.output
    assert runner.invoke(app, ["reconcile", "--db", db_url]).exit_code == 0
    reset = runner.invoke(app, ["snapshot-reset", "--db", db_url])
    assert reset.exit_code == 0, reset.output
    assert "1 snapshots rebuilt, 0 differences" in reset.output


def test_admin_split_splits_by_hand_and_pins(db_url: str) -> None:
    async def open_account() -> uuid.UUID:
        async with await open_ledger(db_url, sweep_interval=None) as ledger:
            (a,) = await open_accounts(ledger, account())
        return a

    async def split_state(a: uuid.UUID) -> AccountSplit | None:
        async with await open_ledger(db_url, migrate=False, sweep_interval=None) as ledger:
            return (await ledger.store.split_accounts()).get(a)

    a = asyncio.run(open_account())
    pinned = runner.invoke(app, ["split", str(a), "4", "--pin", "--db", db_url])
    assert pinned.exit_code == 0, pinned.output
    assert f"account {a}: 4 buckets, pinned" in pinned.output
    state = asyncio.run(split_state(a))
    assert state is not None
    assert (state.buckets, state.pinned) == (4, True)
    unpinned = runner.invoke(app, ["split", str(a), "4", "--db", db_url])
    assert unpinned.exit_code == 0, unpinned.output
    assert "4 buckets, not pinned (bucket count unchanged)" in unpinned.output
    merged = runner.invoke(app, ["split", str(a), "1", "--db", db_url])
    assert merged.exit_code == 0, merged.output
    assert asyncio.run(split_state(a)) is None
    unknown = runner.invoke(app, ["split", str(uuid.uuid4()), "2", "--db", db_url])
    assert unknown.exit_code == 1
    assert "not found" in unknown.output
