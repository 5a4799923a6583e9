from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.bootstrap import open_audit_log
from strongroom.errors import ValidationError
from strongroom.events.audit import (
    audit_consumer,
    change_of,
    parse_anchor,
    subscribe_audit,
    tail_entries,
    verify_chain,
)
from strongroom.events.hash_chain import GENESIS
from strongroom.events.inprocess import InProcessBus
from strongroom.events.ports import AuditLog
from strongroom.events.schemas import Envelope, decode_envelope
from tests.events.fakes import MemoryAuditLog
from tests.events.helpers import sql_engine


def envelope(make_event, **options) -> Envelope:
    return decode_envelope(json.dumps(make_event(**options)).encode())


async def audited(
    url: str, make_event, count: int
) -> tuple[AuditLog[AsyncConnection], list[Envelope]]:
    log = open_audit_log(url)
    consumer = audit_consumer(log)
    events = [
        envelope(make_event, trace_id=f"{n:032x}", actor=f"key_{n}", amount=n + 1)
        for n in range(count)
    ]
    for event in events:
        await consumer(event)
    return log, events


async def tamper(url: str, statement: str) -> None:
    """Run UPDATE/DELETE on audit_log past its append-only trigger, as an intruder could."""
    engine = sql_engine(url)
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await connection.execute(sa.text(statement))
            await connection.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            for op in ("update", "delete"):
                await connection.execute(sa.text(f"DROP TRIGGER audit_log_append_only_{op}"))
            await connection.execute(sa.text(statement))
    await engine.dispose()


async def test_entries_record_who_what_when_and_the_trace(db_url: str, make_event) -> None:
    log, events = await audited(db_url, make_event, 3)
    entries = await log.read_entries()
    assert [e.seq for e in entries] == [1, 2, 3]
    first = entries[0]
    assert (first.event_id, first.tenant, first.actor) == (events[0].id, "acme", "key_0")
    assert (first.event_type, first.trace_id) == ("ledger.transfer.created", "0" * 32)
    assert first.entity_id == events[0].data["id"]
    assert first.before is None
    assert json.loads(first.after or "")["amount"] == 1
    assert first.occurred_at == events[0].occurred_at
    assert first.prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    report = await verify_chain(log)
    assert (report.ok, report.checked, report.head_seq, report.head_hash) == (
        True,
        3,
        3,
        entries[-1].hash,
    )
    await log.close()


async def test_a_redelivered_event_is_audited_once(db_url: str, make_event) -> None:
    log, events = await audited(db_url, make_event, 2)
    consumer = audit_consumer(log)
    await consumer(events[0])
    await consumer(events[1])
    assert await log.head_seq() == 2
    assert consumer.skipped == 2
    await log.close()


def test_status_changes_record_before_and_after(make_event) -> None:
    account = str(uuid.uuid4())
    event = envelope(
        make_event,
        event_type="ledger.account.status_changed",
        data={"id": account, "before": "open", "after": "frozen"},
    )
    assert change_of(event) == (account, '{"status":"open"}', '{"status":"frozen"}')


def test_after_is_canonical_json_whatever_the_key_order(make_event) -> None:
    data = {"z": 1, "a": {"y": [2**62, "é"], "b": None}, "id": "x"}
    _, before, after = change_of(envelope(make_event, event_type="thing.made", data=data))
    assert before is None
    assert after == '{"a":{"b":null,"y":[4611686018427387904,"é"]},"id":"x","z":1}'


async def test_the_database_refuses_to_change_or_remove_entries(db_url: str, make_event) -> None:
    log, _ = await audited(db_url, make_event, 1)
    engine = sql_engine(db_url)
    for statement in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(sa.text(statement))
    await engine.dispose()
    assert await log.head_seq() == 1
    await log.close()


async def test_verify_pinpoints_an_edited_row(db_url: str, make_event) -> None:
    log, _ = await audited(db_url, make_event, 5)
    await tamper(db_url, "UPDATE audit_log SET actor = 'innocent' WHERE seq = 3")
    report = await verify_chain(log)
    assert not report.ok
    assert report.broken_seq == 3
    assert "do not match its hash" in (report.reason or "")
    assert (report.checked, report.head_seq) == (2, 2)
    await log.close()


async def test_verify_pinpoints_a_row_edited_and_rehashed(db_url: str, make_event) -> None:
    log, _ = await audited(db_url, make_event, 5)
    edited = (await log.read_entries(after_seq=1, limit=1))[0]
    forged = replace(edited, actor="innocent", hash="")
    forged = replace(forged, hash=forged.computed_hash())
    await tamper(
        db_url, f"UPDATE audit_log SET actor = 'innocent', hash = '{forged.hash}' WHERE seq = 2"
    )
    report = await verify_chain(log)
    assert report.broken_seq == 3
    assert "prev_hash does not match the hash of row 2" in (report.reason or "")
    await log.close()


