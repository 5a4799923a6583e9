"""`ComplianceService`: rule sets, decisions, backtests and the sanctions lists as the API and
the CLI use them.

Checks the caller's role and scopes every call to the caller's tenant. Roles: `read` may list
and show rule sets and decisions, diff versions, backtest, screen a name and see the lists in
force; `write` may ask for a decision (what a payment path does) or a KYC verdict; `admin`
may publish a rule set, change which version is in force or in shadow, and reload the sanctions
lists (shared by every tenant). May import services.access and this package; never strongroom.store.
"""

from __future__ import annotations

import asyncio
import difflib
from dataclasses import dataclass

import msgspec

from strongroom.clock import Clock
from strongroom.compliance.backtest import (
    BacktestReport,
    longest_window,
    run_backtest,
    stored_history,
)
from strongroom.compliance.decide import Decider
from strongroom.compliance.decisions import Decision, Outcome
from strongroom.compliance.kyc.provider import Applicant, KycProvider, KycResult
from strongroom.compliance.ports import DecisionStore, RuleSetStatus, RuleSetStore, StoredRuleSet
from strongroom.compliance.rules.compiler import RuleSet, compile_rule_set
from strongroom.compliance.rules.facts import Payment
from strongroom.compliance.rules.velocity import MAX_WINDOW
from strongroom.compliance.screening.lists import ListFileError
from strongroom.compliance.screening.reloading import ListStatus, ScreeningLists
from strongroom.compliance.screening.types import Hit, NameQuery
from strongroom.errors import NotFound, ValidationError
from strongroom.events.schemas import RULE_SET_CHANGED, Envelope
from strongroom.ids import new_id
from strongroom.services.access import Principal, Role, acting
from strongroom.tracing import current_trace_id

#: A rule set's source, at most (lists of names and accounts can be long).
MAX_SOURCE_BYTES = 4 * 1024 * 1024
MAX_PAGE = 500
NS = 10**9


@dataclass(frozen=True, slots=True)
class RuleSetDiff:
    old: int
    new: int
    #: A unified diff of the two sources.
    text: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    #: Rules present in both whose condition, action, score or message differ.
    changed: tuple[str, ...]
    #: Other sections that differ: thresholds, windows, lists.
    sections: tuple[str, ...]


