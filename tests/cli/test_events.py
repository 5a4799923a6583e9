from __future__ import annotations

import asyncio
import uuid

import nats
from typer.testing import CliRunner

from strongroom.bootstrap import open_audit_log, open_ledger
from strongroom.cli.events import app
from strongroom.ledger import Account, Transfer

runner = CliRunner()


async def ledger_activity(url: str) -> None:
    """Two accounts and one transfer: three events in the outbox."""
    a, b = uuid.uuid4(), uuid.uuid4()
    async with await open_ledger(url, sweep_interval=None) as ledger:
        await ledger.create_accounts(
            [Account(id=a, ledger="EUR", code=1), Account(id=b, ledger="EUR", code=1)]
        )
        await ledger.create_transfers(
            [
                Transfer(
                    id=uuid.uuid4(),
                    debit_account_id=a,
                    credit_account_id=b,
                    amount=5,
                    ledger="EUR",
                    code=1,
                )
            ]
        )


async def audit_types(url: str) -> list[str]:
    audit_log = open_audit_log(url)
    try:
        return [entry.event_type for entry in await audit_log.read_entries()]
    finally:
        await audit_log.close()


def test_relay_once_on_the_in_process_bus_feeds_the_audit_log(sqlite_url: str) -> None:
    asyncio.run(ledger_activity(sqlite_url))
    result = runner.invoke(app, ["relay", "--db", sqlite_url, "--once"])
    assert result.exit_code == 0, result.output
    assert "published 3 events" in result.output
    assert asyncio.run(audit_types(sqlite_url)) == [
        "ledger.account.created",
        "ledger.account.created",
        "ledger.transfer.created",
    ]
    again = runner.invoke(app, ["relay", "--db", sqlite_url, "--once"])
    assert "published 0 events" in again.output


def test_relay_refuses_an_in_process_bus_nobody_listens_to(sqlite_url: str) -> None:
    result = runner.invoke(app, ["relay", "--db", sqlite_url, "--no-audit"])
    assert result.exit_code == 2
    assert "no handler would receive the events" in result.output


async def stream_count(nats_url: str, stream: str, delete: bool) -> int:
    client = await nats.connect(nats_url)
    try:
        manager = client.jetstream()
        count = (await manager.stream_info(stream)).state.messages
        if delete:
            await manager.delete_stream(stream)
        return count
    finally:
        await client.close()


def test_relay_once_to_jetstream(pg_url: str, nats_url: str) -> None:
    asyncio.run(ledger_activity(pg_url))
    suffix = uuid.uuid4().hex[:10]
    stream = f"SRTEST_{suffix.upper()}"
    options = ["--db", pg_url, "--nats", nats_url, "--stream", stream, "--prefix", f"t{suffix}"]
    result = runner.invoke(app, ["relay", *options, "--once"])
    assert result.exit_code == 0, result.output
    assert "published 3 events" in result.output
    assert asyncio.run(stream_count(nats_url, stream, delete=True)) == 3


def test_status_and_prune(sqlite_url: str) -> None:
    asyncio.run(ledger_activity(sqlite_url))
    before = runner.invoke(app, ["status", "--db", sqlite_url])
    assert before.exit_code == 0, before.output
    lines = before.output.splitlines()
    assert lines[0].startswith("waiting: 2 rows, oldest written ")
    assert lines[1] == "published and kept: 0 rows"
    runner.invoke(app, ["relay", "--db", sqlite_url, "--once"])
    assert runner.invoke(app, ["status", "--db", sqlite_url]).output.startswith("waiting: 0 rows\n")
    kept = runner.invoke(app, ["prune", "--db", sqlite_url, "--older-than-hours", "1"])
    assert kept.output == "deleted 0 published rows\n"
    pruned = runner.invoke(app, ["prune", "--db", sqlite_url, "--older-than-hours", "0"])
    assert pruned.output == "deleted 2 published rows\n"
