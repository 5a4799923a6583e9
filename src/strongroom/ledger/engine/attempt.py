"""Attempts: a batch runs as one or more attempts, each ending with an explicit outcome.

An attempt is one database transaction (or, on SQLite, one chained write: engine/chain.py).
Its outcome is `Committed`, or says why it rolled back and what the next attempt needs:

- a `Rerun` reason: the chain moved on, a transfer id is reused (look the ids up first), a
  delta was refused (read every account exactly), a bucket row is gone (re-read the map);
- `Escalate`: a one-bucket view refused a transfer the whole balance might allow;
- `Transient`: a deadlock, a serialization failure, a unique id raced by another process;
- `Failed`: any other database failure, which reaches the batch's callers as StorageError.

`next_attempt` decides, without I/O, how the next attempt runs, or that the batch gives up.
`run_in_transaction` applies the same retry policy to the ledger's one-off transactions.
Reaches the database only through the ledger's ports; never imports the store.
"""

from __future__ import annotations

import asyncio
import enum
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Final, TypeVar

from strongroom.errors import StorageError, StrongroomError
from strongroom.ledger.engine.decision import Decision
from strongroom.ledger.ports import DeltasRefused, LedgerStore, LedgerTransaction

#: Transient failures a batch (or a one-off transaction) survives before giving up.
MAX_ATTEMPTS: Final = 20
T = TypeVar("T")


class Rerun(enum.Enum):
    """Why an attempt rolled back, when the batch runs again at once, differently."""

    #: A batch decided on its predecessor's chain found its admission was not the one assumed.
    CHAIN_MOVED = "chain_moved"
    #: A transfer id of the batch is in the log already: the next attempt looks them all up.
    REUSED_IDS = "reused_ids"
    #: A delta found no row it could add to (an account past DELTA_CAP), or the batch's own
    #: deltas overflowed: the next attempt locks and reads every account.
    DELTAS_REFUSED = "deltas_refused"
    #: A bucket row this process expected is gone (another process merged the account): the
    #: next attempt reads the bucket map again.
    STALE_BUCKETS = "stale_buckets"


@dataclass(frozen=True, slots=True)
class Escalate:
    """A one-bucket view refused a transfer that the whole balance might allow: the next
    attempt locks every bucket of `accounts`."""

    accounts: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Transient:
    """A failure a whole-batch retry can cure (`LedgerStore.is_transient`)."""

    error: Exception


@dataclass(frozen=True, slots=True)
class Failed:
    """A failure no retry cures."""

    error: Exception


@dataclass(frozen=True, slots=True)
class Committed:
    decision: Decision


RolledBack = Rerun | Escalate | Transient | Failed
Outcome = Committed | RolledBack


@dataclass(frozen=True, slots=True)
class Attempt:
    """How an attempt runs: what the batch's earlier attempts learned."""

    #: 0 for the first: only it may use rules run before its admission (engine/chain.py).
    number: int = 0
    #: Accounts locked with all their buckets.
    escalated: frozenset[uuid.UUID] = frozenset()
    #: Every account locked and read; none written as a delta.
    exact: bool = False
    #: The batch's transfer ids looked up before the rules.
    probe: bool = False
    #: Transient failures so far.
    failures: int = 0


def next_attempt(attempt: Attempt, outcome: RolledBack) -> Attempt | StorageError:
    """How the batch runs after `outcome`, or, when it gives up, what its callers get."""
    following = replace(attempt, number=attempt.number + 1)
    match outcome:
        case Rerun.CHAIN_MOVED | Rerun.STALE_BUCKETS:
            return following
        case Rerun.REUSED_IDS:
            return replace(following, probe=True)
        case Rerun.DELTAS_REFUSED:
            return replace(following, exact=True)
        case Escalate(accounts):
            return replace(following, escalated=attempt.escalated | accounts)
        case Transient(error):
            failures = attempt.failures + 1
            if failures >= MAX_ATTEMPTS:
                return _give_up(failures, error)
            return replace(following, failures=failures)
        case Failed(error):
            return _give_up(attempt.failures + 1, error)


def _give_up(attempts: int, error: Exception) -> StorageError:
    failure = StorageError(f"batch failed after {attempts} attempts: {error}")
    failure.__cause__ = error
    return failure


def classify(error: Exception, store: LedgerStore, probe: bool) -> RolledBack:
    """The outcome of an attempt that raised `error`."""
    if isinstance(error, DeltasRefused):
        return Rerun.DELTAS_REFUSED
    if not probe and store.is_duplicate(error):
        # A transfer applied as new was stored already (retried by its caller).
        return Rerun.REUSED_IDS
    if store.is_transient(error):
        return Transient(error)
    return Failed(error)


def backoff(failures: int) -> float:
    """Seconds to wait before the attempt that follows `failures` transient failures: random,
    so that batches which collided do not collide again in step."""
    return random.uniform(0, 0.002 * min(failures, 10))


class RollBack(Exception):
    """Raised inside `LedgerStore.transaction()` only to make it roll back (the ports'
    transactions commit when their block ends normally); carries the outcome out."""

    def __init__(self, outcome: RolledBack) -> None:
        super().__init__(outcome)
        self.outcome = outcome


async def run_in_transaction(
    store: LedgerStore, work: Callable[[LedgerTransaction], Awaitable[T]]
) -> T:
    """Run `work` in one transaction, again on transient failures (deadlock, serialization,
    a concurrent writer of the same id); other database failures become StorageError."""
    attempt = 0
    while True:
        try:
            async with store.transaction() as tx:
                return await work(tx)
        except StrongroomError:
            raise
        except Exception as error:
            attempt += 1
            if not store.is_transient(error) or attempt >= MAX_ATTEMPTS:
                raise StorageError(f"failed after {attempt} attempts: {error}") from error
            await asyncio.sleep(backoff(attempt))