class ComplianceService:
    def __init__(
        self,
        rule_sets: RuleSetStore,
        decisions: DecisionStore,
        decider: Decider,
        clock: Clock,
        lists: ScreeningLists,
        kyc: KycProvider,
    ) -> None:
        self.rule_sets = rule_sets
        self.decisions = decisions
        self.decider = decider
        self.clock = clock
        self.lists = lists
        self.kyc = kyc

    # -- rule sets ----------------------------------------------------------------------------

    async def publish(
        self, who: Principal, source: str, status: RuleSetStatus = RuleSetStatus.DRAFT
    ) -> StoredRuleSet:
        """Validate and store `source` as the tenant's next version, with `status`."""
        with acting(who, Role.ADMIN):
            status = _status(status, allow_retired=False)
            if not isinstance(source, str) or len(source.encode()) > MAX_SOURCE_BYTES:
                raise ValidationError("source", f"must be text of at most {MAX_SOURCE_BYTES} bytes")
            compiled = compile_rule_set(source, "rule set")
            now = self.clock.now_ns()
            draft = StoredRuleSet(
                tenant=who.tenant,
                version=0,
                source=source,
                digest=compiled.digest,
                status=status,
                published_at=now,
                published_by=who.id,
            )
            stored = await self.rule_sets.add_rule_set(
                draft, lambda numbered: [self._event(numbered, who, now)]
            )
            self.decider.forget(who.tenant)
            return stored

    async def set_status(
        self, who: Principal, version: int, status: RuleSetStatus
    ) -> StoredRuleSet:
        """Put `version` in force, in shadow, back to draft, or retire it."""
        with acting(who, Role.ADMIN):
            status = _status(status, allow_retired=True)
            current = await self._get(who, version)
            now = self.clock.now_ns()
            changed = msgspec.structs.replace(current, status=status)
            stored = await self.rule_sets.set_status(
                who.tenant, version, status, [self._event(changed, who, now)]
            )
            if stored is None:
                raise NotFound(f"rule set version {version} not found")
            self.decider.forget(who.tenant)
            return stored

    async def list_rule_sets(self, who: Principal) -> list[StoredRuleSet]:
        with acting(who, Role.READ):
            return await self.rule_sets.rule_sets(who.tenant)

    async def show_rule_set(self, who: Principal, version: int) -> StoredRuleSet:
        with acting(who, Role.READ):
            return await self._get(who, version)

    async def diff(self, who: Principal, old: int, new: int) -> RuleSetDiff:
        with acting(who, Role.READ):
            a, b = await self._get(who, old), await self._get(who, new)
            ca, cb = self.decider.compiled(a), self.decider.compiled(b)
            text = "".join(
                difflib.unified_diff(
                    a.source.splitlines(keepends=True),
                    b.source.splitlines(keepends=True),
                    f"v{old}",
                    f"v{new}",
                )
            )
            return RuleSetDiff(old, new, text, *_rule_changes(ca, cb))

    async def _get(self, who: Principal, version: object) -> StoredRuleSet:
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValidationError("version", "must be a positive integer")
        found = await self.rule_sets.rule_set(who.tenant, version)
        if found is None:
            raise NotFound(f"rule set version {version} not found")
        return found

    def _event(self, rule_set: StoredRuleSet, who: Principal, now: int) -> Envelope:
        return Envelope(
            id=new_id(),
            type=RULE_SET_CHANGED,
            version=1,
            occurred_at=now,
            tenant=who.tenant,
            trace_id=current_trace_id(),
            actor=who.id,
            data={
                "version": rule_set.version,
                "status": rule_set.status.value,
                "digest": rule_set.digest,
            },
        )

    async def prune_velocity(self) -> int:
        """Delete the velocity counters no window can read any more (older than the longest
        window a rule set may declare, and a day); how many. Run by the `velocity` component."""
        horizon = self.clock.now_ns() // NS - MAX_WINDOW - 86_400
        return await self.decisions.prune_velocity(horizon)

    # -- sanctions lists ----------------------------------------------------------------------

    async def screen_name(self, who: Principal, query: NameQuery) -> tuple[Hit, ...]:
        """Screen one name against the lists in force (what a decision does for a payment's
        counterparty, and KYC for a customer)."""
        with acting(who, Role.READ):
            if not query.name.strip():
                raise ValidationError("name", "must not be blank")
            return self.lists.screen(query)

    async def list_status(self, who: Principal) -> tuple[ListStatus, ...]:
        with acting(who, Role.READ):
            return self.lists.status()

    async def reload_lists(self, who: Principal) -> tuple[ListStatus, ...]:
        """Load the configured list files again and put them in force; a file that does not
        load is a `lists` error naming the file and line, and the lists in force stay
        (screenings never pause)."""
        with acting(who, Role.ADMIN):
            try:
                return await asyncio.to_thread(self.lists.reload)
            except ListFileError as error:
                raise ValidationError("lists", str(error)) from None

    async def verify_applicant(self, who: Principal, applicant: Applicant) -> KycResult:
        """The KYC provider's verdict on an applicant (every field checked, the name screened)."""
        with acting(who, Role.WRITE):
            return await self.kyc.verify(applicant)

    # -- decisions ----------------------------------------------------------------------------

    async def screen(self, who: Principal, payment: Payment) -> Decision:
        """Decide on `payment` (idempotent per subject): the hook a payment path calls."""
        with acting(who, Role.WRITE):
            return await self.decider.screen(who.tenant, payment, actor=who.id)

    async def decisions_on(self, who: Principal, subject: str) -> list[Decision]:
        with acting(who, Role.READ):
            found = await self.decisions.decisions(who.tenant, subject)
            if not found:
                raise NotFound(f"no decision on {subject!r}")
            return found

    async def find_decisions(
        self,
        who: Principal,
        *,
        outcome: str | None = None,
        cursor: int | None = None,
        limit: int = 100,
    ) -> tuple[list[Decision], int | None]:
        """The tenant's decisions, newest first; pass the returned cursor for the next page."""
        with acting(who, Role.READ):
            if not 1 <= limit <= MAX_PAGE:
                raise ValidationError("limit", f"must be 1 to {MAX_PAGE}")
            if outcome is not None and outcome not in {o.value for o in Outcome}:
                raise ValidationError("outcome", "must be allow, review or block")
            if cursor is not None and cursor < 0:
                raise ValidationError("cursor", "must be a cursor a previous page returned")
            rows = await self.decisions.find_decisions(
                who.tenant, outcome=outcome, before=cursor, limit=limit
            )
            following = rows[-1][0] if len(rows) == limit else None
            return [decision for _, decision in rows], following

    async def backtest(
        self,
        who: Principal,
        version: int,
        *,
        since: int,
        until: int,
        against: int | None = None,
    ) -> BacktestReport:
        """What `version` would have decided on the payments of [since, until) (nanoseconds;
        an empty period has none), beside `against` (default: the version in force)."""
        with acting(who, Role.READ):
            candidate = self.decider.compiled(await self._get(who, version))
            baseline_version = against
            if baseline_version is None:
                active = await self.rule_sets.active_rule_sets(who.tenant)
                baseline_version = next(
                    (s.version for s in active if s.status is RuleSetStatus.ENFORCE), None
                )
            baseline: RuleSet | None = None
            if baseline_version is not None:
                baseline = self.decider.compiled(await self._get(who, baseline_version))
            warm = longest_window(candidate, baseline) * NS
            report = BacktestReport(version, baseline_version, since, until)
            history = stored_history(self.decisions, who.tenant, since - warm, until)
            return await run_backtest(history, report, candidate, baseline)


def _status(status: object, *, allow_retired: bool) -> RuleSetStatus:
    found = next((s for s in RuleSetStatus if s.value == status), None)
    if found is None or (found is RuleSetStatus.RETIRED and not allow_retired):
        allowed = [
            s.value for s in RuleSetStatus if allow_retired or s is not RuleSetStatus.RETIRED
        ]
        raise ValidationError("status", f"must be one of {', '.join(allowed)}")
    return found


#: The parts of a rule set besides its rules that a diff names when they differ.
_SECTIONS = ("thresholds", "windows", "lists")


def _rule_changes(
    old: RuleSet, new: RuleSet
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    before = {rule.id: rule for rule in old.spec.rules}
    after = {rule.id: rule for rule in new.spec.rules}
    return (
        tuple(r for r in after if r not in before),
        tuple(r for r in before if r not in after),
        tuple(r for r in after if r in before and before[r] != after[r]),
        tuple(n for n in _SECTIONS if getattr(old.spec, n) != getattr(new.spec, n)),
    )
