"""What the compliance package needs stored, as Protocols the store implements
(strongroom.store.compliance_cases for cases). Imports this package's records only."""

from __future__ import annotations

import uuid
from typing import Protocol

from strongroom.compliance.case_records import Case, CaseEvent, CaseQuery


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
