"""The intent engine's tables on either backend: strongroom.workflows.ports.IntentStore.

Claims are one statement: an UPDATE of the intents a subquery picks, which on PostgreSQL locks
them `FOR UPDATE SKIP LOCKED`, so concurrent workers never pick the same row and never wait on
each other; on SQLite the write lock taken at BEGIN makes the one writer. The per-key mutex is
part of the pick: an intent with a mutex key is due only when no live intent of that key has an
earlier turn. A new intent's turn follows creation order; one that takes its key later, or is run
again by an admin, gets a new turn then (a checkpoint with `join`), behind every intent in the
queue. Submissions and joins of one key are serialized (a transaction-scoped advisory lock on
PostgreSQL) so that turn order is commit order.

A checkpoint batch is one transaction for many intents (the engine's group commit), fenced per
intent by its lease epoch (or, for a person's change, its version). On SQLite it reads the
fences under the write lock, then writes what it accepts with one executemany per table. On
PostgreSQL the hot path (claims, submissions, heartbeats, checkpoints) is plain SQL on an
asyncpg pool of its own, and a checkpoint batch that creates no child and wakes no parent is a
single statement. May import strongroom.workflows' and events' types only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg
import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.events.schemas import Envelope, encode_batch
from strongroom.store.connections import (
    LazyPgPool,
    sqlalchemy_engine,
    sqlite_write_transactions,
    write_transaction,
)
from strongroom.store.tables import (
    intent_schedules,
    intent_steps,
    intent_transitions,
    intent_workers,
    intents,
    outbox,
)
from strongroom.store.urls import DatabaseURL
from strongroom.workflows.ports import Applied, Checkpoint, Schedule, Submission
from strongroom.workflows.types import (
    Intent,
    IntentDetail,
    IntentQuery,
    IntentStatus,
    QueueStats,
    StepOutcome,
    StepRecord,
    TransitionRecord,
)

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode
_DONE = IntentStatus.DONE.value
_READY = IntentStatus.READY.value

#: The columns a checkpoint rewrites; the rest (the payload among them) are fixed at creation.
#: The mutex key is among them: an intent whose workflow is done gives its key up.
_MUTABLE = (
    "state",
    "status",
    "version",
    "updated_at",
    "run_at",
    "position",
    "results",
    "attempts",
    "run",
    "error",
    "timer_at",
    "timer_event",
    "mutex_key",
    "cancel_requested",
    "lease_epoch",
    "lease_owner",
)

_UPDATE = (
    intents.update()
    .where(intents.c.id == sa.bindparam("b_id"))
    .values({name: sa.bindparam(f"b_{name}") for name in _MUTABLE})
)

_PRIOR = intents.alias("prior")
#: First among the live intents of its mutex key (or without one).
_WORKER = intent_workers.alias("worker")
#: Seconds after its lease ran out that a worker's row is deleted.
_FORGET_NS = 3600 * 1_000_000_000


def _unheld(now: int | sa.BindParameter[int]) -> sa.ColumnElement[bool]:
    """Not held by a worker whose heartbeat lives."""
    return sa.or_(
        intents.c.lease_owner.is_(None),
        ~sa.exists(
            sa.select(_WORKER.c.name).where(
                _WORKER.c.name == intents.c.lease_owner, _WORKER.c.lease_until >= now
            )
        ),
    )


_HEAD = sa.or_(
    intents.c.mutex_key.is_(None),
    ~sa.exists(
        sa.select(_PRIOR.c.seq).where(
            _PRIOR.c.mutex_key == intents.c.mutex_key,
            _PRIOR.c.turn < intents.c.turn,
            _PRIOR.c.status != _DONE,
        )
    ),
)


_NOW: sa.BindParameter[int] = sa.bindparam("now", type_=sa.BigInteger)
#: Built once: composing a statement this size costs more than running it.
_DUE = sa.select(intents.c.seq).where(
    intents.c.status == _READY, intents.c.run_at <= _NOW, _unheld(_NOW), _HEAD
)
#: Whether anything is due: a read, which on SQLite takes no write lock (an idle worker's polls
#: must not queue behind, or hold up, the ledger's writer).
_ANY_DUE = _DUE.limit(1)
_CLAIM = (
    intents.update()
    .where(
        intents.c.seq.in_(
            _DUE.order_by(intents.c.run_at)
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(lease_owner=sa.bindparam("owner", type_=sa.Text), lease_epoch=intents.c.lease_epoch + 1)
    .returning(*intents.c)
)
_OUTBOX = sa.insert(outbox).values(
    created_at=sa.bindparam("created_at", type_=sa.BigInteger),
    events=sa.bindparam("events", type_=sa.LargeBinary),
)


def _row(intent: Intent) -> dict[str, Any]:
    return {
        "id": intent.id,
        "tenant": intent.tenant,
        "type": intent.type,
        "reference": intent.reference,
        "created_at": intent.created_at,
        "parent_id": intent.parent_id,
        "customer": intent.customer,
        "account": intent.account,
        "actor": intent.actor,
        "trace_id": intent.trace_id,
        "payload": _encode(intent.payload).decode(),
        **_mutable(intent),
    }


def _mutable(intent: Intent) -> dict[str, Any]:
    return {
        "state": intent.state,
        "status": intent.status.value,
        "version": intent.version,
        "updated_at": intent.updated_at,
        "run_at": intent.run_at,
        "position": intent.position,
        "results": _encode(intent.results).decode(),
        "attempts": intent.attempts,
        "run": intent.run,
        "error": intent.error,
        "timer_at": intent.timer_at,
        "timer_event": intent.timer_event,
        "mutex_key": intent.mutex_key,
        "cancel_requested": intent.cancel_requested,
        "lease_epoch": intent.lease_epoch,
        "lease_owner": intent.lease_owner,
    }


def _intent(row: Mapping[Any, Any]) -> Intent:
    """From a SQLAlchemy row's `_mapping` or an asyncpg record."""
    return Intent(
        id=row["id"],
        tenant=row["tenant"],
        type=row["type"],
        reference=row["reference"],
        payload=_decode(row["payload"]),
        state=row["state"],
        status=IntentStatus(row["status"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        mutex_key=row["mutex_key"],
        parent_id=row["parent_id"],
        customer=row["customer"],
        account=row["account"],
        actor=row["actor"],
        trace_id=row["trace_id"],
        run_at=row["run_at"],
        position=row["position"],
        results=_decode(row["results"]),
        attempts=row["attempts"],
        run=row["run"],
        error=row["error"],
        timer_at=row["timer_at"],
        timer_event=row["timer_event"],
        cancel_requested=bool(row["cancel_requested"]),
        seq=row["seq"],
        lease_epoch=row["lease_epoch"],
        lease_owner=row["lease_owner"],
    )


def _transition_row(t: TransitionRecord) -> dict[str, Any]:
    return msgspec.structs.asdict(t)


def _step_row(s: StepRecord) -> dict[str, Any]:
    return {
        "intent_id": s.intent_id,
        "step": s.step,
        "run": s.run,
        "attempt": s.attempt,
        "outcome": s.outcome.value,
        "started_at": s.started_at,
        "finished_at": s.finished_at,
        "result": None if s.result is None else _encode(s.result).decode(),
        "error": s.error,
    }


def _schedule(row: Any) -> Schedule:
    return Schedule(
        tenant=row.tenant,
        name=row.name,
        type=row.type,
        payload=_decode(row.payload),
        spec=row.spec,
        next_at=row.next_at,
        last_at=row.last_at,
        fired=row.fired,
        created_at=row.created_at,
    )


class SqlIntentStore:
    """IntentStore over a SQLAlchemy engine on a migrated database."""

    def __init__(self, engine: AsyncEngine, url: DatabaseURL) -> None:
        self._engine = engine
        self._postgres = url.kind == "postgresql"
        # The hot path on PostgreSQL: claims, checkpoints, submissions, heartbeats.
        self._hot = LazyPgPool(url)

    async def _pg(self) -> asyncpg.Pool:
        return await self._hot.get()

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlIntentStore:
        engine = sqlalchemy_engine(url)
        if url.kind == "sqlite":
            sqlite_write_transactions(engine)
        return cls(engine, url)

    async def close(self) -> None:
        await self._hot.close()
        await self._engine.dispose()

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return write_transaction(self._engine)

    # -- submission ---------------------------------------------------------------------------

    async def submit(self, submissions: Sequence[Submission], owner: str | None) -> list[Intent]:
        try:
            return await self._submit(submissions, owner)
        except (sa.exc.IntegrityError, asyncpg.UniqueViolationError):
            # Another transaction inserted one of these references after ours looked (two
            # engines firing one schedule, a client retrying on two servers). It committed, or
            # the insert would not have failed: a second look finds its intent.
            return await self._submit(submissions, owner)

    async def _submit(self, submissions: Sequence[Submission], owner: str | None) -> list[Intent]:
        if self._postgres:
            async with (await self._pg()).acquire() as driver, driver.transaction():
                return await _submit_pg(driver, submissions, owner)
        async with self._write() as connection:
            keys = sorted({s.intent.mutex_key for s in submissions if s.intent.mutex_key})
            references = {(s.intent.tenant, s.intent.type, s.intent.reference) for s in submissions}
            stored: dict[tuple[str, str, str], Intent] = {}
            found = await connection.execute(
                sa.select(intents).where(
                    sa.tuple_(intents.c.tenant, intents.c.type, intents.c.reference).in_(
                        list(references)
                    )
                )
            )
            for row in found:
                stored[(row.tenant, row.type, row.reference)] = _intent(row._mapping)
            busy: set[str] = set()
            if keys:
                live = await connection.execute(
                    sa.select(intents.c.mutex_key)
                    .where(intents.c.mutex_key.in_(keys), intents.c.status != _DONE)
                    .distinct()
                )
                busy = {key for (key,) in live}
            new = _admit(submissions, stored, busy, owner)
            if new:
                seqs = await connection.execute(
                    intents.insert().returning(intents.c.seq, sort_by_parameter_order=True),
                    await _turned(connection, [_row(s.intent) for s in new]),
                )
                for s, (seq,) in zip(new, seqs, strict=True):
                    i = s.intent
                    stored[(i.tenant, i.type, i.reference)] = _with_seq(i, seq)
                await connection.execute(
                    intent_transitions.insert(), [_transition_row(s.transition) for s in new]
                )
                await self._publish(
                    connection, [e for s in new for e in s.events], new[0].intent.created_at
                )
            return [
                stored[(s.intent.tenant, s.intent.type, s.intent.reference)] for s in submissions
            ]

    async def _publish(self, connection: AsyncConnection, events: list[Envelope], now: int) -> None:
        if events:
            await connection.execute(_OUTBOX, {"created_at": now, "events": encode_batch(events)})

    # -- the workers' side ------------------------------------------------------------------

    async def heartbeat(self, owner: str, now: int, lease_until: int) -> None:
        if self._postgres:
            async with (await self._pg()).acquire() as driver:
                await driver.execute(_HEARTBEAT_PG, owner, now, lease_until, now - _FORGET_NS)
            return
        async with self._write() as connection:
            updated = await connection.execute(
                intent_workers.update()
                .where(intent_workers.c.name == owner)
                .values(lease_until=lease_until)
            )
            if not updated.rowcount:
                await connection.execute(
                    intent_workers.insert().values(
                        name=owner, started_at=now, lease_until=lease_until
                    )
                )
            # Workers long gone: their rows only slow the claims down.
            await connection.execute(
                intent_workers.delete().where(intent_workers.c.lease_until < now - _FORGET_NS)
            )

    async def retire(self, owner: str) -> None:
        async with self._write() as connection:
            await connection.execute(intent_workers.delete().where(intent_workers.c.name == owner))

    async def claim(self, owner: str, now: int, limit: int) -> list[Intent]:
        if self._postgres:
            async with (await self._pg()).acquire() as driver:
                return [_intent(row) for row in await driver.fetch(_CLAIM_PG, owner, now, limit)]
        async with self._engine.connect() as reading:
            if (await reading.execute(_ANY_DUE, {"now": now})).first() is None:
                return []
        async with self._write() as connection:
            rows = await connection.execute(_CLAIM, {"owner": owner, "now": now, "limit": limit})
            return [_intent(row._mapping) for row in rows]

    async def request_cancel(self, intent_id: uuid.UUID) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                intents.update()
                .where(intents.c.id == intent_id, intents.c.status != _DONE)
                .values(cancel_requested=True)
            )
        return bool(result.rowcount)

    async def checkpoint(self, batch: Sequence[Checkpoint], now: int) -> Applied:
        if not batch:
            return Applied(set(), set())
        if self._postgres:
            async with (await self._pg()).acquire() as driver:
                if _related(batch):
                    async with driver.transaction():
                        return await _checkpoint_pg_related(driver, batch, now)
                return await _checkpoint_pg(driver, batch, now)
        async with self._write() as connection:
            accepted, cancelling = await _apply_sqlite(connection, batch)
            refused = {c.intent.id for c in batch} - {c.intent.id for c in accepted}
            if not accepted:
                return Applied(refused, cancelling)
            children = [child for c in accepted for child in c.children]
            if children:
                await connection.execute(
                    intents.insert(), await _turned(connection, [_row(i) for i in children])
                )
            joining = [c.intent.id for c in accepted if c.join]
            if joining:
                turns = await _turned(connection, [{"b_id": i} for i in joining], "b_turn")
                await connection.execute(_JOIN, turns)
            transitions = [_transition_row(t) for c in accepted for t in c.transitions]
            steps = [_step_row(s) for c in accepted for s in c.steps]
            if transitions:
                await connection.execute(intent_transitions.insert(), transitions)
            if steps:
                await connection.execute(intent_steps.insert(), steps)
            await self._publish(connection, [e for c in accepted for e in c.events], now)
            parents = _finished_parents(accepted)
            if parents:
                await connection.execute(_WAKE, {"parents": list(parents), "now": now})
            return Applied(refused, cancelling)

    # -- reading ------------------------------------------------------------------------------

    async def get(self, intent_id: uuid.UUID, tenant: str | None = None) -> Intent | None:
        query = sa.select(intents).where(intents.c.id == intent_id)
        if tenant is not None:
            query = query.where(intents.c.tenant == tenant)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _intent(row._mapping)

    async def detail(self, intent_id: uuid.UUID, tenant: str | None = None) -> IntentDetail | None:
        intent = await self.get(intent_id, tenant)
        if intent is None:
            return None
        async with self._engine.connect() as connection:
            transitions = await connection.execute(
                sa.select(intent_transitions)
                .where(intent_transitions.c.intent_id == intent_id)
                .order_by(intent_transitions.c.seq)
            )
            steps = await connection.execute(
                sa.select(intent_steps)
                .where(intent_steps.c.intent_id == intent_id)
                .order_by(intent_steps.c.id)
            )
            children = await connection.execute(
                sa.select(intents).where(intents.c.parent_id == intent_id).order_by(intents.c.seq)
            )
            return IntentDetail(
                intent,
                [
                    TransitionRecord(
                        r.intent_id,
                        r.seq,
                        r.event,
                        r.from_state,
                        r.to_state,
                        r.at,
                        r.actor,
                        r.reason,
                    )
                    for r in transitions
                ],
                [
                    StepRecord(
                        r.intent_id,
                        r.step,
                        r.run,
                        r.attempt,
                        StepOutcome(r.outcome),
                        r.started_at,
                        r.finished_at,
                        None if r.result is None else _decode(r.result),
                        r.error,
                    )
                    for r in steps
                ],
                [_intent(r._mapping) for r in children],
            )

    async def find(self, query: IntentQuery) -> list[Intent]:
        select = sa.select(intents).where(intents.c.tenant == query.tenant)
        for column, value in (
            (intents.c.type, query.type),
            (intents.c.state, query.state),
            (intents.c.status, None if query.status is None else query.status.value),
            (intents.c.customer, query.customer),
            (intents.c.account, query.account),
        ):
            if value is not None:
                select = select.where(column == value)
        if query.created_from is not None:
            select = select.where(intents.c.created_at >= query.created_from)
        if query.created_to is not None:
            select = select.where(intents.c.created_at < query.created_to)
        if query.before_seq is not None:
            select = select.where(intents.c.seq < query.before_seq)
        select = select.order_by(intents.c.seq.desc()).limit(query.limit)
        async with self._engine.connect() as connection:
            return [_intent(row._mapping) for row in await connection.execute(select)]

    async def queue_stats(self, now: int) -> QueueStats:
        ready = intents.c.status == _READY
        async with self._engine.connect() as connection:
            runnable, oldest = (
                await connection.execute(
                    sa.select(sa.func.count(), sa.func.min(intents.c.run_at)).where(
                        ready, intents.c.run_at <= now, _unheld(now)
                    )
                )
            ).one()
            running = await connection.scalar(
                sa.select(sa.func.count()).where(
                    ready, intents.c.lease_owner.is_not(None), ~_unheld(now)
                )
            )
            waiting = await connection.scalar(
                sa.select(sa.func.count()).where(intents.c.status == IntentStatus.WAITING.value)
            )
        return QueueStats(
            int(runnable),
            0.0 if oldest is None else max(0.0, (now - oldest) / 1e9),
            int(running or 0),
            int(waiting or 0),
        )

    # -- schedules ----------------------------------------------------------------------------

    async def put_schedule(self, schedule: Schedule) -> None:
        values = {
            "tenant": schedule.tenant,
            "name": schedule.name,
            "type": schedule.type,
            "payload": _encode(schedule.payload).decode(),
            "spec": schedule.spec,
            "next_at": schedule.next_at,
            "last_at": schedule.last_at,
            "fired": schedule.fired,
            "created_at": schedule.created_at,
        }
        async with self._write() as connection:
            await connection.execute(
                intent_schedules.delete().where(
                    intent_schedules.c.tenant == schedule.tenant,
                    intent_schedules.c.name == schedule.name,
                )
            )
            await connection.execute(intent_schedules.insert().values(values))

    async def delete_schedule(self, tenant: str, name: str) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                intent_schedules.delete().where(
                    intent_schedules.c.tenant == tenant, intent_schedules.c.name == name
                )
            )
        return bool(result.rowcount)

    async def schedules(self, tenant: str | None) -> list[Schedule]:
        query = sa.select(intent_schedules).order_by(
            intent_schedules.c.tenant, intent_schedules.c.name
        )
        if tenant is not None:
            query = query.where(intent_schedules.c.tenant == tenant)
        async with self._engine.connect() as connection:
            return [_schedule(row) for row in await connection.execute(query)]

    async def due_schedules(self, now: int, limit: int) -> list[Schedule]:
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(intent_schedules)
                .where(intent_schedules.c.next_at <= now)
                .order_by(intent_schedules.c.next_at)
                .limit(limit)
            )
            return [_schedule(row) for row in result]

    async def advance_schedule(
        self, tenant: str, name: str, fired_at: int, next_at: int | None
    ) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                intent_schedules.update()
                .where(
                    intent_schedules.c.tenant == tenant,
                    intent_schedules.c.name == name,
                    intent_schedules.c.next_at == fired_at,
                )
                .values(next_at=next_at, last_at=fired_at, fired=intent_schedules.c.fired + 1)
            )
        return bool(result.rowcount)


