"""The write set: what a decided batch writes, made from its `Decision`.

The locked accounts' bucket rows (`buckets.write_back`), the delta accounts' posted deltas, and
the batch's outbox row (expiries as envelopes, the created transfers by reference:
docs/events.md). Also the two questions asked of a decision before it is written: did its
deltas alone overflow, and which refused transfers' ids must be looked up. Pure: no I/O, and
no import of the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

from opentelemetry.trace import format_span_id

from strongroom.ledger import events
from strongroom.ledger.buckets import BucketWrite, write_back
from strongroom.ledger.engine.decision import Decision
from strongroom.ledger.engine.queue import Call
from strongroom.ledger.ports import OutboxRow, PostedDelta, WriteSet
from strongroom.ledger.results import CreateTransferResult
from strongroom.ledger.rules import BatchOutcome

_OK: Final = CreateTransferResult.OK
_OVERFLOWS: Final = frozenset(r for r in CreateTransferResult if r.name.startswith("OVERFLOWS_"))


def deltas_overflowed(decision: Decision) -> bool:
    """True when a delta account's result is an overflow: only the batch's own moves can have
    added up past 2**63 - 1 there (see DELTA_CAP), so only the real counters tell which
    transfer overflows first, and which counter. The batch reruns with every account read."""
    return len(decision.balances) > len(decision.plan.modes) and not _OVERFLOWS.isdisjoint(
        decision.outcome.results
    )


def refused_ids(decision: Decision) -> list[uuid.UUID]:
    """Ids of the transfers the rules refused: one stored already means a reused id, whose
    answer only a run with the ids looked up first can give."""
    outcome = decision.outcome
    if len(outcome.transfers) == len(decision.transfers):
        return []
    return [t.id for t, r in zip(decision.transfers, outcome.results, strict=True) if r is not _OK]


def _delta_key(delta: PostedDelta) -> int:
    return delta[0].int


def write_set(calls: Sequence[Call], decision: Decision) -> WriteSet:
    """What a decided batch writes: its outcome, the bucket rows it sets, the deltas it adds
    and its outbox row."""
    modes = decision.plan.modes
    rows = decision.rows
    buckets: list[BucketWrite] = []
    deltas: list[PostedDelta] = []
    for a, b in decision.balances.items():
        if not b.changed:
            continue
        if a in modes:
            buckets.extend(write_back(b, rows[b.id], modes[a]))
        elif b.debits_pending or b.credits_pending:
            raise RuntimeError(f"delta account {b.id} changed a pending counter")
        else:
            deltas.append((b.id, b.debits_posted, b.credits_posted))
    # Sorted like the locks: concurrent batches add to shared rows in one order.
    deltas.sort(key=_delta_key)
    outcome = decision.outcome
    return WriteSet(outcome, buckets, deltas, outbox_row(calls, outcome, decision.now))


def outbox_row(calls: Sequence[Call], outcome: BatchOutcome, now: int) -> OutboxRow | None:
    """The batch's outbox row: expiries as envelopes, created transfers by reference (their seq
    range, and how many each call created, with its trace id and actor)."""
    expired = events.encode(events.pending_expired(outcome.expired, now))
    created = outcome.transfers
    if not created:
        return OutboxRow(expired) if expired is not None else None
    counts = []
    position = 0
    for call in calls:
        end = position + len(call.transfers)
        # The call's recorded span (tracing on): the parent of its events' bus spans.
        span_id = format_span_id(call.span.span_id) if call.span is not None else None
        counts.append(
            (outcome.results[position:end].count(_OK), call.trace_id, call.actor, span_id)
        )
        position = end
    return OutboxRow(
        expired or b"[]",
        (created[0].seq, created[-1].seq),
        events.created_origins(counts),
    )
