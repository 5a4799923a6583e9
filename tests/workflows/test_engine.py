"""The engine on both backends: the ledger.transfer workflow end to end, then the engine's
semantics on test-only types: retries and backoff, timeouts, failure with compensation,
concurrent and durable groups, sub-workflows, sleeps, state timers, leases fenced, the per-key
mutex."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.clock import ManualClock
from strongroom.errors import ValidationError
from strongroom.ledger import CreateTransferResult, Transfer, TransferFlags
from strongroom.services.access import Principal
from strongroom.workflows.definitions import (
    Registry,
    RetryPolicy,
    Sleep,
    StepContext,
    StepFailed,
    SubWorkflow,
    UnknownIntentType,
    derived_id,
)
from strongroom.workflows.engine import NS
from strongroom.workflows.service import ReferenceConflict
from strongroom.workflows.types import IntentDetail, IntentStatus, StepOutcome
from tests.workflows.conftest import Rigs, open_accounts
from tests.workflows.kinds import Calls, approval_type, job_type


async def settle(platform: Platform, who: Principal, intent_id: uuid.UUID) -> IntentDetail:
    """The intent once done (within 10 s)."""
    service = await platform.intents()
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        detail = await service.show(who, intent_id)
        if detail.intent.status is IntentStatus.DONE:
            return detail
        assert asyncio.get_running_loop().time() < deadline, detail.intent
        await asyncio.sleep(0.02)


def transfer(debit: uuid.UUID, credit: uuid.UUID, amount: int) -> dict[str, object]:
    return {
        "debit_account_id": str(debit),
        "credit_account_id": str(credit),
        "amount": amount,
        "ledger": "EUR",
        "code": 1,
    }


async def test_a_transfer_intent_runs_its_four_steps_and_moves_the_money_once(
    platform: Platform, writer: Principal
) -> None:
    funding, alice = await open_accounts(platform, 2, overdraft=True)
    engine = await platform.intent_engine()
    await engine.start()
    service = await platform.intents()
    pay = transfer(funding, alice, 500)
    submitted = await service.submit(writer, "ledger.transfer", "pay-1", pay)
    assert submitted.created
    detail = await settle(platform, writer, submitted.intent.id)
    assert detail.intent.state == "settled"
    assert [t.to_state for t in detail.transitions] == [
        "initiated",
        "checked",
        "reserved",
        "posted",
        "settled",
    ]
    assert [s.step for s in detail.steps] == ["check", "reserve", "post", "notify"]
    ledger = await platform.ledger()
    (account,) = await ledger.lookup_accounts([alice])
    assert (account.credits_posted, account.credits_pending) == (500, 0)
    again = await service.submit(writer, "ledger.transfer", "pay-1", pay)
    assert not again.created
    assert again.intent.id == submitted.intent.id
    with pytest.raises(ReferenceConflict):
        await service.submit(writer, "ledger.transfer", "pay-1", transfer(funding, alice, 501))


async def test_a_refused_reservation_fails_the_intent_without_moving_money(
    platform: Platform, writer: Principal
) -> None:
    alice, bob = await open_accounts(platform, 2)
    engine = await platform.intent_engine()
    await engine.start()
    service = await platform.intents()
    submitted = await service.submit(writer, "ledger.transfer", "broke", transfer(alice, bob, 10))
    detail = await settle(platform, writer, submitted.intent.id)
    assert detail.intent.state == "failed"
    assert "exceeds_credits" in (detail.intent.error or "")


async def test_bad_input_is_a_typed_error_and_writes_nothing(
    platform: Platform, writer: Principal
) -> None:
    service = await platform.intents()
    with pytest.raises(UnknownIntentType):
        await service.submit(writer, "no.such", "r", {})
    with pytest.raises(ValidationError) as error:
        await service.submit(writer, "ledger.transfer", "r", {"amount": "x"})
    assert error.value.field.startswith("payload")
    with pytest.raises(ValidationError) as error:
        await service.submit(writer, "ledger.transfer", "", transfer(uuid.uuid4(), uuid.uuid4(), 1))
    assert error.value.field == "reference"
    items, _ = await service.find(writer)
    assert items == []


# -- the engine's semantics, on test-only intent types --------------------------------------

FAST = RetryPolicy(max_attempts=3, initial=0.05, multiplier=2.0, jitter=0.0)


async def test_a_step_failing_twice_is_retried_with_backoff_and_succeeds(
    rigs: Rigs, writer: Principal
) -> None:
    calls = Calls()

    def flaky(context: StepContext[Any], call: int) -> str:
        if call < 3:
            raise RuntimeError(f"down {call}")
        return "up"

    kind = job_type("t.flaky", (calls.step("flaky", flaky, retry=FAST),))
    registry = Registry([kind])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "finished"
    assert (detail.intent.attempts, detail.intent.error) == (0, None)
    assert [(s.attempt, s.outcome) for s in detail.steps] == [
        (1, StepOutcome.FAILED),
        (2, StepOutcome.FAILED),
        (3, StepOutcome.OK),
    ]
    assert detail.steps[0].error == "RuntimeError: down 1"
    # Backoff without jitter: 0.05 s after the first failure, 0.1 s after the second.
    times = [at for _, _, at in calls.made]
    assert times[1] - times[0] >= 0.05
    assert times[2] - times[1] >= 0.1


async def test_a_retry_waits_for_its_run_at_in_the_storage(rigs: Rigs, writer: Principal) -> None:
    def down(context: StepContext[Any], call: int) -> None:
        raise RuntimeError("down")

    slow = RetryPolicy(max_attempts=2, initial=30.0, jitter=0.0)
    kind = job_type("t.backoff", (Calls().step("down", down, retry=slow),))
    registry = Registry([kind])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    detail = await rigs.until(submitted.intent.id, lambda i: i.attempts == 1)
    intent = detail.intent
    assert intent.status is IntentStatus.READY
    assert intent.lease_owner is None
    assert intent.run_at is not None
    assert intent.run_at - intent.updated_at == 30 * NS
    assert intent.error == "down: RuntimeError: down"


async def test_a_step_past_its_timeout_counts_as_failed_and_is_retried(
    rigs: Rigs, writer: Principal
) -> None:
    calls = Calls()

    async def slow_once(context: StepContext[Any], call: int) -> str:
        if call == 1:
            await asyncio.sleep(5)
        return "quick"

    kind = job_type("t.slow", (calls.step("slow", slow_once, retry=FAST, timeout=0.05),))
    registry = Registry([kind])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "finished"
    assert [s.outcome for s in detail.steps] == [StepOutcome.TIMED_OUT, StepOutcome.OK]
    assert detail.intent.results == {"slow": "quick"}


@pytest.mark.parametrize("how", ["refused", "attempts exhausted"])
async def test_a_step_failing_for_good_compensates_what_succeeded_newest_first(
    rigs: Rigs, writer: Principal, how: str
) -> None:
    calls = Calls()

    def last(context: StepContext[Any], call: int) -> None:
        if how == "refused":
            raise StepFailed("no way")
        raise RuntimeError("still down")

    kind = job_type(
        "t.saga",
        (calls.step("a", compensable=True),),
        (calls.step("b", compensable=True), calls.step("c")),
        (calls.step("d", last, retry=FAST),),
    )
    registry = Registry([kind])
    engine = rigs.engine(registry)
    await engine.start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "failed"
    assert calls.compensated == ["b", "a"]
    tries = 1 if how == "refused" else FAST.max_attempts
    assert len(calls.of("d")) == tries
    reason = "d: no way" if how == "refused" else "d: RuntimeError: still down"
    assert detail.intent.error == reason
    assert (detail.transitions[-1].event, detail.transitions[-1].reason) == ("fail", reason)
    undone = [(s.step, s.outcome) for s in detail.steps if s.outcome is StepOutcome.COMPENSATED]
    assert undone == [("b", StepOutcome.COMPENSATED), ("a", StepOutcome.COMPENSATED)]
    assert engine.stats.failed == 1


async def test_the_steps_of_a_group_run_concurrently(rigs: Rigs, writer: Principal) -> None:
    started = {"left": asyncio.Event(), "right": asyncio.Event()}

    def meets(me: str, other: str) -> Callable[[StepContext[Any], int], Any]:
        async def run(context: StepContext[Any], call: int) -> str:
            started[me].set()
            await asyncio.wait_for(started[other].wait(), 5)
            return me

        return run

    calls = Calls()
    kind = job_type(
        "t.pair",
        (calls.step("left", meets("left", "right")), calls.step("right", meets("right", "left"))),
    )
    registry = Registry([kind])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.results == {"left": "left", "right": "right"}


async def test_a_finished_group_is_durable_and_never_runs_again_after_a_takeover(
    rigs: Rigs, writer: Principal
) -> None:
    calls = Calls()
    blocked = asyncio.Event()

    async def second(context: StepContext[Any], call: int) -> str:
        if call == 1:
            blocked.set()
            await asyncio.sleep(60)
        return "second"

    kind = job_type(
        "t.durable",
        (calls.step("first"), calls.step("sibling")),
        (calls.step("second", second), calls.step("other")),
    )
    registry = Registry([kind])
    first = rigs.engine(registry, lease=0.3)
    await first.start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    await asyncio.wait_for(blocked.wait(), 5)
    # Killed mid-group: its tasks are cancelled, its lease is left to expire.
    await first.stop(grace=0)
    stored = await rigs.store.get(submitted.intent.id)
    assert stored is not None
    assert (stored.position, set(stored.results)) == (1, {"first", "sibling"})
    await rigs.engine(registry, lease=0.3).start()
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "finished"
    assert [name for name, _, _ in calls.made].count("first") == 1
    assert [name for name, _, _ in calls.made].count("sibling") == 1
    assert len(calls.of("second")) == 2
    # The unfinished group ran again whole: its other step too, its results written once.
    assert len(calls.of("other")) == 2
    assert [s.step for s in detail.steps].count("other") == 1
    assert detail.intent.lease_epoch == 2


async def test_a_sub_workflow_waits_for_its_child_and_gets_its_results(
    rigs: Rigs, writer: Principal
) -> None:
    calls = Calls()
    gate = asyncio.Event()

    async def work(context: StepContext[Any], call: int) -> dict[str, int]:
        await asyncio.wait_for(gate.wait(), 5)
        return {"x": context.payload.amount}

    child = job_type("t.child", (calls.step("work", work),))
    parent = job_type(
        "t.parent",
        (SubWorkflow("kid", "t.child", lambda context: {"amount": 7}),),
        (calls.step("after", lambda context, call: context.results["kid"]["results"]),),
    )
    registry = Registry([child, parent])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, parent.name, "r", {})
    waiting = await rigs.until(submitted.intent.id, lambda i: i.status is IntentStatus.WAITING)
    (kid,) = waiting.children
    assert (kid.parent_id, kid.type, kid.payload) == (submitted.intent.id, "t.child", {"amount": 7})
    gate.set()
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "finished"
    assert detail.intent.results["kid"] == {
        "child": str(kid.id),
        "state": "finished",
        "results": {"work": {"x": 7}},
    }
    assert detail.intent.results["after"] == {"work": {"x": 7}}
    child_detail = await rigs.done(kid.id)
    assert [t.event for t in child_detail.transitions] == ["submit", "finished"]


@pytest.mark.parametrize("needed", [True, False])
async def test_a_sub_workflow_with_a_condition_starts_its_child_only_when_it_holds(
    rigs: Rigs, writer: Principal, needed: bool
) -> None:
    calls = Calls()
    child = job_type("t.child", (calls.step("work"),))
    parent = job_type(
        "t.parent",
        (calls.step("decide", lambda context, call: {"review": needed}),),
        (
            SubWorkflow(
                "kid",
                "t.child",
                lambda context: {},
                when=lambda context: bool(context.results["decide"]["review"]),
            ),
        ),
        (calls.step("after"),),
    )
    registry = Registry([child, parent])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, parent.name, "r", {})
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "finished"
    assert len(detail.children) == (1 if needed else 0)
    assert len(calls.of("work")) == (1 if needed else 0)
    assert (detail.intent.results["kid"] is None) is not needed
    assert len(calls.of("after")) == 1


async def test_a_failed_child_fails_its_parent_for_good_with_compensation(
    rigs: Rigs, writer: Principal
) -> None:
    calls = Calls()

    def refuse(context: StepContext[Any], call: int) -> None:
        raise StepFailed("child says no")

    child = job_type("t.child", (calls.step("work", refuse),))
    parent = job_type(
        "t.parent",
        (calls.step("before", compensable=True),),
        (SubWorkflow("kid", "t.child", lambda context: {}),),
        (calls.step("after"),),
    )
    registry = Registry([child, parent])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, parent.name, "r", {})
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "failed"
    assert "child says no" in (detail.intent.error or "")
    assert calls.compensated == ["before"]
    assert calls.of("after") == []
    assert detail.children[0].state == "failed"


async def test_a_sleep_holds_the_workflow_and_any_engine_wakes_it(
    rigs: Rigs, writer: Principal
) -> None:
    calls = Calls()
    kind = job_type(
        "t.nap",
        (calls.step("before"),),
        (Sleep("nap", lambda context: 0.4),),
        (calls.step("after"),),
    )
    registry = Registry([kind])
    first = rigs.engine(registry)
    await first.start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    asleep = await rigs.until(
        submitted.intent.id,
        lambda i: i.position == 1 and i.run_at is not None and i.lease_owner is None,
    )
    await first.stop()
    assert asleep.intent.status is IntentStatus.READY
    await rigs.engine(registry).start()
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "finished"
    (_, _, before), (_, _, after) = calls.made
    assert after - before >= 0.4
    until = detail.intent.results["nap"]["slept_until"]
    assert until == asleep.intent.run_at
    (after_step,) = [s for s in detail.steps if s.step == "after"]
    assert after_step.started_at >= until


async def test_a_state_timer_fires_its_event_later(rigs: Rigs, writer: Principal) -> None:
    kind = approval_type(expire_after=0.3)
    registry = Registry([kind])
    await rigs.engine(registry).start()
    submitted = await rigs.service(registry).submit(writer, kind.name, "r", {})
    assert submitted.intent.timer_event == "expire"
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "expired"
    submit, expire = detail.transitions
    assert (expire.event, expire.actor, expire.from_state) == ("expire", "timer", "pending")
    assert expire.at - submit.at >= 0.3 * NS
    assert detail.intent.lease_owner is None


async def test_a_worker_that_lost_its_lease_has_its_checkpoint_refused_and_money_moves_once(
    platform: Platform, rigs: Rigs, writer: Principal
) -> None:
    debit, credit = await open_accounts(platform, 2, overdraft=True)
    ledger = await platform.ledger()
    gate = asyncio.Event()

    async def hold(context: StepContext[Any], call: int) -> str:
        if call == 1:
            await asyncio.wait_for(gate.wait(), 10)
        transfer = Transfer(
            id=context.transfer_id(),
            debit_account_id=debit,
            credit_account_id=credit,
            amount=25,
            ledger="EUR",
            code=1,
            flags=TransferFlags.PENDING,
            tenant="acme",
        )
        (result,) = await ledger.create_transfers([transfer])
        assert result in (CreateTransferResult.OK, CreateTransferResult.EXISTS)
        return result.value

    kind = job_type("t.hold", (Calls().step("hold", hold),))
    registry = Registry([kind])
    # The first worker's clock stands still years ago: its lease (a long one, so its own
    # heartbeat never notices) has long expired for anyone on the real clock.
    stopped = ManualClock(start_ns=time.time_ns() - 3600 * NS)
    first = rigs.engine(registry, clock=stopped, lease=60)
    await first.start()
    submitted = await rigs.service(registry, stopped).submit(writer, kind.name, "r", {})
    await rigs.until(submitted.intent.id, lambda i: i.lease_owner == first.worker)
    second = rigs.engine(registry, lease=60)
    await second.start()
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.results == {"hold": "ok"}
    gate.set()
    for _ in range(500):
        if first.stats.lost_leases:
            break
        await asyncio.sleep(0.01)
    assert first.stats.lost_leases == 1
    after = await rigs.done(submitted.intent.id)
    assert after.intent == detail.intent
    assert [s.step for s in after.steps] == ["hold"]
    held = derived_id(submitted.intent.id, "hold", 0)
    assert [t.id for t in await ledger.lookup_transfers([held])] == [held]
    (account,) = await ledger.lookup_accounts([credit])
    assert account.credits_pending == 25


async def test_one_mutex_key_runs_in_creation_order_while_keys_run_in_parallel(
    rigs: Rigs, writer: Principal
) -> None:
    async def pause(context: StepContext[Any], call: int) -> None:
        await asyncio.sleep(0.03)

    kind = job_type("t.keyed", (Calls().step("one", pause),), (Calls().step("two", pause),))
    registry = Registry([kind])
    service = rigs.service(registry)
    submitted = []
    for n in range(6):
        for key in ("k1", "k2"):
            made = await service.submit(writer, kind.name, f"{key}-{n}", {"key": key})
            submitted.append((key, made.intent))
    for _ in range(3):
        await rigs.engine(registry).start()
    spans: dict[str, list[tuple[int, int]]] = {"k1": [], "k2": []}
    for key, intent in sorted(submitted, key=lambda pair: pair[1].seq):
        detail = await rigs.done(intent.id)
        assert detail.intent.state == "finished"
        spans[key].append((detail.steps[0].started_at, detail.transitions[-1].at))
    for key, runs in spans.items():
        for (_, ended), (started, _) in itertools.pairwise(runs):
            assert started > ended, key
    overlapping = [(a, b) for a in spans["k1"] for b in spans["k2"] if a[0] < b[1] and b[0] < a[1]]
    assert overlapping


async def test_waiting_with_its_key_released_an_intent_lets_its_key_run_then_queues_again(
    rigs: Rigs, writer: Principal
) -> None:
    """A payment's shape: screened under its key, a review waited for without it (later
    intents of the key run meanwhile), then the rest under the key again, behind the intents
    queued when the review ended."""
    calls = Calls()
    gate = asyncio.Event()

    async def blocked(context: StepContext[Any], call: int) -> None:
        await asyncio.wait_for(gate.wait(), 5)

    held = job_type(
        "t.held",
        (calls.step("screen"),),
        (SubWorkflow("review", "t.approval", lambda context: {}),),
        (calls.step("settle"),),
        release_key=1,
    )
    quick = job_type("t.quick", (calls.step("pay"),))
    slow = job_type("t.slow", (calls.step("slow", blocked),))
    registry = Registry([approval_type(), held, quick, slow])
    await rigs.engine(registry).start()
    service = rigs.service(registry)
    first = await service.submit(writer, held.name, "held", {"key": "acct"})
    waiting = await rigs.until(first.intent.id, lambda i: i.status is IntentStatus.WAITING)
    assert waiting.intent.mutex_key is None
    later = await service.submit(writer, quick.name, "later", {"key": "acct"})
    assert (await rigs.done(later.intent.id)).intent.state == "finished"
    running = await service.submit(writer, slow.name, "running", {"key": "acct"})
    await rigs.until(running.intent.id, lambda i: i.lease_owner is not None)
    (review,) = waiting.children
    await service.fire(writer, review.id, "approve")
    queued = await rigs.until(first.intent.id, lambda i: i.mutex_key == "acct")
    await asyncio.sleep(0.2)
    assert calls.of("settle") == [], "settled while an intent queued before it still ran"
    assert queued.intent.position == 2
    gate.set()
    detail = await rigs.done(first.intent.id)
    assert detail.intent.state == "finished"
    (_, _, slow_at), (_, _, settle_at) = calls.of("slow") + calls.of("settle")
    assert slow_at < settle_at
    order = [name for name, _, _ in calls.made]
    assert order == ["screen", "pay", "slow", "settle"]


async def test_integral_numbers_are_integers_whatever_their_spelling(
    platform: Platform, writer: Principal
) -> None:
    service = await platform.intents()
    pay = {**transfer(uuid.uuid4(), uuid.uuid4(), 1), "amount": 250.0, "code": 1.0}
    submitted = await service.submit(writer, "ledger.transfer", "floats", pay)
    assert (submitted.intent.payload["amount"], submitted.intent.payload["code"]) == (250, 1)
    assert type(submitted.intent.payload["amount"]) is int
    with pytest.raises(ValidationError) as error:
        await service.submit(writer, "ledger.transfer", "fraction", {**pay, "amount": 250.5})
    assert error.value.field == "payload.amount"


async def test_an_unusable_key_or_an_oversized_payload_is_refused(
    platform: Platform, writer: Principal
) -> None:
    service = await platform.intents()
    pay = transfer(uuid.uuid4(), uuid.uuid4(), 1)
    with pytest.raises(ValidationError) as error:
        await service.submit(writer, "ledger.transfer", "nul", {**pay, "customer": "a\x00b"})
    assert error.value.field == "payload.customer"
    with pytest.raises(ValidationError) as error:
        await service.submit(writer, "ledger.transfer", "big", {**pay, "customer": "x" * 70_000})
    assert "bytes" in error.value.reason
    items, _ = await service.find(writer)
    assert items == []