def _with_seq(intent: Intent, seq: int) -> Intent:
    return msgspec.structs.replace(intent, seq=seq)


def _fresh(checkpoint: Checkpoint, epoch: int | None, version: int | None) -> bool:
    """Whether the row's fencing columns still match what the checkpoint's writer read."""
    return (checkpoint.epoch is not None and checkpoint.epoch == epoch) or (
        checkpoint.expected_version is not None and checkpoint.expected_version == version
    )


_LAST_TURN = sa.select(sa.func.coalesce(sa.func.max(intents.c.turn), 0))
_JOIN = (
    intents.update().where(intents.c.id == sa.bindparam("b_id")).values(turn=sa.bindparam("b_turn"))
)


async def _turned(
    connection: AsyncConnection, rows: list[dict[str, Any]], key: str = "turn"
) -> list[dict[str, Any]]:
    """`rows` each with the next turn under `key`, in order (SQLite: the one writer gives
    them)."""
    last = int(await connection.scalar(_LAST_TURN) or 0)
    return [{**row, key: last + n} for n, row in enumerate(rows, 1)]


async def _apply_sqlite(
    connection: AsyncConnection, batch: Sequence[Checkpoint]
) -> tuple[list[Checkpoint], set[uuid.UUID]]:
    """The fenced update on SQLite: read the fences (the write lock is held since BEGIN), then
    write the checkpoints that still match."""
    fences = sa.select(
        intents.c.id, intents.c.lease_epoch, intents.c.version, intents.c.cancel_requested
    ).where(intents.c.id.in_([c.intent.id for c in batch]))
    current = {row.id: row for row in await connection.execute(fences)}
    accepted = [
        c
        for c in batch
        if c.intent.id in current
        and _fresh(c, current[c.intent.id].lease_epoch, current[c.intent.id].version)
    ]
    cancelling: set[uuid.UUID] = set()
    if accepted:
        updates = []
        for c in accepted:
            values = _mutable(c.intent)
            if current[c.intent.id].cancel_requested and c.intent.status is not IntentStatus.DONE:
                # A cancellation a person asked for while the step ran outlives the write.
                values["cancel_requested"] = True
                cancelling.add(c.intent.id)
            if c.fence:
                # Raising the epoch is what turns the holder's next checkpoint away.
                values["lease_epoch"] = current[c.intent.id].lease_epoch + 1
                values["lease_owner"] = None
            values["id"] = c.intent.id
            updates.append({f"b_{k}": v for k, v in values.items()})
        await connection.execute(_UPDATE, updates)
    return accepted, cancelling


