"""The four invariants of DESIGN.md, checked against a live database.

1. Per ledger: sum of debits_posted = sum of credits_posted, and the same for pending.
2. Every account's counters equal the fold of its transfers in the log.
3. No limited account is past its limit (debits_must_not_exceed_credits and the mirror).
4. (Append-only and exactly-once are enforced by the schema; pending records must agree with
   the log, which is checked here.)
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from strongroom.ledger.ports import COUNTER_NAMES, LedgerStore
from strongroom.ledger.types import AccountFlags


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: int
    subject: str
    detail: str


@dataclass(slots=True)
class InvariantReport:
    accounts: int = 0
    ledgers: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


async def check_invariants(store: LedgerStore) -> InvariantReport:
    report = InvariantReport()
    balances = await store.balances()
    folded = await store.fold_from_log()
    report.accounts = len(balances)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    seen: set[uuid.UUID] = set()
    for account in balances:
        seen.add(account.id)
        dp, dpo, cp, cpo = account.counters
        sums = totals[account.ledger]
        for i, value in enumerate(account.counters):
            sums[i] += value
        expected = folded.get(account.id, (0, 0, 0, 0))
        if expected != account.counters:
            diffs = ", ".join(
                f"{name} {have} != log {want}"
                for name, have, want in zip(COUNTER_NAMES, account.counters, expected, strict=True)
                if have != want
            )
            report.violations.append(Violation(2, f"account {account.id}", diffs))
        limit = account.overdraft_limit
        if account.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS and dp + dpo > cpo + limit:
            report.violations.append(
                Violation(
                    3, f"account {account.id}", f"debits {dp + dpo} > credits {cpo} + {limit}"
                )
            )
        if account.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS and cp + cpo > dpo + limit:
            report.violations.append(
                Violation(
                    3, f"account {account.id}", f"credits {cp + cpo} > debits {dpo} + {limit}"
                )
            )
    for account_id in folded.keys() - seen:
        report.violations.append(
            Violation(2, f"account {account_id}", "transfers name an account that does not exist")
        )
    for ledger, (dp, dpo, cp, cpo) in sorted(totals.items()):
        report.ledgers[ledger] = (dp, dpo, cp, cpo)
        if dpo != cpo:
            report.violations.append(
                Violation(1, f"ledger {ledger}", f"debits_posted {dpo} != credits_posted {cpo}")
            )
        if dp != cp:
            report.violations.append(
                Violation(1, f"ledger {ledger}", f"debits_pending {dp} != credits_pending {cp}")
            )
    for pending_id, state in await store.pending_mismatches():
        report.violations.append(
            Violation(4, f"pending {pending_id}", f"state {state!r} disagrees with the log")
        )
    return report
