"""Compliance's tables on either backend: strongroom.compliance.ports' RuleSetStore and
DecisionStore, in SQLAlchemy Core.

Decisions and velocity are the hot path, in plain SQL: asyncpg on PostgreSQL (a batch as one
JSON document, through `json_to_recordset`), the driver's executemany on SQLite. A batch of
decisions is one transaction: the new ones are inserted (a subject decided before keeps its
first decision: PostgreSQL's ON CONFLICT DO NOTHING RETURNING says which are new; SQLite looks
first, under the write lock), their velocity is added by upserts, and their events go to the
outbox (on PostgreSQL all of it one statement of data-modifying CTEs, one round trip per
batch). The window reads of many decisions are one statement: a list of (subject, bucket size,
since) joined to the counters, one range sum per read. Publishing a rule set serializes per
tenant (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock) so versions are
numbered without gaps or clashes.

May import strongroom.compliance's and events' types only.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.compliance.decisions import Decision, FiredRule, Mode, Outcome
from strongroom.compliance.ports import (
    DecisionRecord,
    HistoryItem,
    RuleSetStatus,
    StoredRuleSet,
)
from strongroom.compliance.rules.facts import Payment
from strongroom.compliance.rules.velocity import VelocityRead
from strongroom.compliance.screening.types import Hit
from strongroom.events.schemas import Envelope, encode_batch
from strongroom.store.connections import (
    HotConnections,
    sqlalchemy_engine,
    sqlite_write_transactions,
    write_transaction,
)
from strongroom.store.tables import (
    compliance_decisions,
    compliance_rule_sets,
    compliance_velocity,
    outbox,
)
from strongroom.store.urls import DatabaseURL

_encode = msgspec.json.Encoder().encode
_fired = msgspec.json.Decoder(tuple[FiredRule, ...])
_hits = msgspec.json.Decoder(tuple[Hit, ...])
_payment = msgspec.json.Decoder(Payment)
_ACTIVE = (RuleSetStatus.ENFORCE.value, RuleSetStatus.SHADOW.value)
#: Lock class of the per-tenant publishing lock (PostgreSQL advisory locks are two int4s).
_PUBLISH_LOCK_CLASS = 1515


class SqlComplianceStore:
    def __init__(self, engine: AsyncEngine, url: DatabaseURL) -> None:
        self._engine = engine
        self._postgres = url.kind == "postgresql"
        # The hot path on PostgreSQL: decisions and window reads.
        self._hot = HotConnections(url)

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlComplianceStore:
        engine = sqlalchemy_engine(url)
        if url.kind == "sqlite":
            sqlite_write_transactions(engine)
        return cls(engine, url)

    async def close(self) -> None:
        await self._hot.close()
        await self._engine.dispose()

    # -- rule sets ----------------------------------------------------------------------------

    async def add_rule_set(
        self, rule_set: StoredRuleSet, events: Callable[[StoredRuleSet], Sequence[Envelope]]
    ) -> StoredRuleSet:
        table = compliance_rule_sets
        async with write_transaction(self._engine) as connection:
            if self._postgres:
                await connection.execute(
                    sa.select(
                        sa.func.pg_advisory_xact_lock(
                            _PUBLISH_LOCK_CLASS, sa.func.hashtext(rule_set.tenant)
                        )
                    )
                )
            last = await connection.scalar(
                sa.select(sa.func.max(table.c.version)).where(table.c.tenant == rule_set.tenant)
            )
            stored = msgspec.structs.replace(rule_set, version=(last or 0) + 1)
            await self._retire(connection, stored.tenant, stored.status)
            await connection.execute(sa.insert(table).values(_rule_set_row(stored)))
            await _publish(connection, stored.published_at, events(stored))
            return stored

    async def set_status(
        self,
        tenant: str,
        version: int,
        status: RuleSetStatus,
        events: Sequence[Envelope],
    ) -> StoredRuleSet | None:
        table = compliance_rule_sets
        async with write_transaction(self._engine) as connection:
            row = (
                await connection.execute(
                    sa.select(table)
                    .where(table.c.tenant == tenant, table.c.version == version)
                    .with_for_update()
                )
            ).first()
            if row is None:
                return None
            await self._retire(connection, tenant, status)
            await connection.execute(
                sa.update(table)
                .where(table.c.tenant == tenant, table.c.version == version)
                .values(status=status.value)
            )
            changed = msgspec.structs.replace(_rule_set(row._mapping), status=status)
            await _publish(connection, events[0].occurred_at if events else 0, events)
            return changed

    async def _retire(
        self, connection: AsyncConnection, tenant: str, status: RuleSetStatus
    ) -> None:
        if status.value in _ACTIVE:
            table = compliance_rule_sets
            await connection.execute(
                sa.update(table)
                .where(table.c.tenant == tenant, table.c.status == status.value)
                .values(status=RuleSetStatus.RETIRED.value)
            )

    async def rule_sets(self, tenant: str) -> list[StoredRuleSet]:
        table = compliance_rule_sets
        query = sa.select(table).where(table.c.tenant == tenant).order_by(table.c.version.desc())
        async with self._engine.connect() as connection:
            return [_rule_set(row._mapping) for row in await connection.execute(query)]

    async def rule_set(self, tenant: str, version: int) -> StoredRuleSet | None:
        table = compliance_rule_sets
        query = sa.select(table).where(table.c.tenant == tenant, table.c.version == version)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _rule_set(row._mapping)

    async def active_rule_sets(self, tenant: str) -> list[StoredRuleSet]:
        table = compliance_rule_sets
        query = sa.select(table).where(table.c.tenant == tenant, table.c.status.in_(_ACTIVE))
        async with self._engine.connect() as connection:
            return [_rule_set(row._mapping) for row in await connection.execute(query)]

    # -- decisions: the hot path, in plain SQL per backend -----------------------------------

    async def velocity(self, reads: Sequence[VelocityRead]) -> list[tuple[int, int]]:
        if not reads:
            return []
        if self._postgres:
            document = _encode_text(
                [
                    _ReadRow(
                        i, r.tenant, r.currency, r.query.subject, r.query.resolution, r.query.since
                    )
                    for i, r in enumerate(reads)
                ]
            )
            async with self._hot.connection() as driver:
                rows = await driver.fetch(_VELOCITY_PG, document)
        else:
            params = [
                value
                for i, r in enumerate(reads)
                for value in (
                    i,
                    r.tenant,
                    r.currency,
                    r.query.subject,
                    r.query.resolution,
                    r.query.since,
                )
            ]
            async with self._engine.connect() as connection:
                result = await connection.exec_driver_sql(
                    _velocity_sqlite(len(reads)), tuple(params)
                )
                rows = result.all()
        totals = [(0, 0)] * len(reads)
        for index, count, total in rows:
            totals[index] = (int(count), int(total))
        return totals

    async def record(self, records: Sequence[DecisionRecord]) -> list[Decision]:
        # The first of several decisions on one (tenant, subject, mode) in a batch is the one.
        first: dict[tuple[str, str, str], DecisionRecord] = {}
        for r in records:
            first.setdefault(_key(r.decision), r)
        if self._postgres:
            # One statement, atomic by itself: no transaction around it, no extra round trips.
            async with self._hot.connection() as driver:
                stored = await _record_pg(driver, list(first.values()))
        else:
            async with write_transaction(self._engine) as connection:
                stored = await _record_sqlite(connection, list(first.values()))
        return [stored[_key(r.decision)] for r in records]

    async def decisions(self, tenant: str, subject: str) -> list[Decision]:
        table = compliance_decisions
        query = (
            sa.select(table)
            .where(table.c.tenant == tenant, table.c.subject == subject)
            .order_by(table.c.mode)
        )
        async with self._engine.connect() as connection:
            return [_decision(row._mapping) for row in await connection.execute(query)]

    async def find_decisions(
        self, tenant: str, *, outcome: str | None, before: int | None, limit: int
    ) -> list[tuple[int, Decision]]:
        table = compliance_decisions
        query = sa.select(table).where(table.c.tenant == tenant)
        if outcome is not None:
            query = query.where(table.c.outcome == outcome)
        if before is not None:
            query = query.where(table.c.seq < before)
        query = query.order_by(table.c.seq.desc()).limit(limit)
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
            return [(row.seq, _decision(row._mapping)) for row in rows]

    async def history(
        self, tenant: str, *, since: int, until: int, after: int, limit: int
    ) -> list[HistoryItem]:
        table = compliance_decisions
        query = (
            sa.select(table)
            .where(
                table.c.tenant == tenant,
                table.c.mode == Mode.ENFORCE.value,
                table.c.payment_at >= since,
                table.c.payment_at < until,
                table.c.seq > after,
            )
            .order_by(table.c.seq)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
            return [
                HistoryItem(
                    seq=row.seq,
                    payment=_payment.decode(row.payment),
                    decision=_decision(row._mapping),
                )
                for row in rows
            ]

    async def prune_velocity(self, older_than: int) -> int:
        table = compliance_velocity
        async with write_transaction(self._engine) as connection:
            result = await connection.execute(sa.delete(table).where(table.c.bucket < older_than))
            return int(result.rowcount)


async def _publish(connection: AsyncConnection, now: int, events: Sequence[Envelope]) -> None:
    if events:
        await connection.execute(
            sa.insert(outbox).values(created_at=now, events=encode_batch(list(events)))
        )


# The reads and the records go to PostgreSQL as one JSON document per batch, not one array per
# column: asyncpg checks every element of every array it encodes against three ABCs, which made
# the arrays cost more of this process's CPU per statement than everything else in it.
# Each read is its own range sum over the counters' key (LATERAL): one index range scan per
# read whatever the planner believes of the table's size. A join would let a generic plan made
# while the table was small scan all of it for every batch as it grows.
_VELOCITY_PG = (
    "SELECT q.i, s.count, s.total"
    " FROM json_to_recordset($1::json)"
    " AS q(i int, tenant text, currency text, subject text, resolution int, since bigint)"
    " CROSS JOIN LATERAL (SELECT COALESCE(SUM(v.count), 0)::bigint AS count,"
    " COALESCE(SUM(v.total), 0)::bigint AS total FROM compliance_velocity v"
    " WHERE v.tenant = q.tenant AND v.subject = q.subject AND v.currency = q.currency"
    " AND v.resolution = q.resolution AND v.bucket >= q.since) s"
)
_DECISION_COLUMNS = (
    "id, tenant, subject, mode, outcome, score, rule_set_version, fired, hits, failure,"
    " decided_at, payment_at, payment"
)
# One statement: the decisions not stored yet, the velocity of the new enforced ones (summed per
# counter, in key order so concurrent batches lock counters in one order), and one outbox row
# per new decision. Returns the keys of the new decisions. `fired`, `hits` and `payment` arrive
# as JSON values and are stored as their text, as sent.
_RECORD_PG = (
    "WITH d AS (SELECT * FROM json_to_recordset($1::json) AS d(id uuid, tenant text,"
    " subject text, mode text, outcome text, score int, rule_set_version int, fired json,"
    " hits json, failure text, decided_at bigint, payment_at bigint, payment json,"
    " event_at bigint, events text)),"
    " ins AS ("
    f" INSERT INTO compliance_decisions ({_DECISION_COLUMNS})"
    " SELECT id, tenant, subject, mode, outcome, score, rule_set_version, fired::text,"
    " hits::text, failure, decided_at, payment_at, payment::text FROM d"
    " ON CONFLICT (tenant, subject, mode) DO NOTHING RETURNING tenant, subject, mode),"
    " vel AS ("
    " INSERT INTO compliance_velocity"
    " (tenant, subject, currency, resolution, bucket, count, total)"
    " SELECT u.tenant, u.counter, u.currency, u.resolution, u.bucket, count(*), sum(u.amount)"
    " FROM json_to_recordset($2::json) AS u(tenant text, decided text, counter text,"
    " currency text, resolution int, bucket bigint, amount bigint)"
    " JOIN ins ON ins.tenant = u.tenant AND ins.subject = u.decided AND ins.mode = 'enforce'"
    " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
    " ON CONFLICT (tenant, subject, currency, resolution, bucket) DO UPDATE"
    " SET count = compliance_velocity.count + excluded.count,"
    " total = compliance_velocity.total + excluded.total),"
    " ob AS ("
    " INSERT INTO outbox (created_at, events)"
    " SELECT d.event_at, decode(d.events, 'base64')"
    " FROM d JOIN ins USING (tenant, subject, mode) WHERE d.events IS NOT NULL)"
    " SELECT tenant, subject, mode FROM ins"
)
_STORED_PG = (
    f"SELECT {_DECISION_COLUMNS} FROM compliance_decisions"
    " WHERE (tenant, subject, mode) IN"
    " (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))"
)
_INSERT_SQLITE = (
    f"INSERT INTO compliance_decisions ({_DECISION_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_VELOCITY_SQLITE = (
    "INSERT INTO compliance_velocity (tenant, subject, currency, resolution, bucket, count, total)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant, subject, currency, resolution, bucket) DO UPDATE"
    " SET count = count + excluded.count, total = total + excluded.total"
)
_OUTBOX_SQLITE = "INSERT INTO outbox (created_at, events) VALUES (?, ?)"
#: Decisions a SQLite statement looks up at once (3 parameters each, under SQLite's limit).
_SQLITE_CHUNK = 5_000

Key = tuple[str, str, str]


@functools.lru_cache(maxsize=64)
def _velocity_sqlite(size: int) -> str:
    """`size` window reads in one statement: a VALUES list joined to the counters."""
    rows = ", ".join(["(?, ?, ?, ?, ?, ?)"] * size)
    return (
        f"WITH q(i, tenant, currency, subject, resolution, since) AS (VALUES {rows})"
        " SELECT q.i, COALESCE(SUM(v.count), 0), COALESCE(SUM(v.total), 0)"
        " FROM q LEFT JOIN compliance_velocity v ON v.tenant = q.tenant"
        " AND v.subject = q.subject AND v.currency = q.currency"
        " AND v.resolution = q.resolution AND v.bucket >= q.since"
        " GROUP BY q.i"
    )


def _key(decision: Decision) -> Key:
    return (decision.tenant, decision.subject, decision.mode.value)


def _values(record: DecisionRecord) -> tuple[Any, ...]:
    """A decision's columns, in `_DECISION_COLUMNS` order; `fired`, `hits` and `payment` as their
    JSON bytes (SQLite stores their text, PostgreSQL receives them inside a document)."""
    d = record.decision
    return (
        d.id,
        d.tenant,
        d.subject,
        d.mode.value,
        d.outcome.value,
        d.score,
        d.rule_set_version,
        _encode(d.fired),
        _encode(d.hits),
        d.failure,
        d.decided_at,
        record.payment.at or d.decided_at,
        _encode(record.payment),
    )


def _sqlite_values(record: DecisionRecord) -> tuple[Any, ...]:
    id_, *head, fired, hits, failure, decided_at, payment_at, payment = _values(record)
    return (
        id_.bytes,
        *head,
        fired.decode(),
        hits.decode(),
        failure,
        decided_at,
        payment_at,
        payment.decode(),
    )


def _velocity_rows(
    records: Sequence[DecisionRecord],
) -> list[tuple[str, str, str, int, int, int, int]]:
    """The counters the new decisions add to, summed per counter and sorted, so concurrent
    batches lock the counter rows in one order (no deadlocks)."""
    summed: dict[tuple[str, str, str, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        for item in record.increments:
            key = (
                record.decision.tenant,
                item.subject,
                item.currency,
                item.resolution,
                item.bucket,
            )
            summed[key][0] += 1
            summed[key][1] += item.amount
    return [(*key, count, total) for key, (count, total) in sorted(summed.items())]


def _events(records: Sequence[DecisionRecord]) -> tuple[int, bytes] | None:
    events = [event for r in records for event in r.events]
    return (events[0].occurred_at, encode_batch(events)) if events else None


class _ReadRow(msgspec.Struct):
    """A window read, as `_VELOCITY_PG` reads it."""

    i: int
    tenant: str
    currency: str
    subject: str
    resolution: int
    since: int


class _DecisionRow(msgspec.Struct):
    """A decision with its payment and events, as `_RECORD_PG` reads it."""

    id: uuid.UUID
    tenant: str
    subject: str
    mode: str
    outcome: str
    score: int
    rule_set_version: int | None
    fired: msgspec.Raw
    hits: msgspec.Raw
    failure: str | None
    decided_at: int
    payment_at: int
    payment: msgspec.Raw
    event_at: int | None
    #: The events as one outbox row's bytes (base64 in the document).
    events: bytes | None


class _CounterRow(msgspec.Struct):
    """A velocity increment of the decision on `decided`, as `_RECORD_PG` reads it."""

    tenant: str
    decided: str
    counter: str
    currency: str
    resolution: int
    bucket: int
    amount: int


def _decision_row(record: DecisionRecord) -> _DecisionRow:
    columns = _values(record)
    id_, tenant, subject, mode, outcome, score, version, fired, hits, failure = columns[:10]
    decided_at, payment_at, payment = columns[10:]
    events = record.events
    return _DecisionRow(
        id_,
        tenant,
        subject,
        mode,
        outcome,
        score,
        version,
        msgspec.Raw(fired),
        msgspec.Raw(hits),
        failure,
        decided_at,
        payment_at,
        msgspec.Raw(payment),
        events[0].occurred_at if events else None,
        encode_batch(list(events)) if events else None,
    )


async def _record_pg(
    driver: asyncpg.Connection, records: Sequence[DecisionRecord]
) -> dict[Key, Decision]:
    counters = [
        _CounterRow(
            r.decision.tenant,
            r.decision.subject,
            i.subject,
            i.currency,
            i.resolution,
            i.bucket,
            i.amount,
        )
        for r in records
        for i in r.increments
    ]
    inserted = {
        tuple(row)
        for row in await driver.fetch(
            _RECORD_PG,
            _encode_text([_decision_row(r) for r in records]),
            _encode_text(counters),
        )
    }
    stored = {_key(r.decision): r.decision for r in records if _key(r.decision) in inserted}
    missing = [key for key in (_key(r.decision) for r in records) if key not in inserted]
    if missing:
        for row in await driver.fetch(_STORED_PG, *zip(*missing, strict=True)):
            decision = _decision(row)
            stored[_key(decision)] = decision
    return stored


def _encode_text(value: object) -> str:
    return _encode(value).decode()


async def _record_sqlite(
    connection: AsyncConnection, records: Sequence[DecisionRecord]
) -> dict[Key, Decision]:
    # Under the write lock taken at BEGIN: what is not stored now cannot be stored meanwhile.
    stored: dict[Key, Decision] = {}
    keys = [_key(r.decision) for r in records]
    for start in range(0, len(keys), _SQLITE_CHUNK):
        chunk = keys[start : start + _SQLITE_CHUNK]
        rows = ", ".join(["(?, ?, ?)"] * len(chunk))
        result = await connection.exec_driver_sql(
            f"SELECT {_DECISION_COLUMNS} FROM compliance_decisions"
            f" WHERE (tenant, subject, mode) IN (VALUES {rows})",
            tuple(value for key in chunk for value in key),
        )
        for row in result:
            decision = _decision(row._mapping)
            stored[_key(decision)] = decision
    new = [r for r in records if _key(r.decision) not in stored]
    if new:
        await connection.exec_driver_sql(_INSERT_SQLITE, [_sqlite_values(r) for r in new])
    velocity = _velocity_rows(new)
    if velocity:
        await connection.exec_driver_sql(_UPSERT_VELOCITY_SQLITE, velocity)
    outbox_row = _events(new)
    if outbox_row is not None:
        await connection.exec_driver_sql(_OUTBOX_SQLITE, outbox_row)
    stored.update((_key(r.decision), r.decision) for r in new)
    return stored


def _rule_set_row(rule_set: StoredRuleSet) -> dict[str, Any]:
    return {
        "tenant": rule_set.tenant,
        "version": rule_set.version,
        "source": rule_set.source,
        "digest": rule_set.digest,
        "status": rule_set.status.value,
        "published_at": rule_set.published_at,
        "published_by": rule_set.published_by,
    }


def _rule_set(row: Any) -> StoredRuleSet:
    return StoredRuleSet(
        tenant=row["tenant"],
        version=row["version"],
        source=row["source"],
        digest=row["digest"],
        status=RuleSetStatus(row["status"]),
        published_at=row["published_at"],
        published_by=row["published_by"],
    )


def _decision(row: Any) -> Decision:
    ident = row["id"]
    return Decision(
        id=uuid.UUID(bytes=ident) if isinstance(ident, bytes) else ident,
        tenant=row["tenant"],
        subject=row["subject"],
        mode=Mode(row["mode"]),
        outcome=Outcome(row["outcome"]),
        score=row["score"],
        rule_set_version=row["rule_set_version"],
        fired=_fired.decode(row["fired"]),
        hits=_hits.decode(row["hits"]),
        failure=row["failure"],
        decided_at=row["decided_at"],
    )
