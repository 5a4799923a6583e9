"""How every kind of payment is screened: the compliance decision made on it (its account and
customer as facts), and what follows: a block fails it with the rules' reasons, a review holds it
on a case that a person decides (a `compliance.case` child started only then), an allow lets it
go on. Shared by payments out, deposits in (whole or in parts) and card holds."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from strongroom.banking.payments.accounts import account_facts, customer_facts
from strongroom.banking.types import BankAccount, Customer, KycStatus
from strongroom.compliance.case_intent import TYPE as CASE_TYPE
from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.decide import Decider
from strongroom.compliance.decisions import Decision, Outcome
from strongroom.compliance.rules.facts import Counterparty, Direction, Payment
from strongroom.workflows.definitions import StepContext, StepFailed, SubWorkflow


def subject_of(intent_id: uuid.UUID) -> str:
    """The compliance subject of a payment: its decision and case are found under it."""
    return f"payment:{intent_id}"


def verified(customer: Customer) -> Customer:
    """The customer, if verified: money leaves an account only on a verified customer's word."""
    if customer.kyc_status is not KycStatus.VERIFIED:
        raise StepFailed(f"customer {customer.id} is {customer.kyc_status.value}, not verified")
    return customer


async def decide(
    decider: Decider,
    context: StepContext[Any],
    account: BankAccount,
    customer: Customer,
    *,
    amount: int,
    direction: Direction,
    channel: str,
    counterparty: Counterparty,
) -> dict[str, Any]:
    """The `screen` step's result: the decision on the payment of `context`'s intent (under
    its subject, as of its creation, made without opening a case: `review` opens the one the
    payment waits on)."""
    decision = await decider.screen(
        context.intent.tenant,
        Payment(
            subject=subject_of(context.intent.id),
            amount=amount,
            currency=account.currency,
            direction=direction,
            channel=channel,
            counterparty=counterparty,
            customer=customer_facts(customer),
            account=account_facts(account),
            at=context.intent.created_at,
        ),
        actor=context.intent.actor,
        open_case=False,
    )
    return screened(decision)


def screened(decision: Decision) -> dict[str, Any]:
    """The `screen` step's result for `decision`; a block fails the step for good, unless the
    engine failed (not stored: screening again decides afresh)."""
    reasons = list(decision.reasons)
    if decision.outcome is Outcome.BLOCK:
        why = "; ".join(reasons) or decision.failure or "no reason given"
        raise StepFailed(f"blocked by compliance: {why}", retryable=decision.failure is not None)
    return {
        "decision_id": str(decision.id),
        "outcome": decision.outcome.value,
        "reasons": reasons,
        "hits": [msgspec.to_builtins(hit) for hit in decision.hits],
    }


def _needs_review(context: StepContext[Any]) -> bool:
    return bool(context.results["screen"]["outcome"] == Outcome.REVIEW.value)


def _case(context: StepContext[Any]) -> dict[str, Any]:
    decision = context.results["screen"]
    return {
        "kind": CaseKind.REVIEW.value,
        "subject": subject_of(context.intent.id),
        "reasons": decision["reasons"],
        "decision_id": decision["decision_id"],
        "hits": decision["hits"],
    }


#: The group after `screen`: the review case, when the decision asked for one.
REVIEW = SubWorkflow("review", CASE_TYPE, _case, when=_needs_review)


def cleared(context: StepContext[Any]) -> None:
    """Fails the step when a person blocked the payment on review."""
    review = context.results.get("review")
    if review is not None and review["state"] != "released":
        raise StepFailed(f"blocked by compliance review (case intent {review['child']})")
