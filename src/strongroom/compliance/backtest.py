"""Backtest: what a rule-set version would have decided over stored history, beside the version
in force, replayed the same way.

Each version replays the enforced decisions' payments in decision order into velocity counters
of its own (a payment it would have blocked adds nothing to them, as in production), with the
screening hits recorded at the time (lists change; a backtest is about rules). Replay starts a
longest window before `since` so the windows are warm; only payments from `since` are counted.
The result for a version is exactly what deciding those payments one by one with that version
in force would have returned.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from strongroom.compliance.decide import add_screening, evaluate
from strongroom.compliance.decisions import Outcome
from strongroom.compliance.ports import DecisionStore, HistoryItem
from strongroom.compliance.rules.compiler import Evaluation, RuleSet
from strongroom.compliance.rules.facts import Payment, payment_facts
from strongroom.compliance.rules.velocity import MemoryVelocity, increments
from strongroom.compliance.screening.types import Hit

NS = 10**9
PAGE = 2_000
#: Decisions whose outcome differs that a report lists (the counts cover all of them).
MAX_CHANGES = 200


class Replayer:
    """Decides payments one after another with one rule set, keeping its own velocity."""

    def __init__(self, rule_set: RuleSet) -> None:
        self.rule_set = rule_set
        self.velocity = MemoryVelocity()

    def decide(self, payment: Payment, hits: tuple[Hit, ...]) -> Evaluation:
        at = payment.at or 0
        values = payment_facts(payment, at)
        add_screening(values, hits)
        evaluation = evaluate(
            self.rule_set,
            values,
            payment,
            functools.partial(self.velocity.totals, payment.currency),
        )
        if evaluation.outcome is not Outcome.BLOCK:
            self.velocity.add(increments(self.rule_set.windows, payment, at // NS))
        return evaluation


@dataclass(frozen=True, slots=True)
class Change:
    subject: str
    baseline: Outcome
    candidate: Outcome
    rules: tuple[str, ...]


@dataclass(slots=True)
class BacktestReport:
    candidate_version: int
    baseline_version: int | None
    since: int
    until: int
    payments: int = 0
    candidate: Counter[str] = field(default_factory=Counter)
    baseline: Counter[str] = field(default_factory=Counter)
    #: What was actually decided at the time (by whichever version was in force then).
    recorded: Counter[str] = field(default_factory=Counter)
    #: How often each of the candidate's rules fired.
    fired: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    changes: list[Change] = field(default_factory=list)


async def stored_history(
    store: DecisionStore, tenant: str, since: int, until: int
) -> AsyncIterator[HistoryItem]:
    after = 0
    while True:
        page = await store.history(tenant, since=since, until=until, after=after, limit=PAGE)
        for item in page:
            yield item
        if len(page) < PAGE:
            return
        after = page[-1].seq


def longest_window(*rule_sets: RuleSet | None) -> int:
    return max((w.length for rs in rule_sets if rs for w in rs.windows), default=0)


async def run_backtest(
    history: AsyncIterator[HistoryItem] | Iterable[HistoryItem],
    report: BacktestReport,
    candidate: RuleSet,
    baseline: RuleSet | None,
) -> BacktestReport:
    """Replay `history` (which may start before `report.since`: the warm-up) into `report`."""
    mine = Replayer(candidate)
    theirs = Replayer(baseline) if baseline is not None else None
    async for item in _aiter(history):
        ours = mine.decide(item.payment, item.decision.hits)
        base = theirs.decide(item.payment, item.decision.hits) if theirs else None
        if (item.payment.at or 0) < report.since:
            continue
        report.payments += 1
        report.candidate[ours.outcome.value] += 1
        report.recorded[item.decision.outcome.value] += 1
        report.fired.update(rule.rule_id for rule in ours.fired)
        if base is None:
            continue
        report.baseline[base.outcome.value] += 1
        if base.outcome is not ours.outcome:
            report.changed += 1
            if len(report.changes) < MAX_CHANGES:
                report.changes.append(
                    Change(
                        item.payment.subject,
                        base.outcome,
                        ours.outcome,
                        tuple(rule.rule_id for rule in ours.fired),
                    )
                )
    return report


async def _aiter(
    items: AsyncIterator[HistoryItem] | Iterable[HistoryItem],
) -> AsyncIterator[HistoryItem]:
    if isinstance(items, AsyncIterator):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
