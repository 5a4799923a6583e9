"""Velocity: how many payments, and how much, per customer / account / beneficiary over a window.

Counters are kept incrementally in time buckets (count and sum per subject, currency, bucket
resolution and bucket start), never by scanning payment history per decision. A window of
length L at resolution r covers the bucket holding the payment's time and the L/r - 1 before it,
so it spans between L - r and L of wall time; r is chosen so a window has at least
`MIN_BUCKETS` buckets (an hour is 60 one-minute buckets, 30 days is 30 one-day buckets), which
bounds that imprecision to a few percent of the window. Sums are per currency: amounts in
different currencies are never added. A window's figures include the payment being decided.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from strongroom.compliance.rules.facts import Payment

#: Bucket sizes a window may use, in seconds, finest first.
RESOLUTIONS = (60, 300, 900, 3_600, 86_400)
MIN_BUCKETS = 24
#: The longest window a rule set may declare (a year).
MAX_WINDOW = 366 * 86_400
_DURATION = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
_UNIT = {"m": 60, "h": 3_600, "d": 86_400}


class Scope(enum.StrEnum):
    CUSTOMER = "customer"
    ACCOUNT = "account"
    BENEFICIARY = "beneficiary"


class Window(NamedTuple):
    id: str
    scope: Scope
    #: Seconds.
    length: int
    resolution: int


class WindowQuery(NamedTuple):
    """Sum the buckets of `subject` at `resolution` whose start is at or after `since`."""

    subject: str
    resolution: int
    since: int


class VelocityRead(NamedTuple):
    """One window of one decision: many decisions' reads are answered by one statement."""

    tenant: str
    currency: str
    query: WindowQuery


class Increment(NamedTuple):
    subject: str
    currency: str
    resolution: int
    bucket: int
    amount: int


def parse_duration(text: str) -> int:
    """`15m`, `1h`, `30d` -> seconds; ValueError with the reason otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 15m, 1h or 30d")
    return int(match.group(1)) * _UNIT[match.group(2)]


def resolution_for(length: int) -> int:
    """The coarsest bucket size that divides `length` into at least MIN_BUCKETS buckets."""
    for resolution in reversed(RESOLUTIONS):
        if length % resolution == 0 and length // resolution >= MIN_BUCKETS:
            return resolution
    return RESOLUTIONS[0]


def subject_of(scope: Scope, payment: Payment) -> str | None:
    """The counter a payment adds to for `scope`; None when the payment has no such party."""
    if scope is Scope.CUSTOMER:
        ident = payment.customer.id if payment.customer else None
    elif scope is Scope.ACCOUNT:
        ident = payment.account.id if payment.account else None
    else:
        ident = payment.beneficiary or payment.counterparty.account
    return f"{scope.value}:{ident}" if ident else None


def bucket_of(at_seconds: int, resolution: int) -> int:
    return at_seconds - at_seconds % resolution


def window_query(window: Window, subject: str, at_seconds: int) -> WindowQuery:
    since = bucket_of(at_seconds, window.resolution) - window.length + window.resolution
    return WindowQuery(subject, window.resolution, since)


def plan(
    windows: Iterable[Window], payment: Payment, at_seconds: int, values: dict[str, Any]
) -> list[tuple[Window, WindowQuery]]:
    """The queries a decision reads its windows with; a window whose scope the payment has no
    party for is no query, and its facts are None in `values`."""
    planned = []
    for window in windows:
        subject = subject_of(window.scope, payment)
        if subject is None:
            values[f"velocity.{window.id}.count"] = None
            values[f"velocity.{window.id}.sum"] = None
        else:
            planned.append((window, window_query(window, subject, at_seconds)))
    return planned


def add_velocity(
    values: dict[str, Any],
    payment: Payment,
    planned: Sequence[tuple[Window, WindowQuery]],
    totals: Sequence[tuple[int, int]],
) -> None:
    """The window facts: the recorded history plus the payment being decided."""
    for (window, _), (count, total) in zip(planned, totals, strict=True):
        values[f"velocity.{window.id}.count"] = count + 1
        values[f"velocity.{window.id}.sum"] = total + payment.amount


def increments(windows: Iterable[Window], payment: Payment, at_seconds: int) -> list[Increment]:
    """One increment per (subject, resolution) the windows read: a payment counts once per
    bucket size even when several windows share it."""
    seen: set[tuple[str, int]] = set()
    out = []
    for window in windows:
        subject = subject_of(window.scope, payment)
        if subject is None or (subject, window.resolution) in seen:
            continue
        seen.add((subject, window.resolution))
        bucket = bucket_of(at_seconds, window.resolution)
        out.append(Increment(subject, payment.currency, window.resolution, bucket, payment.amount))
    return out


class MemoryVelocity:
    """Counters held in dicts: what a backtest replays into, one per rule-set version."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str, int], dict[int, list[int]]] = {}

    def totals(self, currency: str, queries: Sequence[WindowQuery]) -> list[tuple[int, int]]:
        out = []
        for query in queries:
            series = self._series.get((query.subject, currency, query.resolution), {})
            count = total = 0
            for bucket, (n, amount) in series.items():
                if bucket >= query.since:
                    count += n
                    total += amount
            out.append((count, total))
        return out

    def add(self, items: Iterable[Increment]) -> None:
        for item in items:
            series = self._series.setdefault((item.subject, item.currency, item.resolution), {})
            counter = series.setdefault(item.bucket, [0, 0])
            counter[0] += 1
            counter[1] += item.amount
