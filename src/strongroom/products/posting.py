"""Posting a quote: the causing movement and its charges as one linked chain of ledger transfers.

Owns: `chain_for` (pure: the movement, then one transfer per fee from the customer to fee
income, then one per tax from the customer to tax payable; LINKED on all but the last, so the
ledger applies all or none) and `post_quote` (submits the chain). Transfer ids of charges are
derived from the chain key (the movement's id) with uuid5, so retrying a posting is idempotent:
the ledger answers `exists` instead of charging twice.
May import strongroom.ledger (its public API) and the pure products modules; never api/ or cli/.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from strongroom.errors import ValidationError
from strongroom.ledger import CreateTransferResult, Transfer, TransferFlags
from strongroom.products.errors import LimitExceeded
from strongroom.products.quote import Quote


class TransferSink(Protocol):
    """The part of strongroom.ledger.Ledger that posting needs."""

    async def create_transfers(
        self, transfers: Sequence[Transfer]
    ) -> list[CreateTransferResult]: ...


def derived_id(key: uuid.UUID, *parts: object) -> uuid.UUID:
    """A deterministic transfer id: the same key and parts always give the same id."""
    return uuid.uuid5(key, ":".join(str(p) for p in parts))


def periodic_key(account_id: uuid.UUID, what: str, period: str) -> uuid.UUID:
    """A chain key for charges without a causing movement (e.g. maintenance for "2026-03")."""
    return derived_id(account_id, what, period)


def charge_transfers(
    q: Quote,
    *,
    customer_account_id: uuid.UUID,
    chain_key: uuid.UUID,
    ledger: str,
    tenant: str = "default",
) -> list[Transfer]:
    """The fee and tax transfers of `q` (none for waived fees), without chain flags."""
    common: dict[str, Any] = {
        "product": q.product,
        "version": q.version,
        "event": str(q.event.kind),
        "caused_by": str(chain_key),
    }
    out = [
        Transfer(
            id=derived_id(chain_key, "fee", c.rule_id),
            debit_account_id=customer_account_id,
            credit_account_id=c.income_account,
            amount=c.amount,
            ledger=ledger,
            code=c.code,
            metadata={**common, "kind": "fee", "rule": c.rule_id},
            tenant=tenant,
        )
        for c in q.charges
        if c.amount > 0
    ]
    out.extend(
        Transfer(
            id=derived_id(chain_key, "tax", t.rule_id, t.fee_rule_id),
            debit_account_id=customer_account_id,
            credit_account_id=t.payable_account,
            amount=t.amount,
            ledger=ledger,
            code=t.code,
            metadata={**common, "kind": "tax", "rule": t.rule_id, "fee": t.fee_rule_id},
            tenant=tenant,
        )
        for t in q.taxes
    )
    return out


def link(transfers: Sequence[Transfer]) -> list[Transfer]:
    """Set LINKED on every transfer but the last, and clear it on the last: one chain."""
    out = []
    for i, t in enumerate(transfers):
        flags = t.flags | TransferFlags.LINKED
        if i == len(transfers) - 1:
            flags = t.flags & ~TransferFlags.LINKED
        out.append(
            t if flags == t.flags else msgspec.structs.replace(t, flags=TransferFlags(flags))
        )
    return out


def chain_for(
    q: Quote,
    *,
    customer_account_id: uuid.UUID,
    movement: Transfer | None = None,
    chain_key: uuid.UUID | None = None,
) -> list[Transfer]:
    """The movement (if any) followed by its charges, as one linked chain.

    A quote refused by a limit raises LimitExceeded naming the limit; nothing is built.
    """
    refusal = q.refusal
    if refusal is not None:
        raise LimitExceeded(refusal.limit_id, refusal.headroom, refusal.requested)
    if movement is None and chain_key is None:
        raise ValidationError("chain_key", "charges without a movement need a chain key")
    key = chain_key or (movement.id if movement is not None else None)
    assert key is not None
    currency = q.event.currency
    if movement is not None:
        if movement.ledger != currency:
            raise ValidationError("ledger", f"movement in {movement.ledger}, quote in {currency}")
        if customer_account_id not in (movement.debit_account_id, movement.credit_account_id):
            raise ValidationError("customer_account_id", "is not a side of the movement")
    tenant = movement.tenant if movement is not None else "default"
    charges = charge_transfers(
        q, customer_account_id=customer_account_id, chain_key=key, ledger=currency, tenant=tenant
    )
    return link(([movement] if movement is not None else []) + charges)


@dataclass(frozen=True, slots=True)
class PostingResult:
    transfers: tuple[Transfer, ...]
    results: tuple[CreateTransferResult, ...]

    @property
    def succeeded(self) -> bool:
        return all(r.succeeded for r in self.results)

    @property
    def failure(self) -> CreateTransferResult | None:
        """The code that made the chain fail (not the `linked_event_failed` of the others)."""
        for r in self.results:
            if not r.succeeded and r is not CreateTransferResult.LINKED_EVENT_FAILED:
                return r
        return None


async def post_quote(
    ledger: TransferSink,
    q: Quote,
    *,
    customer_account_id: uuid.UUID,
    movement: Transfer | None = None,
    chain_key: uuid.UUID | None = None,
) -> PostingResult:
    """Post the movement and its charges atomically: all of them, or none."""
    chain = chain_for(
        q, customer_account_id=customer_account_id, movement=movement, chain_key=chain_key
    )
    if not chain:
        return PostingResult((), ())
    results = await ledger.create_transfers(chain)
    return PostingResult(tuple(chain), tuple(results))