#: PostgreSQL types of the columns a checkpoint rewrites, in _MUTABLE's order.
_MUTABLE_TYPES = (
    "text", "text", "int4", "int8", "int8", "int4", "text", "int4", "int4", "text",
    "int8", "text", "text", "bool", "int8", "text",
)  # fmt: skip
_FENCED = tuple(name for name in _MUTABLE if name.startswith("lease_"))
#: One statement for the whole batch: the fence is checked per row in the join, and the rows
#: it lets through come back, so a stale checkpoint changes nothing.
_UPDATE_PG = (
    "UPDATE intents AS i SET "
    + ", ".join(
        f"{name} = CASE WHEN u.fence THEN "
        + ("i.lease_epoch + 1" if name == "lease_epoch" else "NULL")
        + f" ELSE u.{name} END"
        if name in _FENCED
        # A cancellation a person asked for while the step ran outlives the engine's write.
        else "cancel_requested = u.status <> 'done' AND (i.cancel_requested OR u.cancel_requested)"
        if name == "cancel_requested"
        else f"{name} = u.{name}"
        for name in _MUTABLE
    )
    + " FROM unnest($1::uuid[], $2::int8[], $3::int4[], $4::bool[], "
    + ", ".join(f"${n + 5}::{t}[]" for n, t in enumerate(_MUTABLE_TYPES))
    + ") AS u(id, epoch, expected, fence, "
    + ", ".join(_MUTABLE)
    + ") WHERE i.id = u.id AND (i.lease_epoch = u.epoch OR i.version = u.expected)"
    " RETURNING i.id, i.cancel_requested"
)
_TRANSITION_TYPES = {
    "intent_id": "uuid", "seq": "int4", "event": "text", "from_state": "text",
    "to_state": "text", "at": "int8", "actor": "text", "reason": "text",
}  # fmt: skip
_STEP_TYPES = {
    "intent_id": "uuid", "step": "text", "run": "int4", "attempt": "int4", "outcome": "text",
    "started_at": "int8", "finished_at": "int8", "result": "text", "error": "text",
}  # fmt: skip


