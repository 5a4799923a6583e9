"""Attempt outcomes and what the engine does next (strongroom.ledger.engine.attempt), without a
database."""

from __future__ import annotations

import sqlite3

import pytest

from strongroom.errors import StorageError
from strongroom.ids import new_id
from strongroom.ledger.engine.attempt import (
    MAX_ATTEMPTS,
    Attempt,
    Escalate,
    Failed,
    Rerun,
    Transient,
    backoff,
    classify,
    next_attempt,
)
from strongroom.ledger.ports import DeltasRefused


class Errors:
    """How a store tells its failures apart (`LedgerStore.is_transient`, `is_duplicate`)."""

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) or self.is_duplicate(error)

    def is_duplicate(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.IntegrityError)


def test_reruns_change_how_the_next_attempt_runs() -> None:
    first = Attempt()
    a, b = new_id(), new_id()
    assert next_attempt(first, Rerun.REUSED_IDS) == Attempt(number=1, probe=True)
    assert next_attempt(first, Rerun.DELTAS_REFUSED) == Attempt(number=1, exact=True)
    assert next_attempt(first, Rerun.CHAIN_MOVED) == Attempt(number=1)
    assert next_attempt(first, Rerun.STALE_BUCKETS) == Attempt(number=1)
    assert next_attempt(first, Escalate(frozenset({a}))) == Attempt(
        number=1, escalated=frozenset({a})
    )
    # What earlier attempts learned is kept.
    learned = Attempt(number=1, escalated=frozenset({a}), probe=True, failures=1)
    assert next_attempt(learned, Escalate(frozenset({b}))) == Attempt(
        number=2, escalated=frozenset({a, b}), probe=True, failures=1
    )
    assert next_attempt(learned, Rerun.DELTAS_REFUSED) == Attempt(
        number=2, escalated=frozenset({a}), exact=True, probe=True, failures=1
    )


def test_transient_failures_retry_until_the_limit_then_give_up() -> None:
    error = sqlite3.OperationalError("database is locked")
    attempt = Attempt()
    for failures in range(1, MAX_ATTEMPTS):
        following = next_attempt(attempt, Transient(error))
        assert isinstance(following, Attempt)
        assert following.failures == failures
        attempt = following
    failure = next_attempt(attempt, Transient(error))
    assert isinstance(failure, StorageError)
    assert str(failure) == f"batch failed after {MAX_ATTEMPTS} attempts: database is locked"
    assert failure.__cause__ is error


def test_any_other_failure_ends_the_batch_at_once() -> None:
    error = sqlite3.DatabaseError("disk I/O error")
    failure = next_attempt(Attempt(failures=2), Failed(error))
    assert isinstance(failure, StorageError)
    assert str(failure) == "batch failed after 3 attempts: disk I/O error"
    assert failure.__cause__ is error


def test_errors_are_classified_by_what_a_rerun_can_cure() -> None:
    store = Errors()
    duplicate = sqlite3.IntegrityError("UNIQUE constraint failed: transfers.id")
    locked = sqlite3.OperationalError("database is locked")
    broken = sqlite3.DatabaseError("disk I/O error")
    assert classify(DeltasRefused("0 rows"), store, probe=False) is Rerun.DELTAS_REFUSED  # type: ignore[arg-type]
    # A unique violation is a reused id, unless the ids were looked up already: then another
    # process stored the same id meanwhile, which a plain retry settles.
    assert classify(duplicate, store, probe=False) is Rerun.REUSED_IDS  # type: ignore[arg-type]
    assert classify(duplicate, store, probe=True) == Transient(duplicate)  # type: ignore[arg-type]
    assert classify(locked, store, probe=False) == Transient(locked)  # type: ignore[arg-type]
    assert classify(broken, store, probe=False) == Failed(broken)  # type: ignore[arg-type]


@pytest.mark.parametrize("failures", [1, 5, 10, 50])
def test_backoff_is_random_and_bounded(failures: int) -> None:
    waits = [backoff(failures) for _ in range(200)]
    assert all(0 <= w <= 0.002 * min(failures, 10) for w in waits)
    assert len(set(waits)) > 1
