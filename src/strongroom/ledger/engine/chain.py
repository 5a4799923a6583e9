"""Chained batches: a batch's rules run while the batch before it is still writing.

On a store with one writer (SQLite), transactions run one after the other on one connection,
so the only state a batch can find that its predecessor did not leave is what some other
transaction committed in between. A batch may therefore run its rules before it is admitted,
on the bucket rows its predecessor locked as that batch is about to write them, and queue its
whole transaction right behind its predecessor's. That transaction commits only if its
admission shows that nothing else happened (`ledger.ports.ChainedWrite`): it follows its
predecessor's transaction directly, no other connection committed, its seq block is the next
one, the status epoch is the same and no pending transfer fell due. Otherwise it rolls back and
the batch runs the usual way. See docs/ledger-engine.md, "Chained batches".

`Chain` is what a batch leaves; `Link` is a batch's place in the order batches start (the chain
its predecessor leaves, the one it leaves itself); `Chains` hands out links and remembers which
chained transactions rolled back. No I/O; the store's side is `ChainedWriter` (ledger.ports).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from strongroom.ledger.buckets import ALL, BucketRow, BucketWrite
from strongroom.ledger.ports import WriterOrder


@dataclass(frozen=True, slots=True)
class Chain:
    """What a batch leaves, as the next batch may assume it before this one commits."""

    order: WriterOrder
    block: int
    status_epoch: int
    #: How the batch locked each account (keyed by UUID.int): a bucket, or ALL.
    modes: dict[int, int]
    #: The locked accounts' bucket rows as the batch writes them (`written`).
    rows: dict[uuid.UUID, list[BucketRow]]

    def rows_for(self, account_id: uuid.UUID, mode: int) -> list[BucketRow] | None:
        """The rows a batch locking `account_id` in `mode` would read, if this batch locked
        enough of the account to know them."""
        held = self.modes.get(account_id.int)
        rows = self.rows.get(account_id)
        if held is None or rows is None:
            return None
        if held == ALL:
            return rows if mode == ALL else [r for r in rows if r.bucket == mode] or None
        return rows if mode == held else None


def written(
    rows: dict[uuid.UUID, list[BucketRow]], writes: Sequence[BucketWrite]
) -> dict[uuid.UUID, list[BucketRow]]:
    """The rows a batch locked, with its writes applied: what it leaves of them."""
    by_row = {(w.account_id, w.bucket): w for w in writes}
    after: dict[uuid.UUID, list[BucketRow]] = {}
    for account_id, found in rows.items():
        updated = []
        for row in found:
            w = by_row.get((account_id, row.bucket))
            updated.append(
                row
                if w is None
                else replace(
                    row,
                    debits_pending=w.debits_pending,
                    debits_posted=w.debits_posted,
                    credits_pending=w.credits_pending,
                    credits_posted=w.credits_posted,
                )
            )
        after[account_id] = updated
    return after


@dataclass(frozen=True, slots=True)
class Link:
    """A batch's place among a one-writer store's batches: the chain its predecessor leaves
    (None: none it can use), and the one it leaves itself."""

    previous: asyncio.Future[Chain | None]
    next: asyncio.Future[Chain | None]

    def hand_on(self, chain: Chain | None) -> None:
        """Leave `chain` to the next batch (None: nothing it can use), unless already left."""
        if not self.next.done():
            self.next.set_result(chain)


class Chains:
    """The links of the batches of one engine, in the order they start, and the chained
    transactions known to have rolled back after handing on their chain."""

    def __init__(self) -> None:
        self._tail: asyncio.Future[Chain | None] | None = None
        self._dead: deque[int] = deque(maxlen=64)

    def link(self) -> Link:
        """The next batch's link: its predecessor's chain, once known, and its own."""
        loop = asyncio.get_running_loop()
        previous = self._tail
        mine: asyncio.Future[Chain | None] = loop.create_future()
        self._tail = mine
        if previous is None:
            previous = loop.create_future()
            previous.set_result(None)
        return Link(previous, mine)

    def roll_back(self, transactions: Iterable[int]) -> None:
        """The chains these transactions handed on are dead: no batch may build on them."""
        self._dead.extend(transactions)

    def rolled_back(self, chain: Chain) -> bool:
        """True when the transaction `chain` was left by is known to have rolled back."""
        return chain.order.transaction in self._dead
