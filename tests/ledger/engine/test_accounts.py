"""The engine's account cache (strongroom.ledger.engine.accounts), on an in-memory account
table instead of a database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from strongroom.ledger.engine.accounts import AccountCache, template
from strongroom.ledger.ports import AccountMeta
from strongroom.ledger.types import AccountFlags, AccountStatus
from tests.ledger.engine.builders import meta


class Accounts:
    """The one read of `LedgerTransaction` the cache makes, counting what it was asked."""

    def __init__(self, *accounts: AccountMeta) -> None:
        self._accounts = {a.id: a for a in accounts}
        self.asked: list[set[uuid.UUID]] = []

    async def account_meta(self, ids: Sequence[uuid.UUID]) -> list[AccountMeta]:
        self.asked.append(set(ids))
        return [self._accounts[i] for i in ids if i in self._accounts]


def keyed(*accounts: AccountMeta) -> dict[int, uuid.UUID]:
    return {a.id.int: a.id for a in accounts}


def test_a_template_is_the_account_with_zero_counters() -> None:
    account = meta(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS, 50, "frozen")
    state = template(account)
    assert (state.id, state.flags, state.overdraft_limit) == (account.id, account.flags, 50)
    assert state.status is AccountStatus.FROZEN
    assert state.counters() == (0, 0, 0, 0)
    assert not state.changed


async def test_only_accounts_not_cached_are_read_and_missing_ones_stay_unknown() -> None:
    a, b, gone = meta(), meta(), meta()
    table = Accounts(a, b)
    cache = AccountCache(capacity=10)
    await cache.load(table, keyed(a, gone))  # type: ignore[arg-type]
    await cache.load(table, keyed(a, b, gone))  # type: ignore[arg-type]
    assert table.asked == [{a.id, gone.id}, {b.id, gone.id}]
    assert set(cache.templates) == {a.id.int, b.id.int}
    assert cache.covers([a.id.int, b.id.int])
    assert not cache.covers([gone.id.int])


async def test_a_new_status_epoch_empties_the_cache() -> None:
    a = meta()
    cache = AccountCache(capacity=10)
    cache.follow(3)
    await cache.load(Accounts(a), keyed(a))  # type: ignore[arg-type]
    cache.follow(3)
    assert cache.covers([a.id.int])
    cache.follow(4)
    assert cache.status_epoch == 4
    assert not cache.covers([a.id.int])


async def test_a_full_cache_is_emptied_and_the_whole_batch_read_again() -> None:
    """Emptying the cache to make room must not lose the batch's other accounts: they would
    look nonexistent to the rules (`account_not_found`)."""
    a, b, c = meta(), meta(), meta()
    table = Accounts(a, b, c)
    cache = AccountCache(capacity=2)
    await cache.load(table, keyed(a, b))  # type: ignore[arg-type]
    await cache.load(table, keyed(c, a))  # type: ignore[arg-type]
    assert table.asked[-1] == {a.id, c.id}
    assert set(cache.templates) == {a.id.int, c.id.int}