def _update_columns(batch: Sequence[Checkpoint]) -> list[list[Any]]:
    """The arrays `_UPDATE_PG` takes."""
    rows = [_mutable(c.intent) for c in batch]
    return [
        [c.intent.id for c in batch],
        [c.epoch for c in batch],
        [c.expected_version for c in batch],
        [c.fence for c in batch],
        *([row[name] for row in rows] for name in _MUTABLE),
    ]


async def _apply_pg(
    driver: Any, batch: Sequence[Checkpoint]
) -> tuple[list[Checkpoint], set[uuid.UUID]]:
    updated = {row[0]: row[1] for row in await driver.fetch(_UPDATE_PG, *_update_columns(batch))}
    accepted = [c for c in batch if c.intent.id in updated]
    return accepted, {i for i, cancelling in updated.items() if cancelling}


async def _insert_pg(
    driver: Any,
    table: str,
    types: dict[str, str],
    rows: list[dict[str, Any]],
    *,
    returning: str | None = None,
) -> list[Any]:
    """Insert `rows` with one statement, a column array per parameter."""
    if not rows:
        return []
    names = list(types)
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest("
        + ", ".join(f"${n + 1}::{types[name]}[]" for n, name in enumerate(names))
        + ")"
        + (f" RETURNING {returning}" if returning else "")
    )
    result: list[Any] = await driver.fetch(sql, *([row[name] for row in rows] for name in names))
    return result


