"""IntentService on both backends: events, cancel, admin retry, versions, tenants and roles,
paging, schedules; and a machine-only type against a reference model of its machine."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.bootstrap.platform import Platform
from strongroom.clock import ManualClock
from strongroom.errors import Conflict, NotFound, PermissionDenied
from strongroom.services.access import Principal, Role
from strongroom.workflows.definitions import Registry, StepContext, StepFailed
from strongroom.workflows.machine import IllegalTransition
from strongroom.workflows.service import VersionConflict
from strongroom.workflows.types import IntentStatus
from tests.workflows.conftest import Rigs, principal
from tests.workflows.kinds import Calls, approval_type, job_type


async def test_an_event_moves_the_machine_and_an_illegal_one_changes_nothing(
    rigs: Rigs, writer: Principal
) -> None:
    registry = Registry([approval_type()])
    service = rigs.service(registry)
    submitted = await service.submit(writer, "t.approval", "r", {})
    assert (submitted.intent.state, submitted.intent.status) == ("pending", IntentStatus.WAITING)
    approved = await service.fire(writer, submitted.intent.id, "approve", reason="looks fine")
    assert (approved.state, approved.status) == ("approved", IntentStatus.DONE)
    with pytest.raises(IllegalTransition) as refused:
        await service.fire(writer, submitted.intent.id, "reject")
    assert (refused.value.state, refused.value.event) == ("approved", "reject")
    assert "'approved'" in str(refused.value)
    assert "'reject'" in str(refused.value)
    detail = await service.show(writer, submitted.intent.id)
    assert detail.intent.version == approved.version
    last = detail.transitions[-1]
    assert (last.event, last.actor, last.reason) == ("approve", writer.id, "looks fine")


async def test_a_stale_version_is_a_conflict(rigs: Rigs, writer: Principal) -> None:
    service = rigs.service(Registry([approval_type()]))
    submitted = await service.submit(writer, "t.approval", "r", {})
    with pytest.raises(VersionConflict):
        await service.fire(
            writer, submitted.intent.id, "approve", expected_version=submitted.intent.version + 1
        )
    moved = await service.fire(
        writer, submitted.intent.id, "approve", expected_version=submitted.intent.version
    )
    assert moved.version == submitted.intent.version + 1


async def test_another_tenant_sees_nothing_and_roles_are_checked(
    platform: Platform, rigs: Rigs, writer: Principal, admin: Principal
) -> None:
    service = rigs.service(Registry([approval_type()]))
    submitted = await service.submit(writer, "t.approval", "r", {})
    stranger = await principal(platform, "globex", Role.ADMIN)
    with pytest.raises(NotFound):
        await service.show(stranger, submitted.intent.id)
    with pytest.raises(NotFound):
        await service.fire(stranger, submitted.intent.id, "approve")
    with pytest.raises(NotFound):
        await service.cancel(stranger, submitted.intent.id)
    assert (await service.find(stranger))[0] == []
    reader = await principal(platform, "acme", Role.READ)
    with pytest.raises(PermissionDenied):
        await service.submit(reader, "t.approval", "other", {})
    with pytest.raises(PermissionDenied):
        await service.fire(reader, submitted.intent.id, "approve")
    with pytest.raises(PermissionDenied):
        await service.cancel(writer, submitted.intent.id)
    with pytest.raises(PermissionDenied):
        await service.retry(writer, submitted.intent.id)
    with pytest.raises(PermissionDenied):
        await service.put_schedule(writer, "s", "t.approval", "every 1h", {})
    assert (await service.show(reader, submitted.intent.id)).intent.state == "pending"
    cancelled = await service.cancel(admin, submitted.intent.id)
    assert cancelled.state == "cancelled"


async def test_cancel_is_immediate_for_a_waiting_machine_only_intent(
    rigs: Rigs, writer: Principal, admin: Principal
) -> None:
    service = rigs.service(Registry([approval_type()]))
    submitted = await service.submit(writer, "t.approval", "r", {})
    cancelled = await service.cancel(admin, submitted.intent.id, reason="changed my mind")
    assert (cancelled.state, cancelled.status) == ("cancelled", IntentStatus.DONE)
    assert cancelled.error == "changed my mind"
    with pytest.raises(Conflict):
        await service.cancel(admin, submitted.intent.id)


async def test_cancelling_a_running_workflow_compensates_what_it_did(
    rigs: Rigs, writer: Principal, admin: Principal
) -> None:
    calls = Calls()
    started, finish = asyncio.Event(), asyncio.Event()

    async def wait(context: StepContext[Any], call: int) -> None:
        started.set()
        await finish.wait()

    kind = job_type(
        "t.long",
        (calls.step("paid", compensable=True),),
        (calls.step("wait", wait),),
        (calls.step("after"),),
    )
    registry = Registry([kind])
    engine = rigs.engine(registry)
    service = rigs.service(registry, engine=engine)
    await engine.start()
    submitted = await service.submit(writer, kind.name, "r", {})
    await asyncio.wait_for(started.wait(), 5)
    requested = await service.cancel(admin, submitted.intent.id)
    assert requested.cancel_requested
    # The worker is not interrupted: it finishes the step in hand, then cancels.
    assert (await service.show(admin, submitted.intent.id)).intent.state != "cancelled"
    finish.set()
    detail = await rigs.done(submitted.intent.id)
    assert (detail.intent.state, detail.intent.error) == ("cancelled", "cancelled")
    assert calls.compensated == ["paid"]
    assert len(calls.of("paid")) == 1
    assert calls.of("after") == []
    assert detail.transitions[-1].event == "cancel"


async def test_an_admin_retry_runs_a_failed_intent_again_with_new_ids(
    rigs: Rigs, writer: Principal, admin: Principal
) -> None:
    ids = []
    refuse = asyncio.Event()

    async def pay(context: StepContext[Any], call: int) -> str:
        ids.append(context.transfer_id())
        if call == 1:
            await refuse.wait()
            raise StepFailed("refused the first time")
        return str(context.transfer_id())

    kind = job_type("t.pay", (Calls().step("pay", pay),))
    registry = Registry([kind])
    engine = rigs.engine(registry)
    service = rigs.service(registry, engine=engine)
    await engine.start()
    submitted = await service.submit(writer, kind.name, "r", {})
    with pytest.raises(Conflict):
        await service.retry(admin, submitted.intent.id)
    refuse.set()
    failed = await rigs.done(submitted.intent.id)
    assert failed.intent.state == "failed"
    restarted = await service.retry(admin, submitted.intent.id)
    assert (restarted.state, restarted.run, restarted.error) == ("started", 1, None)
    detail = await rigs.done(submitted.intent.id)
    assert detail.intent.state == "finished"
    first, second = ids
    assert first != second
    assert detail.intent.results == {"pay": str(second)}
    assert [t.event for t in detail.transitions] == ["submit", "fail", "retry", "finished"]
    with pytest.raises(Conflict):
        await service.retry(admin, submitted.intent.id)


async def test_a_retried_intent_queues_behind_the_intents_of_its_key_running_now(
    rigs: Rigs, writer: Principal, admin: Principal
) -> None:
    calls = Calls()
    gate = asyncio.Event()

    async def refuse(context: StepContext[Any], call: int) -> None:
        if call == 1:
            raise StepFailed("refused the first time")

    async def blocked(context: StepContext[Any], call: int) -> None:
        await asyncio.wait_for(gate.wait(), 5)

    failing = job_type("t.pay", (calls.step("pay", refuse),))
    slow = job_type("t.slow", (calls.step("slow", blocked),))
    registry = Registry([failing, slow])
    engine = rigs.engine(registry)
    service = rigs.service(registry, engine=engine)
    await engine.start()
    first = await service.submit(writer, failing.name, "first", {"key": "acct"})
    assert (await rigs.done(first.intent.id)).intent.state == "failed"
    running = await service.submit(writer, slow.name, "running", {"key": "acct"})
    await rigs.until(running.intent.id, lambda i: i.lease_owner is not None)
    await service.retry(admin, first.intent.id)
    await rigs.until(first.intent.id, lambda i: i.mutex_key == "acct")
    await asyncio.sleep(0.2)
    assert len(calls.of("pay")) == 1, "the retried intent ran beside one of its key"
    gate.set()
    assert (await rigs.done(first.intent.id)).intent.state == "finished"
    assert [name for name, _, _ in calls.made] == ["pay", "slow", "pay"]


async def test_find_pages_newest_first_with_a_cursor(rigs: Rigs, writer: Principal) -> None:
    service = rigs.service(Registry([approval_type()]))
    made = [(await service.submit(writer, "t.approval", f"r{n}", {})).intent for n in range(7)]
    seen = []
    cursor = None
    while True:
        page, cursor = await service.find(writer, cursor=cursor, limit=3)
        seen.append([i.reference for i in page])
        if cursor is None:
            break
    assert seen == [["r6", "r5", "r4"], ["r3", "r2", "r1"], ["r0"]]
    pending, _ = await service.find(writer, state="pending", status="waiting")
    assert {i.id for i in pending} == {i.id for i in made}


async def test_schedules_are_put_listed_and_deleted(rigs: Rigs, admin: Principal) -> None:
    service = rigs.service(Registry([approval_type()]))
    put = await service.put_schedule(admin, "nightly", "t.approval", "every 1d", {})
    assert put.next_at is not None
    (listed,) = await service.schedules(admin)
    assert (listed.name, listed.spec, listed.next_at) == ("nightly", "every 1d", put.next_at)
    await service.delete_schedule(admin, "nightly")
    assert await service.schedules(admin) == []
    with pytest.raises(NotFound):
        await service.delete_schedule(admin, "nightly")


async def test_a_schedule_submits_one_intent_per_fire_time_across_engines(
    rigs: Rigs, writer: Principal, admin: Principal
) -> None:
    clock = ManualClock()
    registry = Registry([approval_type()])
    service = rigs.service(registry, clock)
    schedule = await service.put_schedule(admin, "hourly", "t.approval", "every 1h", {})
    assert schedule.next_at is not None
    first = rigs.engine(registry, clock=clock)
    second = rigs.engine(registry, clock=clock)
    assert await first.fire_schedules() == 0
    clock.advance(ns=schedule.next_at - clock.now_ns())
    fired = await asyncio.gather(first.fire_schedules(), second.fire_schedules())
    assert sum(fired) == 1
    assert await first.fire_schedules() == 0
    clock.advance(3600)
    assert await second.fire_schedules() == 1
    made, _ = await service.find(writer)
    assert sorted(i.reference for i in made) == [
        f"schedule:hourly:{schedule.next_at}",
        f"schedule:hourly:{schedule.next_at + 3600 * 10**9}",
    ]
    assert {i.actor for i in made} == {"schedule:hourly"}


EVENTS = ("approve", "reject", "expire", "cancel", "nonsense")
#: The approval machine as a table: (state, event) -> state.
REFERENCE = {
    ("pending", "approve"): "approved",
    ("pending", "reject"): "rejected",
    ("pending", "expire"): "expired",
    ("pending", "cancel"): "cancelled",
}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    actions=st.lists(
        st.tuples(
            st.sampled_from(["submit", "fire", "cancel"]),
            st.integers(0, 2),
            st.sampled_from(EVENTS),
        ),
        max_size=12,
    )
)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_random_submits_events_and_cancels_match_the_reference_model(
    rigs: Rigs, admin: Principal, actions: list[tuple[str, int, str]]
) -> None:
    service = rigs.service(Registry([approval_type()]))
    # Every example shares the test's database: fresh references keep them apart.
    run = uuid.uuid4().hex
    model: dict[int, tuple[str, int]] = {}
    ids: dict[int, uuid.UUID] = {}
    for action, which, event in actions:
        if action == "submit":
            made = await service.submit(admin, "t.approval", f"{run}-{which}", {})
            model.setdefault(which, ("pending", 1))
            ids[which] = made.intent.id
            assert (made.intent.state, made.intent.version) == model[which]
            continue
        if which not in ids:
            continue
        state, version = model[which]
        target = REFERENCE.get((state, "cancel" if action == "cancel" else event))
        try:
            if action == "cancel":
                moved = await service.cancel(admin, ids[which])
            else:
                moved = await service.fire(admin, ids[which], event)
        except Conflict:
            # IllegalTransition, or a cancel of a finished intent.
            assert target is None
        else:
            assert target is not None
            assert moved.state == target
            model[which] = (target, version + 1)
        stored = await service.store.get(ids[which])
        assert stored is not None
        assert (stored.state, stored.version) == model[which]
