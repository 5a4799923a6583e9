"""CaseService on both backends: opening from a decision, the maker-checker flow and its
history, versions, tenants and roles, SLAs, and the outcome handed to a waiting intent."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.bootstrap.platform import Platform
from strongroom.clock import ManualClock
from strongroom.compliance.case_records import CaseAction, CaseKind, CaseState
from strongroom.compliance.cases import (
    CasePolicy,
    CaseService,
    CaseVersionConflict,
    MakerCheckerViolation,
)
from strongroom.compliance.decisions import Decision, FiredRule, Mode, Outcome
from strongroom.compliance.screening.types import Hit
from strongroom.errors import Conflict, NotFound, PermissionDenied, StrongroomError, ValidationError
from strongroom.events.schemas import CASE_CHANGED, decode_batch
from strongroom.services.access import Principal, Role
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import outbox
from strongroom.store.urls import parse_url
from strongroom.workflows.types import Intent, IntentStatus
from tests.compliance.conftest import key


def review(tenant: str = "acme", outcome: Outcome = Outcome.REVIEW) -> Decision:
    return Decision(
        id=uuid.uuid4(),
        tenant=tenant,
        subject="pay-42",
        mode=Mode.ENFORCE,
        outcome=outcome,
        score=70,
        rule_set_version=3,
        fired=(FiredRule(rule_id="big", message="over 10,000", action="review", score=70),),
        hits=(Hit(list_name="ofac", entry_id="7", matched_name="ACME LTD", score=91.5),),
    )


async def test_a_review_decision_opens_one_case_with_its_reasons_and_hits(
    platform: Platform, maker: Principal
) -> None:
    cases = await platform.cases()
    decision = review()
    case, created = await cases.open_from_decision(maker, decision)
    assert created
    assert (case.kind, case.state, case.subject, case.version) == (
        CaseKind.REVIEW,
        CaseState.OPEN,
        "pay-42",
        1,
    )
    assert case.decision_id == decision.id
    assert case.reasons == ("big: over 10,000",)
    assert case.hits[0]["entry_id"] == "7"
    assert case.due_at - case.created_at == 86_400 * 10**9
    again, created = await cases.open_from_decision(maker, decision)
    assert (again.id, created) == (case.id, False)
    with pytest.raises(ValidationError) as refused:
        await cases.open_from_decision(maker, review(outcome=Outcome.ALLOW))
    assert refused.value.field == "decision"


async def test_propose_then_approve_by_another_person_releases_and_records_each_change(
    platform: Platform, maker: Principal, checker: Principal
) -> None:
    cases = await platform.cases()
    case, _ = await cases.open(maker, "review", "pay-1", note="held by rule big")
    case = await cases.assign(maker, case.id, "alice", expected_version=case.version)
    case = await cases.note(maker, case.id, "called the customer")
    case = await cases.propose(maker, case.id, "release", "customer confirmed")
    assert (case.state, case.proposed_by) == (CaseState.PROPOSED, maker.id)
    case = await cases.approve(checker, case.id, expected_version=case.version)
    assert (case.state, case.decided_by, case.version) == (CaseState.RELEASED, checker.id, 5)
    detail = await cases.show(maker, case.id)
    assert detail.case == case
    assert [(e.action, e.actor, e.from_state, e.to_state) for e in detail.events] == [
        (CaseAction.OPEN, maker.id, None, CaseState.OPEN),
        (CaseAction.ASSIGN, maker.id, CaseState.OPEN, CaseState.OPEN),
        (CaseAction.NOTE, maker.id, CaseState.OPEN, CaseState.OPEN),
        (CaseAction.PROPOSE, maker.id, CaseState.OPEN, CaseState.PROPOSED),
        (CaseAction.APPROVE, checker.id, CaseState.PROPOSED, CaseState.RELEASED),
    ]
    assert detail.events[0].detail == {"note": "held by rule big"}
    assert detail.events[2].detail == {"text": "called the customer"}
    with pytest.raises(Conflict):
        await cases.propose(maker, case.id, "block", "too late")


async def test_a_rejected_proposal_reopens_the_case_and_a_block_is_final(
    platform: Platform, maker: Principal, checker: Principal
) -> None:
    cases = await platform.cases()
    case, _ = await cases.open(maker, "break", "recon-2026-12-01")
    case = await cases.propose(maker, case.id, "release", "matched by hand")
    case = await cases.reject(checker, case.id, "no evidence attached")
    assert (case.state, case.proposal, case.proposed_by) == (CaseState.OPEN, None, None)
    case = await cases.propose(maker, case.id, "block", "duplicate")
    case = await cases.approve(checker, case.id)
    assert case.state is CaseState.BLOCKED
    with pytest.raises(Conflict):
        await cases.reject(checker, case.id, "changed my mind")


async def test_the_maker_can_never_check_their_own_proposal(
    platform: Platform, maker: Principal, maker_admin: Principal, checker: Principal
) -> None:
    cases = await platform.cases()
    case, _ = await cases.open(maker_admin, "review", "pay-3")
    proposed = await cases.propose(maker_admin, case.id, "release", "fine")
    for act in (
        lambda: cases.approve(maker_admin, proposed.id),
        lambda: cases.reject(maker_admin, proposed.id, "withdrawn"),
    ):
        with pytest.raises(MakerCheckerViolation):
            await act()
    # Another key of the same owner is the same person.
    case, _ = await cases.open(maker, "review", "pay-4")
    proposed = await cases.propose(maker, case.id, "block", "listed")
    with pytest.raises(MakerCheckerViolation):
        await cases.approve(maker_admin, proposed.id)
    assert (await cases.approve(checker, proposed.id)).state is CaseState.BLOCKED


async def test_owners_are_compared_only_when_the_policy_says_so(
    platform: Platform, maker: Principal, maker_admin: Principal
) -> None:
    shared = await platform.cases()
    lenient = CaseService(
        shared.store, platform.clock, CasePolicy(shared.policy.sla, distinct_owner=False)
    )
    case, _ = await lenient.open(maker, "review", "pay-5")
    case = await lenient.propose(maker, case.id, "release", "fine")
    assert (await lenient.approve(maker_admin, case.id)).state is CaseState.RELEASED


# Four keys: 0 and 1 are alice's (write, admin), 2 is bob's admin key, 3 is carol's writer.
_KEYS = [(Role.WRITE, "alice"), (Role.ADMIN, "alice"), (Role.ADMIN, "bob"), (Role.WRITE, "carol")]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    actions=st.lists(
        st.tuples(
            st.sampled_from(["propose", "approve", "reject", "note", "assign"]),
            st.integers(0, len(_KEYS) - 1),
            st.sampled_from(["release", "block"]),
        ),
        max_size=14,
    )
)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_no_sequence_of_acts_lets_one_person_propose_and_approve(
    platform: Platform, actions: list[tuple[str, int, str]]
) -> None:
    cases = await platform.cases()
    keys = [await key(platform, role, owner) for role, owner in _KEYS]
    case, _ = await cases.open(keys[0], "review", f"pay-{uuid.uuid4()}")
    for act, who, proposal in actions:
        k = keys[who]
        try:
            if act == "propose":
                await cases.propose(k, case.id, proposal, "because")
            elif act == "approve":
                await cases.approve(k, case.id)
            elif act == "reject":
                await cases.reject(k, case.id, "no")
            elif act == "note":
                await cases.note(k, case.id, "seen")
            else:
                await cases.assign(k, case.id, k.name)
        except StrongroomError:
            pass
    detail = await cases.show(keys[2], case.id)
    owner = {k.id: k.name for k in keys}
    proposer = None
    for event in detail.events:
        if event.action is CaseAction.PROPOSE:
            proposer = event.actor
        elif event.action in (CaseAction.APPROVE, CaseAction.REJECT):
            assert proposer is not None
            assert event.actor != proposer
            assert owner[event.actor] != owner[proposer]
            proposer = None
    if detail.case.state.terminal:
        assert detail.case.decided_by != detail.case.proposed_by


async def test_a_stale_version_is_a_conflict_and_changes_nothing(
    platform: Platform, maker: Principal
) -> None:
    cases = await platform.cases()
    case, _ = await cases.open(maker, "review", "pay-6")
    moved = await cases.note(maker, case.id, "first")
    with pytest.raises(CaseVersionConflict):
        await cases.propose(maker, case.id, "release", "ok", expected_version=case.version)
    detail = await cases.show(maker, case.id)
    assert (detail.case.version, len(detail.events)) == (moved.version, 2)


async def test_tenants_are_apart_and_roles_are_checked(
    platform: Platform, maker: Principal, reader: Principal
) -> None:
    cases = await platform.cases()
    case, _ = await cases.open(maker, "review", "pay-7")
    stranger = await key(platform, Role.ADMIN, "mallory", tenant="globex")
    with pytest.raises(NotFound):
        await cases.show(stranger, case.id)
    with pytest.raises(NotFound):
        await cases.note(stranger, case.id, "hello")
    assert (await cases.find(stranger))[0] == []
    assert (await cases.show(reader, case.id)).case.id == case.id
    with pytest.raises(PermissionDenied):
        await cases.note(reader, case.id, "hi")
    proposed = await cases.propose(maker, case.id, "release", "ok")
    writer = await key(platform, Role.WRITE, "dave")
    with pytest.raises(PermissionDenied):
        await cases.approve(writer, proposed.id)


async def test_bad_input_names_the_field_and_writes_nothing(
    platform: Platform, maker: Principal
) -> None:
    cases = await platform.cases()
    for call, field in (
        (lambda: cases.open(maker, "audit", "x"), "kind"),
        (lambda: cases.open(maker, "review", ""), "subject"),
    ):
        with pytest.raises(ValidationError) as refused:
            await call()
        assert refused.value.field == field
    case, _ = await cases.open(maker, "review", "pay-8")
    for call, field in (
        (lambda: cases.propose(maker, case.id, "approve", "x"), "proposal"),
        (lambda: cases.propose(maker, case.id, "release", " "), "reason"),
        (lambda: cases.note(maker, case.id, "x" * 2001), "text"),
    ):
        with pytest.raises(ValidationError) as refused:
            await call()
        assert refused.value.field == field
    assert (await cases.show(maker, case.id)).case.version == 1
    assert (await cases.find(maker))[0] == [case]


async def test_overdue_lists_undecided_cases_past_their_sla_and_pages_newest_first(
    platform: Platform, maker: Principal, checker: Principal
) -> None:
    shared = await platform.cases()
    clock = ManualClock()
    cases = CaseService(shared.store, clock, shared.policy)
    late, _ = await cases.open(maker, "review", "pay-9")
    decided, _ = await cases.open(maker, "review", "pay-10")
    await cases.propose(maker, decided.id, "release", "ok")
    await cases.approve(checker, decided.id)
    clock.advance(3600)
    dispute, _ = await cases.open(maker, "dispute", "dispute-1")
    clock.advance(86_400 - 1800)
    assert [c.id for c in (await cases.find(maker, overdue=True))[0]] == [late.id]
    page, cursor = await cases.find(maker, limit=2)
    assert [c.id for c in page] == [dispute.id, decided.id]
    assert cursor is not None
    rest, end = await cases.find(maker, limit=2, cursor=cursor)
    assert ([c.id for c in rest], end) == ([late.id], None)
    assert [c.id for c in (await cases.find(maker, kind="dispute"))[0]] == [dispute.id]
    assert [c.id for c in (await cases.find(maker, state="released"))[0]] == [decided.id]


async def test_every_change_is_an_event_on_the_outbox(
    platform: Platform, maker: Principal, checker: Principal
) -> None:
    cases = await platform.cases()
    case, _ = await cases.open(maker, "review", "pay-11")
    case = await cases.propose(maker, case.id, "block", "listed")
    await cases.approve(checker, case.id)
    engine = sqlalchemy_engine(parse_url(platform.settings.db_url))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(outbox.c.events).order_by(outbox.c.id))
            published = [
                envelope
                for (events,) in rows
                for envelope in decode_batch(events)
                if envelope.type == CASE_CHANGED
            ]
    finally:
        await engine.dispose()
    assert [(e.data["action"], e.data["to_state"], e.actor) for e in published] == [
        ("open", "open", maker.id),
        ("propose", "proposed", maker.id),
        ("approve", "blocked", checker.id),
    ]


async def test_a_decided_case_moves_the_intent_waiting_in_review(
    platform: Platform, maker: Principal, checker: Principal
) -> None:
    """The payment side of a review: a `compliance.case` intent opens its case, waits in
    `review`, and is moved on by the case's approval."""
    intents = await platform.intents()
    cases = await platform.cases()
    engine = await platform.intent_engine()
    await engine.start()
    for outcome, state in (("release", "released"), ("block", "blocked")):
        submitted = await intents.submit(
            maker, "compliance.case", f"held-{outcome}", {"kind": "review", "subject": "pay-12"}
        )
        intent_id = submitted.intent.id
        waiting = await _until(platform, intent_id, lambda i: i.state == "review")
        case_id = uuid.UUID(waiting.results["open"]["case_id"])
        case = await cases.propose(maker, case_id, outcome, "checked")
        assert case.intent_id == intent_id
        await cases.approve(checker, case_id)
        done = await _until(platform, intent_id, lambda i: i.status is IntentStatus.DONE)
        assert done.state == state


async def _until(
    platform: Platform, intent_id: uuid.UUID, check: Callable[[Intent], bool]
) -> Intent:
    store = await platform.intent_store()
    for _ in range(1000):
        intent = await store.get(intent_id)
        assert intent is not None
        if check(intent):
            return intent
        await asyncio.sleep(0.01)
    raise AssertionError(intent)
