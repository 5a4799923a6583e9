"""What the rule engine answers before money moves: allow, review or block, and why."""

from __future__ import annotations

import enum
import uuid

import msgspec

from strongroom.compliance.screening.types import Hit


class Outcome(enum.StrEnum):
    ALLOW = "allow"
    REVIEW = "review"
    BLOCK = "block"


class Mode(enum.StrEnum):
    #: The decision acts: a block stops the payment, a review opens a case it waits for.
    ENFORCE = "enforce"
    #: Decided and recorded beside the enforced decision; never acts.
    SHADOW = "shadow"


class FiredRule(msgspec.Struct, frozen=True, kw_only=True):
    rule_id: str
    message: str
    #: What the rule asked for: allow, review, block or score.
    action: str
    score: int = 0


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """One decision on one payment, as recorded. `subject` is the caller's reference for the
    payment (an intent id, a payment reference); `rule_set_version` is None when no rule set was
    in force or the engine failed (then `failure` says how and `outcome` is the configured
    fail-open or fail-closed answer)."""

    id: uuid.UUID
    tenant: str
    subject: str
    mode: Mode
    outcome: Outcome
    score: int
    rule_set_version: int | None
    fired: tuple[FiredRule, ...] = ()
    hits: tuple[Hit, ...] = ()
    failure: str | None = None
    #: Nanoseconds since the Unix epoch (strongroom.clock).
    decided_at: int = 0

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(f"{rule.rule_id}: {rule.message}" for rule in self.fired)
