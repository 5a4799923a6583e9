"""Compliance's tables on either backend: strongroom.compliance.ports' RuleSetStore and
DecisionStore, in SQLAlchemy Core.

A batch of decisions is one transaction: one multi-row INSERT ... ON CONFLICT DO NOTHING
RETURNING says which decisions are new (a subject decided before keeps its first decision),
the velocity of the new ones is added by upserts, and their events go to the outbox as one row.
A window's figures are one UNION ALL of range sums, one round trip for all windows of a
decision. Publishing a rule set serializes per tenant (PostgreSQL: a transaction-scoped advisory
lock; SQLite: the write lock) so versions are numbered without gaps or clashes. May import
strongroom.compliance's and events' types only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.compliance.decisions import Decision, FiredRule, Mode, Outcome
from strongroom.compliance.ports import (
    DecisionRecord,
    HistoryItem,
    RuleSetStatus,
    StoredRuleSet,
)
from strongroom.compliance.rules.facts import Payment
from strongroom.compliance.rules.velocity import WindowQuery
from strongroom.compliance.screening.types import Hit
from strongroom.events.schemas import Envelope, encode_batch
from strongroom.store.connections import sqlalchemy_engine, sqlite_write_transactions
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
    def __init__(self, engine: AsyncEngine, postgres: bool) -> None:
        self._engine = engine
        self._postgres = postgres
        self._insert = postgresql.insert if postgres else sqlite.insert

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlComplianceStore:
        engine = sqlalchemy_engine(url)
        if url.kind == "sqlite":
            sqlite_write_transactions(engine)
        return cls(engine, url.kind == "postgresql")

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction (on SQLite holding the write lock from its BEGIN)."""
        async with self._engine.connect() as connection:
            writing = await connection.execution_options(strongroom_write=True)
            async with writing.begin():
                yield writing

    # -- rule sets ----------------------------------------------------------------------------

    async def add_rule_set(
        self, rule_set: StoredRuleSet, events: Callable[[StoredRuleSet], Sequence[Envelope]]
    ) -> StoredRuleSet:
        table = compliance_rule_sets
        async with self._write() as connection:
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
        async with self._write() as connection:
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

    # -- decisions ----------------------------------------------------------------------------

    async def velocity(
        self, tenant: str, currency: str, queries: Sequence[WindowQuery]
    ) -> list[tuple[int, int]]:
        statement = _velocity_statement(len(queries))
        params: dict[str, Any] = {"tenant": tenant, "currency": currency}
        for i, query in enumerate(queries):
            params[f"s{i}"] = query.subject
            params[f"r{i}"] = query.resolution
            params[f"b{i}"] = query.since
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement, params)).all()
        totals = dict.fromkeys(range(len(queries)), (0, 0))
        for index, count, total in rows:
            totals[index] = (int(count), int(total))
        return [totals[i] for i in range(len(queries))]

    async def record(self, records: Sequence[DecisionRecord]) -> list[Decision]:
        table = compliance_decisions
        async with self._write() as connection:
            inserted = {
                row.id
                for row in await connection.execute(
                    self._insert(table)
                    .values([_decision_row(r) for r in records])
                    .on_conflict_do_nothing(index_elements=["tenant", "subject", "mode"])
                    .returning(table.c.id)
                )
            }
            first: dict[tuple[str, str, str], Decision] = {}
            missing = [r.decision for r in records if r.decision.id not in inserted]
            if missing:
                keys = {(d.tenant, d.subject, d.mode.value) for d in missing}
                found = await connection.execute(
                    sa.select(table).where(
                        sa.tuple_(table.c.tenant, table.c.subject, table.c.mode).in_(list(keys))
                    )
                )
                for row in found:
                    first[(row.tenant, row.subject, row.mode)] = _decision(row._mapping)
            new = [r for r in records if r.decision.id in inserted]
            await self._add_velocity(connection, new)
            events = [event for r in new for event in r.events]
            if events:
                await _publish(connection, events[0].occurred_at, events)
        out = []
        for r in records:
            d = r.decision
            out.append(d if d.id in inserted else first[(d.tenant, d.subject, d.mode.value)])
        return out

    async def _add_velocity(
        self, connection: AsyncConnection, records: Sequence[DecisionRecord]
    ) -> None:
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
        if not summed:
            return
        table = compliance_velocity
        insert = self._insert(table)
        upsert = insert.on_conflict_do_update(
            index_elements=["tenant", "subject", "currency", "resolution", "bucket"],
            set_={
                "count": table.c.count + insert.excluded.count,
                "total": table.c.total + insert.excluded.total,
            },
        )
        # Sorted, so concurrent batches lock the counter rows in one order (no deadlocks).
        await connection.execute(
            upsert,
            [
                {
                    "tenant": key[0],
                    "subject": key[1],
                    "currency": key[2],
                    "resolution": key[3],
                    "bucket": key[4],
                    "count": count,
                    "total": total,
                }
                for key, (count, total) in sorted(summed.items())
            ],
        )

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
        async with self._write() as connection:
            result = await connection.execute(sa.delete(table).where(table.c.bucket < older_than))
            return int(result.rowcount)


async def _publish(connection: AsyncConnection, now: int, events: Sequence[Envelope]) -> None:
    if events:
        await connection.execute(
            sa.insert(outbox).values(created_at=now, events=encode_batch(list(events)))
        )


def _velocity_statement(size: int) -> sa.CompoundSelect[Any] | sa.Select[Any]:
    table = compliance_velocity
    parts = [
        sa.select(
            sa.literal(i, sa.Integer).label("i"),
            sa.func.coalesce(sa.func.sum(table.c.count), 0),
            sa.func.coalesce(sa.func.sum(table.c.total), 0),
        ).where(
            table.c.tenant == sa.bindparam("tenant"),
            table.c.currency == sa.bindparam("currency"),
            table.c.subject == sa.bindparam(f"s{i}"),
            table.c.resolution == sa.bindparam(f"r{i}"),
            table.c.bucket >= sa.bindparam(f"b{i}"),
        )
        for i in range(size)
    ]
    return parts[0] if size == 1 else sa.union_all(*parts)


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


def _decision_row(record: DecisionRecord) -> dict[str, Any]:
    d = record.decision
    return {
        "id": d.id,
        "tenant": d.tenant,
        "subject": d.subject,
        "mode": d.mode.value,
        "outcome": d.outcome.value,
        "score": d.score,
        "rule_set_version": d.rule_set_version,
        "fired": _encode(d.fired).decode(),
        "hits": _encode(d.hits).decode(),
        "failure": d.failure,
        "decided_at": d.decided_at,
        "payment_at": record.payment.at or d.decided_at,
        "payment": _encode(record.payment).decode(),
    }


def _decision(row: Any) -> Decision:
    return Decision(
        id=row["id"],
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
