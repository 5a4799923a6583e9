"""The rule engine's benchmark behind `strongroom bench compliance`, on a throwaway database.

Decisions: a rule set of 50 rules, 5 of them over velocity windows (customer 1 h, 24 h and 7 d,
account 30 d, beneficiary 24 h) and one over the sanctions screening of the counterparty's name
against a synthetic OFAC list of `list_entries` entries (about one counterparty in ten a listed
name, misspelt or reordered), put in force; payments offered on a fixed
schedule (`rate`/s, open loop), each decided in process through `Decider.screen` (read the
windows, screen, evaluate, record with the velocity increments, group-committed); latency counts
from when each payment was due.

Velocity cost: the same decision records written with and without their velocity increments,
and pending ledger transfers (a payment's reservation) written at the same batch size; the
report gives the CPU time per payment of each, so the velocity update's share of a payment.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from strongroom.bench.ledger import percentile
from strongroom.bench.loops import open_loop
from strongroom.bench.scratch import gather_statistics, throwaway_database
from strongroom.bootstrap import Platform
from strongroom.clock import SystemClock
from strongroom.compliance.decide import Decider
from strongroom.compliance.decisions import Decision, Mode, Outcome
from strongroom.compliance.ports import DecisionRecord, RuleSetStatus
from strongroom.compliance.rules.facts import (
    AccountFacts,
    Counterparty,
    CustomerFacts,
    Direction,
    Payment,
)
from strongroom.compliance.rules.velocity import Window, increments
from strongroom.compliance.screening.reloading import OfacSource, ScreeningLists
from strongroom.compliance.screening.synthetic import query_names, synthetic_entries, write_ofac_csv
from strongroom.compliance.screening.worker import ScreeningWorker
from strongroom.compliance.service import ComplianceService
from strongroom.ids import new_id
from strongroom.ledger import Account, AccountFlags, Transfer, TransferFlags
from strongroom.runtime import settle_heap
from strongroom.services.access import Role
from strongroom.settings import Settings

TENANT = "bench"
CURRENCY = "SGD"
NS = 10**9
COUNTRIES = ("SG", "MY", "ID", "TH", "VN", "PH", "GB", "US", "DE", "FR", "KP", "IR")
CHANNELS = ("api", "mobile", "web", "branch", "atm")
PRODUCTS = ("basic", "premium", "business")
RATINGS = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class ComplianceBenchConfig:
    #: A PostgreSQL URL (a throwaway schema is made in it), or None for a temporary SQLite file.
    postgres: str | None = None
    decisions: int = 20_000
    #: Decisions/s offered on a fixed schedule.
    rate: float = 2_000.0
    customers: int = 2_000
    #: Entries of the synthetic sanctions list the counterparties are screened against.
    list_entries: int = 20_000
    warmup: int = 2_000
    seed: int = 1


@dataclass(slots=True)
class ComplianceBenchResult:
    decisions: int = 0
    rules: int = 0
    windows: int = 0
    list_entries: int = 0
    seconds: float = 0.0
    offered_per_second: float = 0.0
    decisions_per_second: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: int = 0
    cpu_ms_per_decision: float = 0.0
    #: Measured decisions whose counterparty's name scores the screener had kept (the name
    #: screened before): counterparties come from a pool of 5,000 names.
    screenings_cached: int = 0
    #: CPU time per payment of writing its decision with and without its velocity increments,
    #: and of reserving its funds (a pending ledger transfer), at the same batch size.
    record_cpu_us: float = 0.0
    record_without_velocity_cpu_us: float = 0.0
    reserve_cpu_us: float = 0.0
    #: The velocity update's cost as a share of the payment's own (the reservation).
    velocity_share: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def rule_set() -> str:
    """50 rules: 5 over velocity windows, 1 over the screening, 44 over the payment, customer
    and account, with lists and scores."""
    rules = [
        "  - {id: v-c1h, message: burst, when: {velocity.c1h.count: {gt: 20}}, action: review}",
        "  - {id: v-c24h, message: daily sum, when: {velocity.c24h.sum: {gt: 5000000}}, score: 40}",
        "  - {id: v-c7d, message: weekly count, when: {velocity.c7d.count: {gt: 300}}, score: 30}",
        "  - {id: v-a30d, message: monthly sum, when: {velocity.a30d.sum: {gt: 50000000}},"
        " score: 30}",
        "  - {id: v-b24h, message: beneficiary fan-in, when: {velocity.b24h.count: {gt: 50}},"
        " score: 30}",
        "  - {id: sanctions, message: sanctions hit, when: {screening.score: {gte: 92}},"
        " action: block}",
    ]
    rules.extend(
        f"  - {{id: amount-{i}, message: amount band {i},"
        f" when: {{payment.amount: {{gt: {(i + 1) * 200_000}}}}}, score: 3}}"
        for i in range(10)
    )
    for i, country in enumerate(COUNTRIES[:10]):
        rules.append(
            f"  - {{id: country-{i}, message: to {country},"
            f" when: {{all: [{{counterparty.country: {{eq: {country}}}}},"
            f" {{payment.amount: {{gt: {100_000 * (i + 1)}}}}}]}}, score: 5}}"
        )
    rules.append(
        "  - {id: risky-country, message: high-risk country,"
        " when: {counterparty.country: {in_list: high_risk}}, action: block}"
    )
    for i, channel in enumerate(CHANNELS):
        rules.append(
            f"  - {{id: channel-{i}, message: via {channel},"
            f" when: {{all: [{{payment.channel: {{eq: {channel}}}}},"
            f" {{payment.amount: {{gte: {300_000 * (i + 1)}}}}}]}}, score: 7}}"
        )
    for i, rating in enumerate(RATINGS):
        rules.append(
            f"  - {{id: rating-{i}, message: {rating} risk,"
            f" when: {{customer.risk_rating: {{eq: {rating}}}}}, score: {i * 10}}}"
        )
    rules.extend(
        f"  - {{id: young-{i}, message: young relationship {i},"
        f" when: {{all: [{{customer.relationship_days: {{lt: {(i + 1) * 30}}}}},"
        f" {{payment.amount: {{gt: {(i + 1) * 50_000}}}}}]}}, score: 4}}"
        for i in range(10)
    )
    for i, product in enumerate(PRODUCTS):
        rules.append(
            f"  - {{id: product-{i}, message: {product} account new,"
            f" when: {{all: [{{account.product: {{eq: {product}}}}},"
            f" {{account.age_days: {{lt: 14}}}}]}}, score: 6}}"
        )
    rules.append(
        "  - {id: inbound-large, message: large inbound,"
        " when: {all: [{payment.direction: {eq: in}}, {payment.amount: {gt: 1500000}}]}, score: 20}"
    )
    rules.append(
        "  - {id: trusted, message: trusted counterparty,"
        " when: {counterparty.account: {in_list: trusted}}, action: allow}"
    )
    return "\n".join(
        [
            "thresholds: {review: 60, block: 120}",
            "lists:",
            "  high_risk: [KP, IR]",
            "  trusted: [" + ", ".join(f"T{i:04d}" for i in range(500)) + "]",
            "windows:",
            "  - {id: c1h, scope: customer, length: 1h}",
            "  - {id: c24h, scope: customer, length: 24h}",
            "  - {id: c7d, scope: customer, length: 7d}",
            "  - {id: a30d, scope: account, length: 30d}",
            "  - {id: b24h, scope: beneficiary, length: 24h}",
            "rules:",
            *rules,
        ]
    )


class Payments:
    """Payments from `customers` customers to 10x as many beneficiaries, to counterparties
    named from `names`."""

    def __init__(self, customers: int, names: list[str], seed: int, start: int) -> None:
        self.rng = random.Random(seed)
        self.customers = customers
        self.names = names
        self.at = start
        self.n = 0

    def next(self) -> Payment:
        rng = self.rng
        self.n += 1
        self.at += rng.randint(1, 200) * NS // 1000
        customer = rng.randrange(self.customers)
        name = rng.choice(self.names)
        return Payment(
            subject=f"pay-{self.n}",
            amount=rng.randint(100, 2_000_000),
            currency=CURRENCY,
            direction=Direction.OUT,
            channel=rng.choice(CHANNELS),
            counterparty=Counterparty(
                name=name,
                country=rng.choice(COUNTRIES),
                account=f"B{rng.randrange(self.customers * 10):06d}",
            ),
            beneficiary=f"ben-{rng.randrange(self.customers * 10)}",
            customer=CustomerFacts(
                id=f"cust-{customer}",
                risk_rating=RATINGS[customer % 3],
                kyc_status="verified",
                since=dt.date(2020, 1, 1) + dt.timedelta(days=customer % 2000),
            ),
            account=AccountFacts(
                id=f"acct-{customer}",
                product=PRODUCTS[customer % 3],
                opened=dt.date(2021, 1, 1) + dt.timedelta(days=customer % 1800),
            ),
            at=self.at,
        )


async def run_compliance_bench(config: ComplianceBenchConfig) -> ComplianceBenchResult:
    """The benchmark on a throwaway database, screening against a synthetic list of
    `config.list_entries` entries written to a temporary folder in OFAC's format."""
    with tempfile.TemporaryDirectory() as folder:
        sdn, alt, add = write_ofac_csv(Path(folder), config.list_entries, config.seed)
        lists = ScreeningLists([OfacSource("ofac-sdn", sdn, alt, add)], SystemClock())
        await asyncio.to_thread(lists.reload)
        entries = synthetic_entries(config.list_entries, config.seed)
        # About one in ten a listed name (with a typo or reordered), as query_names makes them.
        names = query_names(5_000, config.seed + 1, entries)
        async with (
            throwaway_database(config.postgres) as url,
            Platform(Settings(db_url=url, pool_size=16), migrate=False) as platform,
        ):
            return await _run(platform, config, lists, names)


