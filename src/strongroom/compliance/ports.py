"""What compliance needs from storage. `strongroom.store` implements these for SQLite and
PostgreSQL; the domain never imports it."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol

import msgspec

from strongroom.compliance.case_records import Case, CaseEvent, CaseQuery
from strongroom.compliance.decisions import Decision
from strongroom.compliance.rules.facts import Payment
from strongroom.compliance.rules.velocity import Increment, VelocityRead
from strongroom.events.schemas import Envelope


class RuleSetStatus(enum.StrEnum):
    #: Stored, not evaluated.
    DRAFT = "draft"
    #: Evaluated beside the enforced set, recorded, never acting.
    SHADOW = "shadow"
    #: The set in force: its decisions act.
    ENFORCE = "enforce"
    #: Was shadow or in force; replaced.
    RETIRED = "retired"


class StoredRuleSet(msgspec.Struct, frozen=True, kw_only=True):
    tenant: str
    version: int
    source: str
    digest: str
    status: RuleSetStatus
    published_at: int
    published_by: str | None


class DecisionRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A decision to store with what it was made over, the velocity it adds and its events."""

    decision: Decision
    payment: Payment
    increments: tuple[Increment, ...]
    events: tuple[Envelope, ...]


class HistoryItem(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    payment: Payment
    decision: Decision


class RuleSetStore(Protocol):
    async def add_rule_set(
        self, rule_set: StoredRuleSet, events: Callable[[StoredRuleSet], Sequence[Envelope]]
    ) -> StoredRuleSet:
        """Store `rule_set` under the tenant's next version (its `version` is ignored), with the
        `events` of the numbered set. An `enforce` or `shadow` set retires the tenant's previous
        set of that status, in the same transaction."""
        ...

    async def set_status(
        self,
        tenant: str,
        version: int,
        status: RuleSetStatus,
        events: Sequence[Envelope],
    ) -> StoredRuleSet | None:
        """Move `version` to `status` (retiring the previous holder of an active status); None
        if the tenant has no such version."""
        ...

    async def rule_sets(self, tenant: str) -> list[StoredRuleSet]:
        """Every version of the tenant's rule set, newest first."""
        ...

    async def rule_set(self, tenant: str, version: int) -> StoredRuleSet | None: ...

    async def active_rule_sets(self, tenant: str) -> list[StoredRuleSet]:
        """The tenant's sets in force and in shadow (at most one each)."""
        ...


class DecisionStore(Protocol):
    async def velocity(self, reads: Sequence[VelocityRead]) -> list[tuple[int, int]]:
        """(count, sum) per read, from the counters as committed."""
        ...

    async def record(self, records: Sequence[DecisionRecord]) -> list[Decision]:
        """Store the decisions in one transaction. A decision whose (tenant, subject, mode) is
        already stored is not stored again and adds no velocity: the stored one is returned in
        its place. Otherwise its increments and events are written with it."""
        ...

    async def decisions(self, tenant: str, subject: str) -> list[Decision]:
        """The decisions on `subject` (enforced first, then shadow)."""
        ...

    async def find_decisions(
        self, tenant: str, *, outcome: str | None, before: int | None, limit: int
    ) -> list[tuple[int, Decision]]:
        """Enforced and shadow decisions, newest first, with their sequence numbers (a page
        continues with `before` = the last one)."""
        ...

    async def history(
        self, tenant: str, *, since: int, until: int, after: int, limit: int
    ) -> list[HistoryItem]:
        """Enforced decisions on payments whose time is in [since, until), in decision order,
        after sequence number `after`: what a backtest replays."""
        ...

    async def prune_velocity(self, older_than: int) -> int:
        """Delete velocity buckets that start before `older_than` (seconds); how many."""
        ...


class CaseStore(Protocol):
    async def insert(self, case: Case, event: CaseEvent, events: bytes) -> tuple[Case, bool]:
        """Store a new case with its first event and, in the same transaction, one outbox row
        holding `events` (an encoded batch of envelopes). A case with the same (tenant,
        reference) already stored is returned instead, with False, and nothing is written."""
        ...

    async def update(
        self, case: Case, expected_version: int, event: CaseEvent, events: bytes
    ) -> bool:
        """Replace the case if it is still at `expected_version`, append `event` and the outbox
        row, in one transaction; False (nothing written) if the version moved."""
        ...

    async def get(self, case_id: uuid.UUID, tenant: str) -> Case | None: ...

    async def events(self, case_id: uuid.UUID) -> list[CaseEvent]:
        """The case's history, oldest first."""
        ...

    async def find(self, query: CaseQuery) -> list[Case]: ...

    async def close(self) -> None: ...
