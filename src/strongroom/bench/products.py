"""The quote() benchmark: a 20-rule product and a fixed mix of events, timed call by call.

Owns: `BENCH_PRODUCT` (the 20-rule definition the budget in docs/performance.md refers to),
`bench_events` (a deterministic mix over every event kind, with realistic usage) and
`run_bench` (per-call latencies and their percentiles). Used by `strongroom products bench`;
never by tests that assert on time. Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from strongroom.products.definitions import ProductDefinition, parse_product
from strongroom.products.events import Event, EventKind, Usage
from strongroom.products.quote import quote

#: 13 fees + 2 taxes + 4 limits + 1 interest band = 20 rules.
BENCH_PRODUCT = """\
product: bench-twenty
version: 1
currency: SGD
accounts:
  fee_income: 0192f5a0-0000-7000-8000-0000000000b1
  tax_payable: 0192f5a0-0000-7000-8000-0000000000b2
  interest_expense: 0192f5a0-0000-7000-8000-0000000000b3
  interest_payable: 0192f5a0-0000-7000-8000-0000000000b4
fees:
  - {id: transfer-out, event: transfer_out, kind: percentage, percent: 0.25,
     minimum: 0.50, maximum: 10, free_per_month: 3}
  - id: transfer-out-large
    event: transfer_out
    kind: tiered
    tiers:
      method: graduated
      bands:
        - {from: 0, to: 10000, percent: 0}
        - {from: 10000, to: 50000, percent: 0.05}
        - {from: 50000, percent: 0.02, flat: 5}
  - {id: incoming, event: incoming_payment, kind: flat, amount: 0.20, free_per_month: 5}
  - {id: incoming-large, event: incoming_payment, kind: percentage, percent: 0.01, maximum: 25}
  - id: fx
    event: fx_conversion
    kind: tiered
    tiers:
      bands:
        - {from: 0, to: 1000, flat: 1.00, percent: 0.5}
        - {from: 1000, to: 10000, percent: 0.4}
        - {from: 10000, percent: 0.3}
  - {id: fx-markup, event: fx_conversion, kind: percentage, percent: 0.15, minimum: 0.10}
  - {id: card, event: card_withdrawal, kind: percentage, percent: 1.0, minimum: 0.30,
     maximum: 15}
  - {id: atm, event: atm_withdrawal, kind: flat, amount: 2.00, free_per_month: 2}
  - {id: atm-large, event: atm_withdrawal, kind: percentage, percent: 0.5, maximum: 5}
  - {id: maintenance, event: monthly_maintenance, kind: flat, amount: 5.00,
     waive_when_balance_at_least: 2000}
  - {id: maintenance-paper, event: monthly_maintenance, kind: flat, amount: 1.00}
  - {id: dormancy, event: dormancy, kind: flat, amount: 3.00}
  - {id: overdraft-usage, event: overdraft_usage, kind: flat, amount: 15.00}
taxes:
  - {id: gst, percent: 9}
  - {id: stamp, percent: 0.2, applies_to: [fx, fx-markup]}
limits:
  - {id: per-transaction, events: [transfer_out, fx_conversion], period: transaction,
     measure: amount, maximum: 50000}
  - {id: outflow-daily, events: [transfer_out, card_withdrawal, atm_withdrawal, fx_conversion],
     period: day, measure: amount, maximum: 100000}
  - {id: outflow-monthly, events: [transfer_out, card_withdrawal, atm_withdrawal, fx_conversion],
     period: month, measure: amount, maximum: 1000000}
  - {id: atm-count, events: [atm_withdrawal], period: month, measure: count, maximum: 30}
interest:
  day_count: ACT/365
  credit: {bands: [{from: 0, percent: 1.5}]}
"""


def bench_product() -> ProductDefinition:
    return parse_product(BENCH_PRODUCT, "<bench>")


def bench_events(count: int, seed: int = 6) -> list[tuple[Event, Usage]]:
    """`count` events over every kind, each with the usage its account had built up so far."""
    rng = random.Random(seed)
    kinds = list(EventKind)
    start = date(2026, 3, 1)
    usages = [Usage() for _ in range(50)]
    out = []
    for i in range(count):
        on = start + timedelta(days=i * 30 // max(count, 1))
        kind = kinds[i % len(kinds)]
        amount = (
            0
            if kind in {EventKind.MONTHLY_MAINTENANCE, EventKind.DORMANCY}
            else (rng.randrange(1, 5_000_000))
        )
        account = rng.randrange(len(usages))
        event = Event(kind, amount, "SGD", on, rng.randrange(-100_000, 10_000_000))
        out.append((event, usages[account]))
        usages[account] = usages[account].record(event)
    return out


@dataclass(frozen=True, slots=True)
class BenchResult:
    rules: int
    iterations: int
    p50_us: float
    p99_us: float
    p999_us: float
    max_us: float
    mean_us: float


def run_bench(iterations: int = 20_000, warmup: int = 2_000) -> BenchResult:
    """Time `iterations` quote() calls one by one (after `warmup` untimed ones)."""
    product = bench_product()
    events = bench_events(iterations)
    for event, usage in events[:warmup]:
        quote(product, event, usage)
    clock = time.perf_counter_ns
    samples = []
    for event, usage in events:
        t0 = clock()
        quote(product, event, usage)
        samples.append(clock() - t0)
    cuts = statistics.quantiles(samples, n=1000, method="inclusive")
    return BenchResult(
        rules=product.rule_count,
        iterations=iterations,
        p50_us=cuts[499] / 1000,
        p99_us=cuts[989] / 1000,
        p999_us=cuts[998] / 1000,
        max_us=max(samples) / 1000,
        mean_us=statistics.fmean(samples) / 1000,
    )