def _admit(
    submissions: Sequence[Submission],
    stored: dict[tuple[str, str, str], Intent],
    busy: set[str],
    owner: str | None,
) -> list[Submission]:
    """The submissions to insert: those whose reference is free (the first of duplicates in
    the batch), each handed to `owner` when nothing live comes before it under its mutex key
    (`busy`: the keys with a live intent). Records each in `stored`."""
    new: list[Submission] = []
    for s in submissions:
        key = (s.intent.tenant, s.intent.type, s.intent.reference)
        if key in stored:
            continue
        intent = s.intent
        runnable_now = intent.status is IntentStatus.READY and (
            intent.mutex_key is None or intent.mutex_key not in busy
        )
        if intent.mutex_key is not None:
            busy.add(intent.mutex_key)
        if owner is not None and runnable_now:
            intent = msgspec.structs.replace(intent, lease_owner=owner, lease_epoch=1)
        stored[key] = intent
        new.append(Submission(intent, s.transition, s.events))
    return new


def _finished_parents(accepted: Sequence[Checkpoint]) -> set[uuid.UUID]:
    return {
        c.intent.parent_id
        for c in accepted
        if c.intent.parent_id is not None and c.intent.status is IntentStatus.DONE
    }


_CHILD = intents.alias("child")
#: Parents waiting for children of which none is live any more become due.
_WAKE = (
    intents.update()
    .where(
        intents.c.id.in_(sa.bindparam("parents", expanding=True)),
        intents.c.status == IntentStatus.WAITING.value,
        ~sa.exists(
            sa.select(_CHILD.c.seq).where(
                _CHILD.c.parent_id == intents.c.id, _CHILD.c.status != _DONE
            )
        ),
    )
    .values(status=_READY, run_at=_NOW, updated_at=_NOW)
)

