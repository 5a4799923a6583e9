"""A priced chain of transfers held, then posted or released: how a payment out and a card
authorisation move money in two phases.

The chain (the principal, then the product's fees and taxes, LINKED so that all or none apply)
is priced once and kept in the intent's results; it is held as pending transfers, then posted
(possibly less than held, for a partial card capture: the ledger releases the rest) or voided.
Ids of posts and voids are the caller's, derived from its intent, step and run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from strongroom.ledger import CreateTransferResult, Ledger, Transfer, TransferFlags
from strongroom.workflows.definitions import StepFailed

DONE = frozenset({CreateTransferResult.OK, CreateTransferResult.EXISTS})
#: A void that finds nothing left to release: voided before, or expired at its timeout.
_RELEASED = DONE | {CreateTransferResult.PENDING_TRANSFER_NOT_PENDING}
#: Ledger refusals of a hold a person can act on, in their words.
_REFUSALS = {
    CreateTransferResult.EXCEEDS_CREDITS: (
        "insufficient funds: the payment and its charges exceed the balance and any arranged "
        "overdraft"
    ),
    CreateTransferResult.ACCOUNT_FROZEN: "an account of the payment is frozen",
    CreateTransferResult.PENDING_TRANSFER_EXPIRED: "the hold expired",
}


def kept(chain: Sequence[Transfer]) -> list[Any]:
    """The chain as an intent's results keep it."""
    return [msgspec.to_builtins(t) for t in chain]


def held(kept_chain: Any, timeout: int = 0) -> list[Transfer]:
    """The kept chain as pending transfers (expiring after `timeout` seconds, 0: never)."""
    return [
        msgspec.structs.replace(
            t, flags=TransferFlags(t.flags | TransferFlags.PENDING), timeout=timeout
        )
        for t in msgspec.convert(kept_chain, list[Transfer])
    ]


def _failure(results: Sequence[CreateTransferResult]) -> str:
    first = next(
        (r for r in results if r not in DONE and r is not CreateTransferResult.LINKED_EVENT_FAILED),
        CreateTransferResult.LINKED_EVENT_FAILED,
    )
    return _REFUSALS.get(first, first.value)


async def hold(ledger: Ledger, chain: Sequence[Transfer]) -> list[str]:
    """Hold the chain; the ids held. A refusal (funds, a frozen account) fails the step."""
    results = await ledger.create_transfers(chain)
    if not all(r in DONE for r in results):
        raise StepFailed(_failure(results))
    return [str(t.id) for t in chain]


def settlement(
    chain: Sequence[Transfer],
    kind: TransferFlags,
    id_of: Callable[[Transfer], uuid.UUID],
    *,
    linked: bool,
    amounts: Mapping[uuid.UUID, int] | None = None,
) -> list[Transfer]:
    """What posts (or voids) each held transfer (as priced, or as the ledger returned it):
    linked as the chain was, or each alone; `amounts` posts less than held for the transfers it
    names."""
    return [
        msgspec.structs.replace(
            t,
            id=id_of(t),
            flags=TransferFlags(kind | (t.flags & TransferFlags.LINKED if linked else 0)),
            pending_id=t.id,
            amount=(amounts or {}).get(t.id, t.amount),
            timeout=0,
            timestamp=0,
            seq=0,
        )
        for t in chain
    ]


async def post(ledger: Ledger, posts: Sequence[Transfer], *, retryable: bool) -> None:
    results = await ledger.create_transfers(posts)
    if not all(r in DONE for r in results):
        raise StepFailed(f"posting the hold: {_failure(results)}", retryable=retryable)


async def release(ledger: Ledger, voids: Sequence[Transfer]) -> None:
    """Void each alone: one already released or expired must not hold back the others."""
    results = await ledger.create_transfers(voids)
    failed = [r.value for r in results if r not in _RELEASED]
    if failed:
        raise StepFailed(f"releasing the hold: {', '.join(failed)}", retryable=True)
