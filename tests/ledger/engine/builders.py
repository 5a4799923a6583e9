"""Builders for the engine's stage tests: accounts as the cache holds them, bucket rows as a
store returns them, and batches as a worker takes them. No database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence

from strongroom.ids import new_id
from strongroom.ledger.buckets import BucketRow, SplitSettings
from strongroom.ledger.engine.accounts import template
from strongroom.ledger.engine.decision import Decision, decide
from strongroom.ledger.engine.planning import Batch, plan
from strongroom.ledger.engine.queue import Call
from strongroom.ledger.ports import AccountMeta
from strongroom.ledger.results import CreateTransferResult
from strongroom.ledger.types import Transfer

Counters = tuple[int, int, int, int]


def meta(flags: int = 0, overdraft_limit: int = 0, status: str = "open") -> AccountMeta:
    return AccountMeta(new_id(), "USD", int(flags), overdraft_limit, status, "default")


def rows(account: AccountMeta, *buckets: Counters) -> list[BucketRow]:
    """The account's bucket rows 0..K-1, holding `buckets`' counters (pending and posted
    debits, pending and posted credits)."""
    return [
        BucketRow(
            account.id,
            bucket,
            account.ledger,
            account.flags,
            account.overdraft_limit,
            account.status,
            account.tenant,
            *counters,
        )
        for bucket, counters in enumerate(buckets)
    ]


def call(*transfers: Transfer) -> Call:
    """A caller's call; needs a running event loop (the tests using it are async)."""
    future: asyncio.Future[list[CreateTransferResult]] = asyncio.get_running_loop().create_future()
    return Call(list(transfers), [None] * len(transfers), None, None, future)


def batch(*calls: Sequence[Transfer], split: SplitSettings | None = None) -> Batch:
    """A batch of one call per argument."""
    return Batch.of([call(*c) for c in calls], split or SplitSettings())


def decided(
    b: Batch,
    accounts: Sequence[AccountMeta],
    locked: Mapping[uuid.UUID, list[BucketRow]] | None = None,
    split: Mapping[int, int] | None = None,
) -> Decision:
    """`b` planned for worker slot 0 and decided on the rows in `locked` (what the batch would
    read of its locked accounts), numbered from block 1."""
    templates = {m.id.int: template(m) for m in accounts}
    planned = plan(b.touched, templates, b.hot, split or {}, 0, False)
    return decide(
        b,
        planned,
        dict(locked or {}),
        now=10,
        first_seq=1 << 20,
        first_timestamp=10,
        existing={},
        pendings={},
        not_pending=set(),
    )