# -- PostgreSQL: the hot path in plain SQL over asyncpg ------------------------------------

_WAKE_PG = (
    "UPDATE intents AS i SET status = 'ready', run_at = $2, updated_at = $2"
    " WHERE i.id = ANY($1::uuid[]) AND i.status = 'waiting' AND NOT EXISTS"
    " (SELECT 1 FROM intents c WHERE c.parent_id = i.id AND c.status <> 'done')"
)
_CLAIM_PG = (
    "UPDATE intents SET lease_owner = $1, lease_epoch = lease_epoch + 1 WHERE seq IN ("
    " SELECT i.seq FROM intents i WHERE i.status = 'ready' AND i.run_at <= $2"
    " AND (i.lease_owner IS NULL OR NOT EXISTS (SELECT 1 FROM intent_workers w"
    "  WHERE w.name = i.lease_owner AND w.lease_until >= $2))"
    " AND (i.mutex_key IS NULL OR NOT EXISTS (SELECT 1 FROM intents p"
    "  WHERE p.mutex_key = i.mutex_key AND p.turn < i.turn AND p.status <> 'done'))"
    " ORDER BY i.run_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *"
)
_HEARTBEAT_PG = (
    "WITH gone AS (DELETE FROM intent_workers WHERE lease_until < $4)"
    " INSERT INTO intent_workers (name, started_at, lease_until) VALUES ($1, $2, $3)"
    " ON CONFLICT (name) DO UPDATE SET lease_until = excluded.lease_until"
)
_OUTBOX_PG = "INSERT INTO outbox (created_at, events) VALUES ($1, $2)"
_INTENT_TYPES = {
    "id": "uuid", "tenant": "text", "type": "text", "reference": "text", "created_at": "int8",
    "mutex_key": "text", "parent_id": "uuid", "customer": "text", "account": "text",
    "actor": "text", "trace_id": "text", "payload": "text",
    **dict(zip(_MUTABLE, _MUTABLE_TYPES, strict=True)),
}  # fmt: skip


