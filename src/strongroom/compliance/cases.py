"""`CaseService`: compliance cases with maker-checker, as the API, the CLI and other subsystems
use them.

A case is opened from a review Decision, by staff, or by a subsystem (a dispute, a
reconciliation break). People assign it, add notes, and a maker proposes an outcome (release or
block, with a reason); a checker, who must be another key than the maker and (by default)
another owner, approves it (the case is released or blocked for good) or rejects it (back to
open). Every change is one stored case event and one `compliance.case.changed` event on the
outbox, written in one transaction, and is refused as a CaseVersionConflict when the caller's
`expected_version` moved.

A case opened for an intent (`intent_id`) hands its outcome to that intent: approving fires
`case_released` or `case_blocked` on it, so the intent (a payment held for review, a dispute)
moves on. `strongroom.compliance.case_intent` declares the intent type that waits so.

Roles: `read` may list and show; `write` may open, assign, note and propose; approving and
rejecting a proposal (the checker's acts) need `admin`. Tenant-scoped: another tenant's case is
NotFound.

May import services.access, events' schemas, this package's records and ports; never
strongroom.store nor the transports.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from strongroom.clock import Clock
from strongroom.compliance.case_records import (
    Case,
    CaseAction,
    CaseDetail,
    CaseEvent,
    CaseKind,
    CaseQuery,
    CaseState,
    Proposal,
)
from strongroom.compliance.decisions import Decision, Outcome
from strongroom.compliance.ports import CaseStore
from strongroom.errors import Conflict, NotFound, PermissionDenied, StrongroomError, ValidationError
from strongroom.events.schemas import CASE_CHANGED, Envelope, encode_batch
from strongroom.ids import new_id
from strongroom.services.access import Principal, Role, acting
from strongroom.tracing import current_trace_id
from strongroom.workflows.service import VersionConflict

log = logging.getLogger(__name__)

#: The events a decided case fires on the intent waiting for it.
CASE_RELEASED = "case_released"
CASE_BLOCKED = "case_blocked"
MAX_PAGE = 500
MAX_TEXT = 2000
_NS = 1_000_000_000
_FIRE_ATTEMPTS = 3

#: Fires `event` with `reason` on the intent `intent_id`, acting as the given principal.
FireEvent = Callable[[Principal, uuid.UUID, str, str], Awaitable[object]]


class CaseVersionConflict(Conflict):
    code = "version_conflict"

    def __init__(self, case_id: uuid.UUID, expected: int, found: int) -> None:
        super().__init__(f"case {case_id} is at version {found}, not {expected}")


class MakerCheckerViolation(PermissionDenied):
    """The checker would be the maker: the same key, or (by default) a key of the same owner."""

    code = "maker_checker"


@dataclass(frozen=True, slots=True)
class CasePolicy:
    """Seconds until a case of each kind is overdue, and how strict maker-checker is."""

    sla: Mapping[CaseKind, float]
    #: The checker must also be another owner (key name) than the maker, not only another key.
    distinct_owner: bool = True


def _text(field: str, value: object, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ValidationError(field, f"must be 1 to {MAX_TEXT} characters, not blank")
    return value


E = TypeVar("E", CaseKind, CaseState, Proposal)


def _enum(field: str, kind: type[E], value: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(field, f"one of {', '.join(k.value for k in kind)}") from None


def _owner(who: Principal) -> str | None:
    return who.name or None


class CaseService:
    def __init__(
        self, store: CaseStore, clock: Clock, policy: CasePolicy, fire: FireEvent | None = None
    ) -> None:
        """`fire`: how a decided case reaches the intent waiting for it (IntentService.fire);
        without one, cases opened for an intent are refused."""
        self.store = store
        self.clock = clock
        self.policy = policy
        self._fire = fire

    async def close(self) -> None:
        await self.store.close()

    # -- opening ------------------------------------------------------------------------------

    async def open(
        self,
        who: Principal,
        kind: str,
        subject: str,
        *,
        reference: str | None = None,
        intent_id: uuid.UUID | None = None,
        reasons: Iterable[str] = (),
        note: str | None = None,
    ) -> tuple[Case, bool]:
        """Staff open a case; the same `reference` again returns the stored case (False)."""
        with acting(who, Role.WRITE):
            return await self.open_for(
                who.tenant,
                who.id,
                _enum("kind", CaseKind, kind),
                subject,
                reference=reference,
                intent_id=intent_id,
                reasons=tuple(reasons),
                note=_text("note", note, required=False),
            )

    async def open_from_decision(
        self, who: Principal, decision: Decision, *, intent_id: uuid.UUID | None = None
    ) -> tuple[Case, bool]:
        """A review case for a Decision that asked for one; one case per decision."""
        with acting(who, Role.WRITE):
            if decision.tenant != who.tenant:
                raise NotFound(f"decision {decision.id} not found")
            if decision.outcome is not Outcome.REVIEW:
                raise ValidationError("decision", f"is {decision.outcome.value}, not review")
            return await self.open_for(
                who.tenant,
                who.id,
                CaseKind.REVIEW,
                decision.subject,
                reference=f"decision:{decision.id}",
                intent_id=intent_id,
                decision_id=decision.id,
                reasons=decision.reasons,
                hits=tuple(msgspec.to_builtins(hit) for hit in decision.hits),
            )

    async def open_for(
        self,
        tenant: str,
        actor: str,
        kind: CaseKind,
        subject: str,
        *,
        reference: str | None = None,
        intent_id: uuid.UUID | None = None,
        decision_id: uuid.UUID | None = None,
        reasons: tuple[str, ...] = (),
        hits: tuple[dict[str, Any], ...] = (),
        note: str | None = None,
        due_in: float | None = None,
    ) -> tuple[Case, bool]:
        """A subsystem opens a case (no role: the caller is the system acting for `tenant`).
        `due_in`: seconds until overdue, instead of the kind's SLA."""
        _text("subject", subject)
        if reference is not None:
            _text("reference", reference)
        if intent_id is not None and self._fire is None:
            raise ValidationError("intent_id", "this deployment cannot fire events on intents")
        now = self.clock.now_ns()
        case_id = new_id()
        seconds = self.policy.sla[kind] if due_in is None else due_in
        case = Case(
            id=case_id,
            tenant=tenant,
            kind=kind,
            subject=subject,
            reference=reference or f"case:{case_id}",
            state=CaseState.OPEN,
            version=1,
            created_at=now,
            updated_at=now,
            due_at=now + int(seconds * _NS),
            opened_by=actor,
            intent_id=intent_id,
            decision_id=decision_id,
            reasons=reasons,
            hits=hits,
        )
        detail = {"note": note} if note is not None else {}
        event = CaseEvent(
            case_id=case_id,
            seq=1,
            action=CaseAction.OPEN,
            actor=actor,
            at=now,
            from_state=None,
            to_state=CaseState.OPEN,
            detail=detail,
        )
        return await self.store.insert(case, event, self._envelopes(case, event))

    # -- reading ------------------------------------------------------------------------------

    async def show(self, who: Principal, case_id: uuid.UUID) -> CaseDetail:
        with acting(who, Role.READ):
            case = await self._get(who, case_id)
            return CaseDetail(case, await self.store.events(case_id))

    async def find(
        self,
        who: Principal,
        *,
        state: str | None = None,
        kind: str | None = None,
        assignee: str | None = None,
        overdue: bool = False,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[Case], str | None]:
        """The tenant's cases, newest first; `overdue`: only undecided ones past `due_at`."""
        with acting(who, Role.READ):
            if not 1 <= limit <= MAX_PAGE:
                raise ValidationError("limit", f"must be 1 to {MAX_PAGE}")
            if cursor is not None and not cursor.isdigit():
                raise ValidationError("cursor", "not a cursor this listing returned")
            query = CaseQuery(
                who.tenant,
                state=None if state is None else _enum("state", CaseState, state),
                kind=None if kind is None else _enum("kind", CaseKind, kind),
                assignee=assignee,
                overdue_at=self.clock.now_ns() if overdue else None,
                before_seq=None if cursor is None else int(cursor),
                limit=limit,
            )
            items = await self.store.find(query)
            return items, str(items[-1].seq) if len(items) == limit else None

    # -- acting on a case ---------------------------------------------------------------------

    async def assign(
        self,
        who: Principal,
        case_id: uuid.UUID,
        assignee: str | None,
        *,
        expected_version: int | None = None,
    ) -> Case:
        """Give the case to `assignee` (None: nobody)."""
        with acting(who, Role.WRITE):
            _text("assignee", assignee, required=False)
            case = await self._undecided(who, case_id, expected_version)
            return await self._change(
                who, case, CaseAction.ASSIGN, {"assignee": assignee}, assignee=assignee
            )

    async def note(
        self, who: Principal, case_id: uuid.UUID, text: str, *, expected_version: int | None = None
    ) -> Case:
        """Append a note (notes are never changed nor removed); a decided case takes notes too."""
        with acting(who, Role.WRITE):
            _text("text", text)
            case = await self._current(who, case_id, expected_version)
            return await self._change(who, case, CaseAction.NOTE, {"text": text})

    async def propose(
        self,
        who: Principal,
        case_id: uuid.UUID,
        proposal: str,
        reason: str,
        *,
        expected_version: int | None = None,
    ) -> Case:
        """The maker's act: propose to release or block, with a reason."""
        with acting(who, Role.WRITE):
            chosen = _enum("proposal", Proposal, proposal)
            _text("reason", reason)
            case = await self._current(who, case_id, expected_version)
            if case.state is not CaseState.OPEN:
                raise Conflict(f"case {case_id} is {case.state.value}: only an open case")
            return await self._change(
                who,
                case,
                CaseAction.PROPOSE,
                {"proposal": chosen.value, "reason": reason},
                state=CaseState.PROPOSED,
                proposal=chosen,
                proposal_reason=reason,
                proposed_by=who.id,
                proposed_by_owner=_owner(who),
            )

    async def approve(
        self,
        who: Principal,
        case_id: uuid.UUID,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """The checker's act: the proposal becomes the case's outcome, and the intent waiting
        for the case (if any) is told."""
        with acting(who, Role.ADMIN):
            _text("reason", reason, required=False)
            case = await self._proposed(who, case_id, expected_version)
            assert case.proposal is not None
            outcome = case.proposal.outcome
            decided = await self._change(
                who,
                case,
                CaseAction.APPROVE,
                {"proposal": case.proposal.value, "reason": reason},
                state=outcome,
                decided_by=who.id,
                decided_at=self.clock.now_ns(),
            )
            if decided.intent_id is not None:
                await self._hand_over(who, decided)
            return decided

    async def reject(
        self,
        who: Principal,
        case_id: uuid.UUID,
        reason: str,
        *,
        expected_version: int | None = None,
    ) -> Case:
        """The checker's act: the proposal is dropped and the case is open again."""
        with acting(who, Role.ADMIN):
            _text("reason", reason)
            case = await self._proposed(who, case_id, expected_version)
            assert case.proposal is not None
            return await self._change(
                who,
                case,
                CaseAction.REJECT,
                {"proposal": case.proposal.value, "reason": reason},
                state=CaseState.OPEN,
                proposal=None,
                proposal_reason=None,
                proposed_by=None,
                proposed_by_owner=None,
            )

    # -- internals ----------------------------------------------------------------------------

    async def _get(self, who: Principal, case_id: uuid.UUID) -> Case:
        case = await self.store.get(case_id, who.tenant)
        if case is None:
            raise NotFound(f"case {case_id} not found")
        return case

    async def _current(
        self, who: Principal, case_id: uuid.UUID, expected_version: int | None
    ) -> Case:
        case = await self._get(who, case_id)
        if expected_version is not None and case.version != expected_version:
            raise CaseVersionConflict(case_id, expected_version, case.version)
        return case

    async def _undecided(
        self, who: Principal, case_id: uuid.UUID, expected_version: int | None
    ) -> Case:
        case = await self._current(who, case_id, expected_version)
        if case.state.terminal:
            raise Conflict(f"case {case_id} is {case.state.value}")
        return case

    async def _proposed(
        self, who: Principal, case_id: uuid.UUID, expected_version: int | None
    ) -> Case:
        case = await self._current(who, case_id, expected_version)
        if case.state is not CaseState.PROPOSED:
            raise Conflict(f"case {case_id} is {case.state.value}: nothing proposed")
        self._check_checker(case, who)
        return case

    def _check_checker(self, case: Case, who: Principal) -> None:
        if who.id == case.proposed_by:
            raise MakerCheckerViolation("the key that proposed cannot also approve or reject")
        owner = _owner(who)
        if self.policy.distinct_owner and owner is not None and owner == case.proposed_by_owner:
            raise MakerCheckerViolation(
                f"the proposal was made by another key of {owner!r}: another person must check"
            )

    async def _change(
        self,
        who: Principal,
        case: Case,
        action: CaseAction,
        detail: dict[str, Any],
        **changes: Any,
    ) -> Case:
        now = self.clock.now_ns()
        changed = msgspec.structs.replace(case, version=case.version + 1, updated_at=now, **changes)
        event = CaseEvent(
            case_id=case.id,
            seq=changed.version,
            action=action,
            actor=who.id,
            at=now,
            from_state=case.state,
            to_state=changed.state,
            detail={k: v for k, v in detail.items() if v is not None},
        )
        if not await self.store.update(
            changed, case.version, event, self._envelopes(changed, event)
        ):
            current = await self.store.get(case.id, case.tenant)
            raise CaseVersionConflict(case.id, case.version, current.version if current else -1)
        return changed

    def _envelopes(self, case: Case, event: CaseEvent) -> bytes:
        envelope = Envelope(
            id=new_id(),
            type=CASE_CHANGED,
            version=1,
            occurred_at=event.at,
            tenant=case.tenant,
            trace_id=current_trace_id(),
            actor=event.actor,
            data={
                "id": str(case.id),
                "kind": case.kind.value,
                "subject": case.subject,
                "seq": event.seq,
                "action": event.action.value,
                "from_state": event.from_state,
                "to_state": event.to_state.value,
                "at": event.at,
            },
        )
        return encode_batch([envelope])

    async def _hand_over(self, who: Principal, case: Case) -> None:
        """Fire the outcome on the waiting intent. The case's decision is stored already and
        stands; an intent that can no longer take it (cancelled, failed meanwhile) is logged."""
        assert self._fire is not None
        assert case.intent_id is not None
        event = CASE_RELEASED if case.state is CaseState.RELEASED else CASE_BLOCKED
        error: StrongroomError | None = None
        for attempt in range(_FIRE_ATTEMPTS):
            try:
                await self._fire(who, case.intent_id, event, f"case {case.id}")
                return
            except VersionConflict as moved:
                # A worker was writing the intent (its timer, its step): read it again.
                error = moved
                await asyncio.sleep(0.01 * (attempt + 1))
            except StrongroomError as refused:
                error = refused
                break
        log.warning(
            "case %s decided but intent %s did not take %s: %s",
            case.id,
            case.intent_id,
            event,
            error,
        )
