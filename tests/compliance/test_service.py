"""The compliance service on both backends: publishing versions, decisions recorded once per
payment with their velocity, shadow decisions that never act, backtests, roles and tenants."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.clock import ManualClock
from strongroom.compliance.decisions import Mode, Outcome
from strongroom.compliance.ports import RuleSetStatus
from strongroom.compliance.rules.compiler import RuleSetError
from strongroom.compliance.rules.facts import AccountFacts, Counterparty, CustomerFacts, Payment
from strongroom.compliance.screening.worker import InProcessScreening, ScreeningWorker
from strongroom.errors import NotFound, PermissionDenied, ValidationError
from strongroom.events.schemas import DECISION_MADE, RULE_SET_CHANGED, decode_batch
from strongroom.services.access import Principal, Role
from strongroom.settings import Settings
from tests.compliance.conftest import key

NS = 10**9
T0 = 1_800_000_000

STRICT = textwrap.dedent(
    """\
    windows:
      - {id: c1h, scope: customer, length: 1h}
    rules:
      - id: big
        message: over 1,000.00
        when: {payment.amount: {gt: 100000}}
        action: review
      - id: burst
        message: more than 3 payments an hour
        when: {velocity.c1h.count: {gt: 3}}
        action: block
    """
)
LENIENT = STRICT.replace("{gt: 3}", "{gt: 5}").replace("action: review", "action: score")


def pay(subject: str, amount: int = 1_000, *, customer: str = "c1", at: int = T0) -> Payment:
    return Payment(
        subject=subject,
        amount=amount,
        currency="SGD",
        counterparty=Counterparty(name="Jane Roe", country="SG"),
        customer=CustomerFacts(id=customer, risk_rating="low"),
        account=AccountFacts(id=f"acct-{customer}", product="basic"),
        at=at * NS,
    )


async def test_without_a_rule_set_every_payment_is_allowed_and_recorded(
    platform: Platform, writer: Principal
) -> None:
    service = await platform.compliance()
    decision = await service.screen(writer, pay("p1"))
    assert (decision.outcome, decision.rule_set_version, decision.mode) == (
        Outcome.ALLOW,
        None,
        Mode.ENFORCE,
    )
    assert await service.decisions_on(writer, "p1") == [decision]


async def test_publishing_numbers_versions_and_one_is_in_force(
    platform: Platform, admin: Principal
) -> None:
    service = await platform.compliance()
    first = await service.publish(admin, STRICT, RuleSetStatus.ENFORCE)
    second = await service.publish(admin, LENIENT, RuleSetStatus.ENFORCE)
    assert (first.version, second.version) == (1, 2)
    listed = await service.list_rule_sets(admin)
    assert [(s.version, s.status) for s in listed] == [
        (2, RuleSetStatus.ENFORCE),
        (1, RuleSetStatus.RETIRED),
    ]
    back = await service.set_status(admin, 1, RuleSetStatus.ENFORCE)
    assert back.status is RuleSetStatus.ENFORCE
    assert (await service.show_rule_set(admin, 2)).status is RuleSetStatus.RETIRED


async def test_an_invalid_rule_set_stores_nothing(platform: Platform, admin: Principal) -> None:
    service = await platform.compliance()
    with pytest.raises(RuleSetError) as caught:
        await service.publish(admin, "rules:\n  - id: a\n    message: m\n    when: {x: {eq: 1}}\n")
    assert caught.value.issues[0].line == 4
    with pytest.raises(ValidationError, match="status"):
        await service.publish(admin, STRICT, "retired")  # type: ignore[arg-type]
    assert await service.list_rule_sets(admin) == []


async def test_decisions_follow_the_rules_and_velocity_counts_what_was_not_blocked(
    platform: Platform, admin: Principal, writer: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, STRICT, RuleSetStatus.ENFORCE)
    outcomes = [
        (await service.screen(writer, pay(f"p{i}", at=T0 + i * 60))).outcome for i in range(6)
    ]
    # The 4th payment in the hour is the first over 3; blocked ones add nothing, so each
    # following one is the 4th again.
    assert outcomes == [Outcome.ALLOW] * 3 + [Outcome.BLOCK] * 3
    review = await service.screen(writer, pay("big", 200_000, customer="c2"))
    assert review.outcome is Outcome.REVIEW
    assert [r.rule_id for r in review.fired] == ["big"]
    # An hour later the window has emptied.
    later = await service.screen(writer, pay("later", at=T0 + 3 * 3600))
    assert later.outcome is Outcome.ALLOW


async def test_screening_a_payment_again_returns_the_first_decision_and_adds_nothing(
    platform: Platform, admin: Principal, writer: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, STRICT, RuleSetStatus.ENFORCE)
    first = [await service.screen(writer, pay(f"p{i}", at=T0 + i)) for i in range(3)]
    again = [await service.screen(writer, pay(f"p{i}", at=T0 + i)) for i in range(3)]
    assert again == first
    # Three counted, not six: the next one is the 4th.
    assert (await service.screen(writer, pay("p3", at=T0 + 3))).outcome is Outcome.BLOCK


async def test_a_shadow_set_is_recorded_beside_and_never_acts(
    platform: Platform, admin: Principal, writer: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, LENIENT, RuleSetStatus.ENFORCE)
    await service.publish(admin, STRICT, RuleSetStatus.SHADOW)
    decision = await service.screen(writer, pay("big", 200_000))
    assert decision.outcome is Outcome.ALLOW
    both = await service.decisions_on(writer, "big")
    assert [(d.mode, d.outcome, d.rule_set_version) for d in both] == [
        (Mode.ENFORCE, Outcome.ALLOW, 1),
        (Mode.SHADOW, Outcome.REVIEW, 2),
    ]


async def test_backtest_equals_deciding_one_by_one(
    platform: Platform, admin: Principal, writer: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, LENIENT, RuleSetStatus.ENFORCE)
    payments = [
        pay(f"p{i}", 50_000 + 40_000 * (i % 4), customer=f"c{i % 2}", at=T0 + i * 300)
        for i in range(30)
    ]
    recorded = [(await service.screen(writer, p)).outcome for p in payments]
    candidate = await service.publish(admin, STRICT)
    report = await service.backtest(
        admin, candidate.version, since=T0 * NS, until=(T0 + 10_000) * NS
    )
    assert report.payments == 30
    assert report.baseline_version == 1
    assert sum(report.baseline.values()) == 30
    assert report.baseline == report.recorded  # the version in force, replayed, is what happened

    # The candidate put in force on a fresh tenant decides the same payments one by one.
    other = await key(platform, Role.ADMIN, "owner", "fresh")
    await service.publish(other, STRICT, RuleSetStatus.ENFORCE)
    one_by_one = [(await service.screen(other, p)).outcome.value for p in payments]
    assert dict(report.candidate) == {o: one_by_one.count(o) for o in set(one_by_one)}
    changed = {c.subject for c in report.changes}
    assert changed == {
        p.subject
        for p, before, after in zip(payments, recorded, one_by_one, strict=True)
        if before.value != after
    }
    assert report.changed == len(changed)


async def test_diff_names_added_removed_and_changed_rules(
    platform: Platform, admin: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, STRICT)
    extra = LENIENT + "  - id: night\n    message: m\n    when: {payment.channel: {eq: atm}}\n"
    await service.publish(admin, extra)
    diff = await service.diff(admin, 1, 2)
    assert diff.added == ("night",)
    assert diff.removed == ()
    assert diff.changed == ("big", "burst")
    assert "-    when: {velocity.c1h.count: {gt: 3}}\n" in diff.text
    assert "+    when: {payment.channel: {eq: atm}}\n" in diff.text


async def test_roles_and_tenants(platform: Platform, admin: Principal, reader: Principal) -> None:
    service = await platform.compliance()
    with pytest.raises(PermissionDenied):
        await service.publish(reader, STRICT)
    with pytest.raises(PermissionDenied):
        await service.screen(reader, pay("x"))
    await service.publish(admin, STRICT)
    stranger = await key(platform, Role.ADMIN, "owner", "other")
    with pytest.raises(NotFound):
        await service.show_rule_set(stranger, 1)
    await service.screen(admin, pay("mine"))
    with pytest.raises(NotFound):
        await service.decisions_on(stranger, "mine")


async def test_decisions_page_newest_first(platform: Platform, writer: Principal) -> None:
    service = await platform.compliance()
    for i in range(5):
        await service.screen(writer, pay(f"p{i}"))
    page, cursor = await service.find_decisions(writer, limit=3)
    assert [d.subject for d in page] == ["p4", "p3", "p2"]
    rest, end = await service.find_decisions(writer, cursor=cursor, limit=3)
    assert [d.subject for d in rest] == ["p1", "p0"]
    assert end is None
    with pytest.raises(ValidationError, match="outcome"):
        await service.find_decisions(writer, outcome="maybe")


async def test_every_decision_and_rule_set_change_is_an_event(
    platform: Platform, admin: Principal, writer: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, STRICT, RuleSetStatus.ENFORCE)
    await service.screen(writer, pay("p1"))
    outbox = await platform.outbox()
    async with outbox.activate("test") as session:
        assert session is not None
        async with session.round() as relay:
            rows = await relay.waiting(1000)
    types = [event.type for row in rows for event in decode_batch(row.events)]
    assert types.count(RULE_SET_CHANGED) == 1
    assert types.count(DECISION_MADE) == 1


async def test_pruning_deletes_only_counters_no_window_can_read(
    platform: Platform, admin: Principal, writer: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, STRICT, RuleSetStatus.ENFORCE)
    now = T0 + 400 * 86_400
    await service.screen(writer, pay("old", at=T0))
    for i in range(3):
        await service.screen(writer, pay(f"recent{i}", at=now - 60 * (i + 1)))
    service.clock = ManualClock(now * NS)
    assert await service.prune_velocity() == 1
    assert await service.prune_velocity() == 0
    # The recent payments still count: this one is the 4th in the hour.
    decision = await service.screen(writer, pay("next", at=now))
    assert decision.outcome is Outcome.BLOCK


async def test_an_enforced_review_opens_one_case_with_its_reasons(
    platform: Platform, admin: Principal, writer: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, STRICT, RuleSetStatus.ENFORCE)
    await service.publish(admin, LENIENT, RuleSetStatus.SHADOW)
    decision = await service.screen(writer, pay("big", 200_000))
    again = await service.screen(writer, pay("big", 200_000))
    assert again.id == decision.id
    await service.screen(writer, pay("small", 100, customer="c2"))
    cases = await platform.cases()
    found, _ = await cases.find(admin)
    assert len(found) == 1
    (case,) = found
    assert (case.subject, case.decision_id) == ("big", decision.id)
    assert case.reasons == ("big: over 1,000.00",)


SANCTIONS = textwrap.dedent(
    """\
    rules:
      - id: sanctions
        message: sanctions hit
        when: {screening.score: {gte: 90}}
        action: block
    """
)
LISTS = Path(__file__).parent / "screening" / "data"


def to(subject: str, name: str, country: str) -> Payment:
    return Payment(
        subject=subject,
        amount=1_000,
        currency="SGD",
        counterparty=Counterparty(name=name, country=country),
        at=T0 * NS,
    )


async def test_decisions_screen_through_the_platforms_worker_process(
    db_url: str, tmp_path: Path
) -> None:
    settings = Settings(db_url=db_url, key_file=tmp_path / "keys", screening_ofac=LISTS / "ofac")
    async with Platform(settings) as platform:
        admin = await key(platform, Role.ADMIN, "dave")
        service = await platform.compliance()
        await service.publish(admin, SANCTIONS, RuleSetStatus.ENFORCE)
        screening = service.decider.screener
        assert isinstance(screening, ScreeningWorker)
        # Before the worker is ready, names are screened in process; the first starts it.
        first = await service.screen(admin, to("p1", "Hans Juergen Mueller", "DE"))
        await screening.start()
        pid = screening.pid
        second = await service.screen(admin, to("p2", "Mueller Hans Jurgen", "AT"))
        cleared = await service.screen(admin, to("p3", "Zebediah Quill", "SG"))
        assert screening.sent == 2
    assert [d.outcome for d in (first, second, cleared)] == [
        Outcome.BLOCK,
        Outcome.BLOCK,
        Outcome.ALLOW,
    ]
    assert second.hits[0].entry_id == "101"
    # Closing the platform stopped the worker.
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_without_lists_decisions_screen_in_process_and_start_no_worker(
    platform: Platform, writer: Principal, admin: Principal
) -> None:
    service = await platform.compliance()
    await service.publish(admin, SANCTIONS, RuleSetStatus.ENFORCE)
    assert isinstance(service.decider.screener, InProcessScreening)
    decision = await service.screen(writer, to("p1", "Hans Juergen Mueller", "DE"))
    assert (decision.outcome, decision.hits) == (Outcome.ALLOW, ())