async def _lock_keys(driver: Any, keys: list[str]) -> None:
    """Hold `keys` (sorted) until the transaction ends. Turn order must be commit order per
    key, or an intent given a later turn could be claimed while one of its key with an earlier
    turn is still being committed."""
    if keys:
        await driver.execute(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 1414)))"
            " FROM unnest($1::text[]) WITH ORDINALITY AS u(k, n)",
            keys,
        )


async def _submit_pg(
    driver: Any, submissions: Sequence[Submission], owner: str | None
) -> list[Intent]:
    keys = sorted({s.intent.mutex_key for s in submissions if s.intent.mutex_key})
    await _lock_keys(driver, keys)
    wanted = list({(s.intent.tenant, s.intent.type, s.intent.reference) for s in submissions})
    found = await driver.fetch(
        "SELECT i.* FROM intents i JOIN unnest($1::text[], $2::text[], $3::text[]) AS u(t, y, r)"
        " ON i.tenant = u.t AND i.type = u.y AND i.reference = u.r",
        [w[0] for w in wanted],
        [w[1] for w in wanted],
        [w[2] for w in wanted],
    )
    stored = {(r["tenant"], r["type"], r["reference"]): _intent(r) for r in found}
    busy: set[str] = set()
    if keys:
        live = await driver.fetch(
            "SELECT DISTINCT mutex_key FROM intents WHERE mutex_key = ANY($1::text[])"
            " AND status <> 'done'",
            keys,
        )
        busy = {r["mutex_key"] for r in live}
    new = _admit(submissions, stored, busy, owner)
    if new:
        seqs = await _insert_pg(
            driver, "intents", _INTENT_TYPES, [_row(s.intent) for s in new], returning="id, seq"
        )
        by_id = {r["id"]: r["seq"] for r in seqs}
        for s in new:
            i = s.intent
            stored[(i.tenant, i.type, i.reference)] = _with_seq(i, by_id[i.id])
        await _insert_pg(
            driver,
            "intent_transitions",
            _TRANSITION_TYPES,
            [_transition_row(s.transition) for s in new],
        )
        events = [e for s in new for e in s.events]
        if events:
            await driver.execute(_OUTBOX_PG, new[0].intent.created_at, encode_batch(events))
    return [stored[(s.intent.tenant, s.intent.type, s.intent.reference)] for s in submissions]


def _unnest(types: dict[str, str], first: int, alias: str) -> str:
    """`unnest($first::t1[], ...) AS alias(c1, ...)` over the columns of `types`."""
    arrays = ", ".join(f"${first + n}::{t}[]" for n, t in enumerate(types.values()))
    return f"unnest({arrays}) AS {alias}({', '.join(types)})"