async def _run(
    platform: Platform, config: ComplianceBenchConfig, screener: ScreeningLists, names: list[str]
) -> ComplianceBenchResult:
    service = await platform.compliance()
    admin = (await (await platform.access()).create(TENANT, Role.ADMIN)).key
    stored = await service.publish(admin, rule_set(), RuleSetStatus.ENFORCE)
    # Names not screened before are screened in a worker process, as a server's decisions do.
    screening = ScreeningWorker(screener)
    await screening.start()
    decider = Decider(service.rule_sets, service.decisions, platform.clock, screening, timeout=5.0)
    payments = Payments(config.customers, names, config.seed, int(time.time()) * NS)
    try:
        for _ in range(config.warmup):
            await decider.screen(TENANT, payments.next())
        await gather_statistics(platform.settings.db_url)
        # The screening index and the compiled rules live as long as a server would keep them.
        settle_heap()
        cached = screener.current.cache_hits
        result = await _decisions(decider, payments, config)
        result.screenings_cached = screener.current.cache_hits - cached
    finally:
        await decider.close()
        await screening.close()
    rules = decider.compiled(stored)
    result.rules = len(rules.rules)
    result.windows = len(rules.windows)
    result.list_entries = config.list_entries
    await _velocity_cost(platform, service, rules.windows, payments, result)
    return result


