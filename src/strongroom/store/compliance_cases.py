"""Compliance cases on SQLite and PostgreSQL: strongroom.compliance.ports.CaseStore.

SQLAlchemy Core, one set of statements for both backends: cases are a person's pace, not a hot
path. A change is one transaction: the case's row updated only if its version is the one the
caller read (optimistic concurrency in the UPDATE itself), its event appended, its outbox row
written. May import strongroom.compliance's records and ports, events' types and this package;
never the rest of strongroom.compliance. Schema: migration 0013_compliance_cases.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.compliance.case_records import (
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseQuery,
    CaseState,
    Proposal,
)
from strongroom.store.connections import (
    sqlalchemy_engine,
    sqlite_write_transactions,
    write_transaction,
)
from strongroom.store.tables import compliance_case_events, compliance_cases, outbox
from strongroom.store.urls import DatabaseURL

_UNDECIDED = (CaseState.OPEN.value, CaseState.PROPOSED.value)


def _row(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "tenant": case.tenant,
        "kind": case.kind.value,
        "subject": case.subject,
        "reference": case.reference,
        "state": case.state.value,
        "version": case.version,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "due_at": case.due_at,
        "opened_by": case.opened_by,
        "intent_id": case.intent_id,
        "decision_id": case.decision_id,
        "reasons": json.dumps(list(case.reasons)),
        "hits": json.dumps(list(case.hits), sort_keys=True),
        "assignee": case.assignee,
        "proposal": None if case.proposal is None else case.proposal.value,
        "proposal_reason": case.proposal_reason,
        "proposed_by": case.proposed_by,
        "proposed_by_owner": case.proposed_by_owner,
        "decided_by": case.decided_by,
        "decided_at": case.decided_at,
    }


def _case(r: sa.Row[Any]) -> Case:
    return Case(
        id=r.id,
        tenant=r.tenant,
        kind=CaseKind(r.kind),
        subject=r.subject,
        reference=r.reference,
        state=CaseState(r.state),
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
        due_at=r.due_at,
        opened_by=r.opened_by,
        intent_id=r.intent_id,
        decision_id=r.decision_id,
        reasons=tuple(json.loads(r.reasons)),
        hits=tuple(json.loads(r.hits)),
        assignee=r.assignee,
        proposal=None if r.proposal is None else Proposal(r.proposal),
        proposal_reason=r.proposal_reason,
        proposed_by=r.proposed_by,
        proposed_by_owner=r.proposed_by_owner,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        seq=r.seq,
    )


def _event(r: sa.Row[Any]) -> CaseEvent:
    return CaseEvent(
        case_id=r.case_id,
        seq=r.seq,
        action=CaseAction(r.action),
        actor=r.actor,
        at=r.at,
        from_state=None if r.from_state is None else CaseState(r.from_state),
        to_state=CaseState(r.to_state),
        detail=json.loads(r.detail),
    )


async def _append(conn: AsyncConnection, event: CaseEvent, events: bytes) -> None:
    await conn.execute(
        sa.insert(compliance_case_events).values(
            case_id=event.case_id,
            seq=event.seq,
            action=event.action.value,
            actor=event.actor,
            at=event.at,
            from_state=None if event.from_state is None else event.from_state.value,
            to_state=event.to_state.value,
            detail=json.dumps(event.detail, sort_keys=True),
        )
    )
    await conn.execute(sa.insert(outbox).values(created_at=event.at, events=events))


class SqlCaseStore:
    """CaseStore over a SQLAlchemy engine; open with `SqlCaseStore.open(url)` on a migrated
    database."""

    def __init__(self, engine: AsyncEngine, kind: str) -> None:
        self._engine = engine
        self._kind = kind

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlCaseStore:
        engine = sqlalchemy_engine(url)
        if url.kind == "sqlite":
            sqlite_write_transactions(engine)
        return cls(engine, url.kind)

    async def close(self) -> None:
        await self._engine.dispose()

    async def insert(self, case: Case, event: CaseEvent, events: bytes) -> tuple[Case, bool]:
        insert = postgresql.insert if self._kind == "postgresql" else sqlite.insert
        async with write_transaction(self._engine) as conn:
            result = await conn.execute(
                insert(compliance_cases)
                .values(**_row(case))
                .on_conflict_do_nothing(index_elements=["tenant", "reference"])
            )
            if result.rowcount == 1:
                await _append(conn, event, events)
            stored = await self._by_reference(conn, case.tenant, case.reference)
        return stored, result.rowcount == 1

    async def _by_reference(self, conn: AsyncConnection, tenant: str, reference: str) -> Case:
        result = await conn.execute(
            sa.select(compliance_cases).where(
                compliance_cases.c.tenant == tenant, compliance_cases.c.reference == reference
            )
        )
        return _case(result.one())

    async def update(
        self, case: Case, expected_version: int, event: CaseEvent, events: bytes
    ) -> bool:
        values = _row(case)
        for fixed in ("id", "tenant", "kind", "reference", "created_at", "opened_by"):
            del values[fixed]
        async with write_transaction(self._engine) as conn:
            result = await conn.execute(
                sa.update(compliance_cases)
                .where(
                    compliance_cases.c.id == case.id,
                    compliance_cases.c.tenant == case.tenant,
                    compliance_cases.c.version == expected_version,
                )
                .values(**values)
            )
            if result.rowcount != 1:
                return False
            await _append(conn, event, events)
        return True

    async def get(self, case_id: uuid.UUID, tenant: str) -> Case | None:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(compliance_cases).where(
                    compliance_cases.c.id == case_id, compliance_cases.c.tenant == tenant
                )
            )
            row = result.first()
        return None if row is None else _case(row)

    async def events(self, case_id: uuid.UUID) -> list[CaseEvent]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(compliance_case_events)
                .where(compliance_case_events.c.case_id == case_id)
                .order_by(compliance_case_events.c.seq)
            )
            return [_event(r) for r in result]

    async def find(self, query: CaseQuery) -> list[Case]:
        c = compliance_cases.c
        select = sa.select(compliance_cases).where(c.tenant == query.tenant)
        if query.state is not None:
            select = select.where(c.state == query.state.value)
        if query.kind is not None:
            select = select.where(c.kind == query.kind.value)
        if query.assignee is not None:
            select = select.where(c.assignee == query.assignee)
        if query.overdue_at is not None:
            select = select.where(c.state.in_(_UNDECIDED), c.due_at < query.overdue_at)
        if query.before_seq is not None:
            select = select.where(c.seq < query.before_seq)
        select = select.order_by(c.seq.desc()).limit(query.limit)
        async with self._engine.connect() as conn:
            return [_case(r) for r in await conn.execute(select)]
