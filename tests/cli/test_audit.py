from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import uuid

import sqlalchemy as sa
from typer.testing import CliRunner

from strongroom.bootstrap import open_audit_log
from strongroom.cli.audit import app
from strongroom.events.audit import audit_consumer
from strongroom.events.jetstream import JetStreamBus
from strongroom.events.schemas import Envelope
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.urls import parse_url

runner = CliRunner()


async def audited(url: str, count: int) -> None:
    audit_log = open_audit_log(url)
    consumer = audit_consumer(audit_log)
    for n in range(count):
        await consumer(
            Envelope(
                id=uuid.uuid4(),
                type="ledger.account.status_changed",
                version=1,
                occurred_at=1_700_000_000_000_000_000 + n,
                tenant="acme",
                trace_id="ab" * 16,
                actor="ops",
                data={"id": f"acct-{n}", "before": "open", "after": "frozen"},
            )
        )
    await audit_log.close()


async def sql(url: str, *statements: str) -> None:
    engine = sqlalchemy_engine(parse_url(url))
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(sa.text(statement))
    await engine.dispose()


def test_verify_reports_the_head_and_then_the_first_broken_row(sqlite_url: str) -> None:
    asyncio.run(audited(sqlite_url, 4))
    result = runner.invoke(app, ["verify", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 4 entries verified, head 4:")
    anchor = result.output.split("head ")[1].strip()
    asyncio.run(
        sql(
            sqlite_url,
            "DROP TRIGGER audit_log_append_only_update",
            'UPDATE audit_log SET after = \'{"status":"open"}\' WHERE seq = 2',
        )
    )
    broken = runner.invoke(app, ["verify", "--db", sqlite_url, "--anchor", anchor])
    assert broken.exit_code == 1
    assert broken.output.splitlines() == [
        "broken at row 2: its fields do not match its hash (edited after it was written)",
        f"entries verified before it: 1, last good 1:{broken.output.split('good 1:')[1].strip()}",
    ]


def test_verify_with_a_malformed_anchor_is_a_usage_error(sqlite_url: str) -> None:
    asyncio.run(audited(sqlite_url, 1))
    result = runner.invoke(app, ["verify", "--db", sqlite_url, "--anchor", "nope"])
    assert result.exit_code == 2
    assert "anchor" in result.output


def test_tail_prints_the_newest_entries(sqlite_url: str) -> None:
    asyncio.run(audited(sqlite_url, 3))
    result = runner.invoke(app, ["tail", "--db", sqlite_url, "-n", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["2", "3"]
    assert lines[0].split()[1:] == [
        "2023-11-14T22:13:20.000+00:00",
        "acme",
        "ops",
        "ledger.account.status_changed",
        "acct-1",
        f"trace={'ab' * 16}",
    ]
    as_json = runner.invoke(app, ["tail", "--db", sqlite_url, "-n", "1", "--json"])
    entry = json.loads(as_json.output)
    assert (entry["seq"], entry["before"], entry["after"]) == (
        3,
        {"status": "open"},
        {"status": "frozen"},
    )


async def wait_for_entries(url: str, count: int) -> None:
    audit_log = open_audit_log(url)
    try:
        for _ in range(3000):
            if await audit_log.head_seq() >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the audit consumer never wrote the entries")
    finally:
        await audit_log.close()


async def publish_status_changes(nats_url: str, prefix: str, stream: str, count: int) -> None:
    bus = await JetStreamBus.connect(nats_url, prefix=prefix, stream=stream)
    try:
        await bus.publish(
            [
                Envelope(
                    id=uuid.uuid4(),
                    type="ledger.account.status_changed",
                    version=1,
                    occurred_at=n,
                    tenant="acme",
                    data={"id": f"acct-{n}", "before": "open", "after": "closed"},
                )
                for n in range(count)
            ]
        )
    finally:
        await bus.close()


async def drop_stream(nats_url: str, prefix: str, stream: str) -> None:
    bus = await JetStreamBus.connect(nats_url, prefix=prefix, stream=stream)
    await bus.delete_stream()
    await bus.close()


def test_consume_audits_jetstream_until_sigterm(pg_url: str, nats_url: str, tmp_path) -> None:
    suffix = uuid.uuid4().hex[:10]
    prefix, stream = f"t{suffix}", f"SRTEST_{suffix.upper()}"
    asyncio.run(publish_status_changes(nats_url, prefix, stream, 3))
    log = tmp_path / "consume.log"
    command = [sys.executable, "-m", "strongroom.cli.audit", "consume", "--db", pg_url]
    command += ["--nats", nats_url, "--prefix", prefix, "--stream", stream]
    with log.open("wb") as output:
        consumer = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            asyncio.run(wait_for_entries(pg_url, 3))
            consumer.send_signal(signal.SIGTERM)
            assert consumer.wait(timeout=30) == 0, log.read_text()
        finally:
            if consumer.poll() is None:
                consumer.kill()
                consumer.wait()
            asyncio.run(drop_stream(nats_url, prefix, stream))
    result = runner.invoke(app, ["verify", "--db", pg_url])
    assert result.output.startswith("ok: 3 entries verified")
