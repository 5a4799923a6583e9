"""The pre-transaction hook: `Decider.screen(tenant, payment) -> Decision`, the one call the
payment path makes before it reserves funds.

A decision evaluates the tenant's enforced rule set (and its shadow set, recorded beside it,
never acting) over the payment's facts, the velocity windows the sets declare and, when a rule
reads `screening.*`, a sanctions screening of the counterparty. It is recorded, with the
velocity the payment adds (unless blocked), in a group-committed transaction shared by the
concurrent decisions of this process. One decision per (tenant, subject): screening the same
payment again (a retried step) returns the recorded decision and adds nothing.

It never raises into the payment path: a failure or a timeout yields the configured answer, a
block when failing closed, an allow when failing open, with `failure` saying what went wrong.
Such a decision is logged and returned, not stored: the payment keeps it with itself, and
screening the payment again decides afresh. With no rule set in force every payment is allowed,
`rule_set_version` None. An enforced review calls `on_review` (opening the payment's case) each
time it is returned, so a case that failed to open is opened by the retry: `on_review` must be
idempotent per decision id.

Velocity is read as committed: decisions on one subject that are in flight in the same moment
(between reading and the batch's commit, about a millisecond) do not see each other.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from strongroom.clock import Clock
from strongroom.compliance.decisions import Decision, Mode, Outcome
from strongroom.compliance.ports import (
    DecisionRecord,
    DecisionStore,
    RuleSetStatus,
    RuleSetStore,
    StoredRuleSet,
)
from strongroom.compliance.rules.compiler import Evaluation, RuleSet, compile_rule_set
from strongroom.compliance.rules.facts import Payment, payment_facts
from strongroom.compliance.rules.velocity import (
    VelocityRead,
    Window,
    WindowQuery,
    add_velocity,
    increments,
    plan,
)
from strongroom.compliance.screening.types import AsyncScreener, Hit, NameQuery
from strongroom.events.schemas import DECISION_MADE, Envelope
from strongroom.ids import new_id
from strongroom.logging import get_logger
from strongroom.tracing import current_trace_id
from strongroom.workflows.batching import Coalescer, GroupCommit

_log = get_logger(__name__)
NS = 10**9
#: Compiled rule sets kept per process (by digest: versions with one source share one).
COMPILED_CACHE = 64

OnReview = Callable[[Decision, Payment], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ActiveSets:
    enforce: tuple[int, RuleSet] | None
    shadow: tuple[int, RuleSet] | None
    #: time.monotonic() after which the tenant's active versions are read again.
    expires: float


@dataclass(frozen=True, slots=True)
class Facts:
    """A payment's facts and screening hits, with the totals of the windows the active sets read
    (each set adds the facts of its own windows: two sets may name windows alike)."""

    values: dict[str, Any]
    #: (count, sum) of every window query the active sets make.
    totals: dict[WindowQuery, tuple[int, int]]
    hits: tuple[Hit, ...]


class Decider:
    def __init__(
        self,
        rule_sets: RuleSetStore,
        decisions: DecisionStore,
        clock: Clock,
        screener: AsyncScreener | None = None,
        *,
        timeout: float = 0.5,
        fail_open: bool = False,
        refresh: float = 1.0,
        on_review: OnReview | None = None,
    ) -> None:
        """`timeout`: seconds a decision may take before the fail-open/closed answer; `refresh`:
        seconds a tenant's active rule-set versions are trusted before they are read again (a
        publish in this process is seen at once); `on_review`: called with an enforced review
        decision once it is recorded (opening its case)."""
        self.rule_sets = rule_sets
        self.decisions = decisions
        self.clock = clock
        self.screener = screener
        self.timeout = timeout
        self.fail_open = fail_open
        self.refresh = refresh
        self.on_review = on_review
        self._active: dict[str, ActiveSets] = {}
        self._loading: dict[str, asyncio.Future[ActiveSets]] = {}
        self._compiled: OrderedDict[str, RuleSet] = OrderedDict()
        # One writer: a second made batches half the size, each statement's fixed cost paid
        # twice as often, and the p99 of `bench compliance` worse (docs/performance.md).
        self._records: GroupCommit[DecisionRecord, Decision] = GroupCommit(
            "compliance-decisions", self._write, max_batch=500, writers=1
        )
        # The window reads of concurrent decisions share one statement.
        self._reads: Coalescer[tuple[VelocityRead, ...], list[tuple[int, int]]] = Coalescer(
            self._read, max_batch=200
        )

    async def close(self) -> None:
        """Write the decisions queued; a rule-set read still under way is abandoned (its
        connection must not answer a loop that is gone)."""
        await self._records.stop()
        loading = list(self._loading.values())
        self._loading.clear()
        for task in loading:
            task.cancel()
        await asyncio.gather(*loading, return_exceptions=True)

    def forget(self, tenant: str) -> None:
        """Read the tenant's active versions again on its next decision (after a publish)."""
        self._active.pop(tenant, None)
        self._loading.pop(tenant, None)

    async def screen(
        self, tenant: str, payment: Payment, *, actor: str | None = None, open_case: bool = True
    ) -> Decision:
        """The decision on `payment`; never raises (see the module docstring). `open_case=False`:
        an enforced review does not call `on_review`, the caller opens the case it will wait on
        (a payment intent does, through a `compliance.case` child)."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._screen(tenant, payment, actor, open_case)
        except TimeoutError:
            failure = f"timed out after {self.timeout:g} s"
        # The payment path must get an answer, never an exception.
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"
        _log.warning(
            "compliance decision failed", tenant=tenant, subject=payment.subject, failure=failure
        )
        return self._failed(tenant, payment, failure)

    def compiled(self, stored: StoredRuleSet) -> RuleSet:
        found = self._compiled.get(stored.digest)
        if found is None:
            found = compile_rule_set(stored.source, f"rule set v{stored.version}")
            self._compiled[stored.digest] = found
            if len(self._compiled) > COMPILED_CACHE:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(stored.digest)
        return found

    async def _screen(
        self, tenant: str, payment: Payment, actor: str | None, open_case: bool
    ) -> Decision:
        decision = await self._decide(tenant, payment, actor)
        if decision.outcome is Outcome.REVIEW and open_case and self.on_review is not None:
            await self.on_review(decision, payment)
        return decision

    async def _decide(self, tenant: str, payment: Payment, actor: str | None) -> Decision:
        """Decide and record; for a subject decided before, the recorded decision (the record
        keeps the first, so a retry is evaluated again but never counted twice)."""
        now = self.clock.now_ns()
        at = payment.at if payment.at is not None else now
        if payment.at is None:
            payment = msgspec.structs.replace(payment, at=at)
        sets = await self._sets(tenant)
        active = [
            (mode, s) for mode, s in ((Mode.ENFORCE, sets.enforce), (Mode.SHADOW, sets.shadow)) if s
        ]
        windows = tuple({w for _, (_, rule_set) in active for w in rule_set.windows})
        facts = await self._facts(
            tenant, payment, at, windows, any(rs.screens for _, (_, rs) in active)
        )
        decisions = [
            self._evaluate(tenant, payment, mode, version, rule_set, facts, now)
            for mode, (version, rule_set) in active
        ]
        if sets.enforce is None:
            decisions.insert(
                0, _decision(tenant, payment, Mode.ENFORCE, Outcome.ALLOW, 0, None, now)
            )
        enforced = decisions[0]
        counted = enforced.outcome is not Outcome.BLOCK
        self._records.start()
        records = [
            DecisionRecord(
                decision=decision,
                payment=payment,
                increments=tuple(increments(windows, payment, at // NS))
                if decision is enforced and counted
                else (),
                events=(_event(decision, actor),),
            )
            for decision in decisions
        ]
        if len(records) == 1:
            # No shadow set (the usual case): no tasks for gather to make.
            return await self._records.submit(records[0])
        stored = await asyncio.gather(*(self._records.submit(record) for record in records))
        return stored[0]

    async def _write(self, batch: Sequence[DecisionRecord]) -> Sequence[Decision]:
        return await self.decisions.record(batch)

    async def _read(self, batch: Sequence[tuple[VelocityRead, ...]]) -> list[list[tuple[int, int]]]:
        totals = await self.decisions.velocity([read for reads in batch for read in reads])
        out = []
        start = 0
        for reads in batch:
            out.append(totals[start : start + len(reads)])
            start += len(reads)
        return out

    async def _sets(self, tenant: str) -> ActiveSets:
        found = self._active.get(tenant)
        if found is not None and found.expires > time.monotonic():
            return found
        loading = self._loading.get(tenant)
        if loading is None:
            loading = asyncio.ensure_future(self._load(tenant))
            self._loading[tenant] = loading
            loading.add_done_callback(functools.partial(self._loaded, tenant))
        if found is not None:
            # Decided with the last read while one read refreshes it: a refresh never makes the
            # decisions arriving meanwhile wait, nor each start a read of its own.
            return found
        # Shielded: a decision that times out does not cancel the read the others wait for.
        return await asyncio.shield(loading)

    async def _load(self, tenant: str) -> ActiveSets:
        enforce = shadow = None
        for stored in await self.rule_sets.active_rule_sets(tenant):
            pair = (stored.version, self.compiled(stored))
            if stored.status is RuleSetStatus.ENFORCE:
                enforce = pair
            elif stored.status is RuleSetStatus.SHADOW:
                shadow = pair
        return ActiveSets(enforce, shadow, time.monotonic() + self.refresh)

    def _loaded(self, tenant: str, task: asyncio.Future[ActiveSets]) -> None:
        if self._loading.get(tenant) is not task:
            return  # forgotten meanwhile (a publish): a newer read is under way
        del self._loading[tenant]
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            self._active[tenant] = task.result()
        else:
            _log.warning("reading the active rule sets failed", tenant=tenant, error=str(error))

    async def _facts(
        self,
        tenant: str,
        payment: Payment,
        at: int,
        windows: tuple[Window, ...],
        screens: bool,
    ) -> Facts:
        values = payment_facts(payment, at)
        queries = list(dict.fromkeys(query for _, query in plan(windows, payment, at // NS, {})))
        # The windows are read while the counterparty is screened.
        reading = (
            self._reads.request(
                tuple(VelocityRead(tenant, payment.currency, query) for query in queries)
            )
            if queries
            else None
        )
        hits: tuple[Hit, ...] = ()
        if screens and self.screener is not None and payment.counterparty.name:
            party = payment.counterparty
            try:
                hits = await self.screener.screen(
                    NameQuery(
                        name=party.name or "", birth_date=party.birth_date, country=party.country
                    )
                )
            except BaseException:
                if reading is not None:
                    reading.cancel()
                raise
        add_screening(values, hits)
        totals = {} if reading is None else dict(zip(queries, await reading, strict=True))
        return Facts(values, totals, hits)

    def _evaluate(
        self,
        tenant: str,
        payment: Payment,
        mode: Mode,
        version: int,
        rule_set: RuleSet,
        facts: Facts,
        now: int,
    ) -> Decision:
        evaluation = evaluate(
            rule_set,
            facts.values,
            payment,
            lambda queries: [facts.totals[query] for query in queries],
        )
        return _decision(
            tenant,
            payment,
            mode,
            evaluation.outcome,
            evaluation.score,
            version,
            now,
            fired=evaluation.fired,
            hits=facts.hits,
        )

    def _failed(self, tenant: str, payment: Payment, failure: str) -> Decision:
        outcome = Outcome.ALLOW if self.fail_open else Outcome.BLOCK
        now = self.clock.now_ns()
        return _decision(tenant, payment, Mode.ENFORCE, outcome, 0, None, now, failure=failure)


def evaluate(
    rule_set: RuleSet,
    values: dict[str, Any],
    payment: Payment,
    totals: Callable[[list[WindowQuery]], Sequence[tuple[int, int]]],
) -> Evaluation:
    """`rule_set` over a payment's `values` (its facts and screening) and the figures of the set's
    own windows, read through `totals` (the database's, or a backtest's in memory)."""
    values = dict(values)
    planned = plan(rule_set.windows, payment, (payment.at or 0) // NS, values)
    add_velocity(values, payment, planned, totals([query for _, query in planned]))
    return rule_set.evaluate(values)


def add_screening(values: dict[str, Any], hits: tuple[Hit, ...]) -> None:
    values["screening.hits"] = len(hits)
    values["screening.score"] = max((hit.score for hit in hits), default=0.0)


def _decision(
    tenant: str,
    payment: Payment,
    mode: Mode,
    outcome: Outcome,
    score: int,
    version: int | None,
    now: int,
    **extra: Any,
) -> Decision:
    return Decision(
        id=new_id(),
        tenant=tenant,
        subject=payment.subject,
        mode=mode,
        outcome=outcome,
        score=score,
        rule_set_version=version,
        decided_at=now,
        **extra,
    )


def _event(decision: Decision, actor: str | None) -> Envelope:
    return Envelope(
        id=new_id(),
        type=DECISION_MADE,
        version=1,
        occurred_at=decision.decided_at,
        tenant=decision.tenant,
        trace_id=current_trace_id(),
        actor=actor,
        data={
            "id": str(decision.id),
            "subject": decision.subject,
            "mode": decision.mode.value,
            "outcome": decision.outcome.value,
            "score": decision.score,
            "rule_set_version": decision.rule_set_version,
            "rules": [rule.rule_id for rule in decision.fired],
            "best_hit_score": max((hit.score for hit in decision.hits), default=None),
            "failure": decision.failure,
        },
    )