_AFTER_UPDATE = 5 + len(_MUTABLE)
_AFTER_TRANSITIONS = _AFTER_UPDATE + len(_TRANSITION_TYPES)
_AFTER_STEPS = _AFTER_TRANSITIONS + len(_STEP_TYPES)
#: A whole checkpoint batch in one statement (PostgreSQL runs it as one transaction): the fenced
#: update, then the records and events of the intents it let through (its RETURNING is what
#: the other parts see). One round trip instead of six is most of a lone checkpoint's cost.
_CHECKPOINT_PG = (
    f"WITH upd AS ({_UPDATE_PG}),"
    f" tr AS (INSERT INTO intent_transitions ({', '.join(_TRANSITION_TYPES)})"
    f" SELECT {', '.join(_TRANSITION_TYPES)}"
    f" FROM {_unnest(_TRANSITION_TYPES, _AFTER_UPDATE, 't')}"
    " WHERE t.intent_id IN (SELECT id FROM upd)),"
    f" st AS (INSERT INTO intent_steps ({', '.join(_STEP_TYPES)})"
    f" SELECT {', '.join(_STEP_TYPES)} FROM {_unnest(_STEP_TYPES, _AFTER_TRANSITIONS, 's')}"
    " WHERE s.intent_id IN (SELECT id FROM upd)),"
    " ob AS (INSERT INTO outbox (created_at, events)"
    f" SELECT ${_AFTER_STEPS}, e.events"
    f" FROM unnest(${_AFTER_STEPS + 1}::uuid[], ${_AFTER_STEPS + 2}::bytea[]) AS e(id, events)"
    " WHERE e.events IS NOT NULL AND e.id IN (SELECT id FROM upd))"
    " SELECT id, cancel_requested FROM upd"
)


def _related(batch: Sequence[Checkpoint]) -> bool:
    """Whether the batch touches other intents: children to create, parents to wake, a mutex
    key's queue to join."""
    return any(c.children or c.intent.parent_id or c.join for c in batch)


def _joining_keys(batch: Sequence[Checkpoint]) -> list[str]:
    return sorted({c.intent.mutex_key for c in batch if c.join and c.intent.mutex_key})


_JOIN_PG = "UPDATE intents SET turn = nextval('intents_turn_seq') WHERE id = ANY($1::uuid[])"


async def _checkpoint_pg(driver: Any, batch: Sequence[Checkpoint], now: int) -> Applied:
    """A batch that touches no other intent, in one statement."""
    transitions = [_transition_row(t) for c in batch for t in c.transitions]
    steps = [_step_row(s) for c in batch for s in c.steps]
    updated = {
        row[0]: row[1]
        for row in await driver.fetch(
            _CHECKPOINT_PG,
            *_update_columns(batch),
            *([row[name] for row in transitions] for name in _TRANSITION_TYPES),
            *([row[name] for row in steps] for name in _STEP_TYPES),
            now,
            [c.intent.id for c in batch],
            # One outbox row per intent: the rows of refused intents are filtered out.
            [encode_batch(c.events) if c.events else None for c in batch],
        )
    }
    return Applied(
        {c.intent.id for c in batch} - updated.keys(),
        {i for i, cancelling in updated.items() if cancelling},
    )


async def _checkpoint_pg_related(driver: Any, batch: Sequence[Checkpoint], now: int) -> Applied:
    """A batch with children to create or parents to wake, statement by statement (in the
    caller's transaction): the wake must see the children's new status."""
    await _lock_keys(driver, _joining_keys(batch))
    accepted, cancelling = await _apply_pg(driver, batch)
    refused = {c.intent.id for c in batch} - {c.intent.id for c in accepted}
    if accepted:
        joining = [c.intent.id for c in accepted if c.join]
        if joining:
            await driver.execute(_JOIN_PG, joining)
        children = [child for c in accepted for child in c.children]
        await _insert_pg(driver, "intents", _INTENT_TYPES, [_row(i) for i in children])
        await _insert_pg(
            driver,
            "intent_transitions",
            _TRANSITION_TYPES,
            [_transition_row(t) for c in accepted for t in c.transitions],
        )
        await _insert_pg(
            driver, "intent_steps", _STEP_TYPES, [_step_row(s) for c in accepted for s in c.steps]
        )
        events = [e for c in accepted for e in c.events]
        if events:
            await driver.execute(_OUTBOX_PG, now, encode_batch(events))
        parents = _finished_parents(accepted)
        if parents:
            await driver.execute(_WAKE_PG, list(parents), now)
    return Applied(refused, cancelling)