async def test_verify_pinpoints_a_deleted_row(db_url: str, make_event) -> None:
    log, _ = await audited(db_url, make_event, 5)
    await tamper(db_url, "DELETE FROM audit_log WHERE seq = 4")
    report = await verify_chain(log)
    assert report.broken_seq == 4
    assert report.reason == "row 4 is missing: seq jumps from 3 to 5"
    await log.close()


async def test_verify_pinpoints_a_deleted_first_row(db_url: str, make_event) -> None:
    log, _ = await audited(db_url, make_event, 2)
    await tamper(db_url, "DELETE FROM audit_log WHERE seq = 1")
    report = await verify_chain(log)
    assert (report.broken_seq, report.head_seq) == (1, None)
    await log.close()


async def test_an_anchor_catches_deleted_newest_rows(db_url: str, make_event) -> None:
    log, _ = await audited(db_url, make_event, 4)
    good = await verify_chain(log)
    anchor = (good.head_seq or 0, good.head_hash or "")
    assert (await verify_chain(log, anchor=anchor)).ok
    await tamper(db_url, "DELETE FROM audit_log WHERE seq >= 3")
    assert (await verify_chain(log)).ok
    report = await verify_chain(log, anchor=anchor)
    assert report.broken_seq == 4
    assert "chain ends at row 2" in (report.reason or "")
    await log.close()


async def test_a_tenant_reads_its_own_entries_newest_first(db_url: str, make_event) -> None:
    log = open_audit_log(db_url)
    consumer = audit_consumer(log)
    for n, tenant in enumerate(["acme", "globex", "acme", "globex", "acme"], start=1):
        await consumer(envelope(make_event, tenant=tenant, actor=f"key_{n}"))
    newest = await log.tenant_entries("acme")
    assert [(e.seq, e.tenant, e.actor) for e in newest] == [
        (5, "acme", "key_5"),
        (3, "acme", "key_3"),
        (1, "acme", "key_1"),
    ]
    assert [e.seq for e in await log.tenant_entries("acme", before_seq=5, limit=1)] == [3]
    assert [e.seq for e in await log.tenant_entries("globex", before_seq=2)] == []
    assert await log.tenant_entries("initech") == []
    await log.close()


def test_anchor_syntax() -> None:
    assert parse_anchor(f"12:{'A' * 64}") == (12, "a" * 64)
    for bad in ("12", "x:" + "a" * 64, "3:abc", "3:" + "g" * 64):
        with pytest.raises(ValidationError):
            parse_anchor(bad)


async def test_the_audit_consumer_follows_the_bus(db_url: str, make_event) -> None:
    log = open_audit_log(db_url)
    bus = InProcessBus()
    await subscribe_audit(bus, log)
    await bus.publish([envelope(make_event) for _ in range(3)])
    assert await log.head_seq() == 3
    await bus.close()
    await log.close()


async def test_tail_follows_new_entries(db_url: str, make_event, eventually) -> None:
    log, _ = await audited(db_url, make_event, 3)
    seen: list[int] = []

    async def follow() -> None:
        async for entry in tail_entries(log, lines=2, follow=True, interval=0.01):
            seen.append(entry.seq)
            if entry.seq == 5:
                return

    follower = asyncio.create_task(follow())

    async def printed_the_newest_two() -> bool:
        return seen == [2, 3]

    await eventually(printed_the_newest_two, "the newest entries")
    consumer = audit_consumer(log)
    await consumer(envelope(make_event))
    await consumer(envelope(make_event))
    await asyncio.wait_for(follower, 30)
    assert seen == [2, 3, 4, 5]
    await log.close()


async def test_the_audit_log_needs_only_its_port(make_event) -> None:
    log = MemoryAuditLog()
    consumer = audit_consumer(log)
    events = [envelope(make_event) for _ in range(3)]
    await consumer.handle_batch(events)
    await consumer(events[1])
    assert [entry.event_id for entry in log.entries] == [event.id for event in events]
    assert (consumer.applied, consumer.skipped) == (3, 1)
    report = await verify_chain(log)
    assert (report.ok, report.head_seq) == (True, 3)
    log.entries[1] = replace(log.entries[1], actor="innocent")
    assert (await verify_chain(log)).broken_seq == 2