async def _decisions(
    decider: Decider, payments: Payments, config: ComplianceBenchConfig
) -> ComplianceBenchResult:
    decided: list[Decision] = []

    async def one(_: str) -> float:
        decided.append(await decider.screen(TENANT, payments.next()))
        return time.perf_counter()

    start = time.perf_counter()
    cpu = time.process_time()
    latencies = await open_loop(one, config.decisions, config.rate)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    samples = [(value * 1000, 1) for value in latencies]
    outcomes = {o.value: sum(1 for d in decided if d.outcome is o) for o in Outcome}
    return ComplianceBenchResult(
        decisions=len(decided),
        seconds=seconds,
        offered_per_second=config.rate,
        decisions_per_second=len(decided) / seconds if seconds else 0.0,
        latency_ms={
            name: percentile(samples, q)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
        outcomes=outcomes,
        failures=sum(1 for d in decided if d.failure is not None),
        cpu_ms_per_decision=cpu * 1000 / len(decided) if decided else 0.0,
    )


async def _velocity_cost(
    platform: Platform,
    service: ComplianceService,
    windows: tuple[Window, ...],
    payments: Payments,
    result: ComplianceBenchResult,
    batches: int = 20,
    size: int = 500,
) -> None:
    """CPU per payment of a decision's write with and without its velocity increments, and of
    the payment's reservation in the ledger, each written `batches` times `size` at once."""

    def records(with_velocity: bool) -> list[DecisionRecord]:
        out = []
        for _ in range(size):
            payment = payments.next()
            decision = Decision(
                id=new_id(),
                tenant=TENANT,
                subject=payment.subject,
                mode=Mode.ENFORCE,
                outcome=Outcome.ALLOW,
                score=0,
                rule_set_version=1,
                decided_at=payment.at or 0,
            )
            velocity = increments(windows, payment, (payment.at or 0) // NS)
            out.append(
                DecisionRecord(
                    decision=decision,
                    payment=payment,
                    increments=tuple(velocity) if with_velocity else (),
                    events=(),
                )
            )
        return out

    async def cpu_per_item(write: Callable[[], Awaitable[object]]) -> float:
        spent = 0.0
        for _ in range(batches):
            began = time.process_time()
            await write()
            spent += time.process_time() - began
        return spent * 1e6 / (batches * size)

    store = service.decisions

    async def with_velocity() -> object:
        return await store.record(records(True))

    async def without_velocity() -> object:
        return await store.record(records(False))

    ledger = await platform.ledger()
    funding, customer = uuid.uuid4(), uuid.uuid4()
    await ledger.create_accounts(
        [
            Account(id=funding, ledger=CURRENCY, code=1, tenant=TENANT),
            Account(
                id=customer,
                ledger=CURRENCY,
                code=1,
                flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                tenant=TENANT,
            ),
        ]
    )
    await ledger.create_transfers(
        [
            Transfer(
                id=new_id(),
                debit_account_id=funding,
                credit_account_id=customer,
                amount=10**15,
                ledger=CURRENCY,
                code=1,
                tenant=TENANT,
            )
        ]
    )

    async def reserve() -> object:
        return await ledger.create_transfers(
            [
                Transfer(
                    id=new_id(),
                    debit_account_id=customer,
                    credit_account_id=funding,
                    amount=100,
                    ledger=CURRENCY,
                    code=1,
                    flags=TransferFlags.PENDING,
                    tenant=TENANT,
                )
                for _ in range(size)
            ]
        )

    # Each measured twice, alternating, keeping the second: the first warms caches and pools.
    for _ in range(2):
        result.record_cpu_us = await cpu_per_item(with_velocity)
        result.record_without_velocity_cpu_us = await cpu_per_item(without_velocity)
        result.reserve_cpu_us = await cpu_per_item(reserve)
    velocity = max(0.0, result.record_cpu_us - result.record_without_velocity_cpu_us)
    result.velocity_share = velocity / result.reserve_cpu_us if result.reserve_cpu_us else 0.0
