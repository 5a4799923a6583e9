"""strongroom.ledger.events: what the ledger writes to the outbox matches the v1 schemas."""

from __future__ import annotations

from strongroom.events.schemas import TransferCreatedV1, decode_batch, payload
from strongroom.ids import new_id
from strongroom.ledger import Transfer, TransferFlags, events
from strongroom.tracing import Actor


def _stored(**changes: object) -> Transfer:
    fields: dict[str, object] = {
        "id": new_id(),
        "debit_account_id": new_id(),
        "credit_account_id": new_id(),
        "amount": 2**63 - 1,
        "ledger": "EUR",
        "code": 7,
        "flags": TransferFlags.PENDING | TransferFlags.LINKED,
        "timeout": 30,
        "metadata": {"ref": "inv-1", "lines": [1, 2]},
        "tenant": "acme",
        "timestamp": 1_764_000_000_123_456_789,
        "seq": (5 << 20) + 3,
    }
    fields.update(changes)
    return Transfer(**fields)  # type: ignore[arg-type]


def test_a_created_transfer_is_written_exactly_as_its_v1_schema() -> None:
    for stored in (
        _stored(),
        _stored(flags=TransferFlags.POST_PENDING, pending_id=new_id(), metadata=None, timeout=0),
    ):
        actor = Actor(principal="key:abc", tenant="acme")
        written = events.encode([events.transfer_created(stored, "ab" * 16, actor)])
        assert written is not None
        schema = TransferCreatedV1(
            id=stored.id,
            debit_account_id=stored.debit_account_id,
            credit_account_id=stored.credit_account_id,
            amount=stored.amount,
            ledger=stored.ledger,
            code=stored.code,
            flags=int(stored.flags),
            pending_id=stored.pending_id,
            timeout=stored.timeout,
            metadata=dict(stored.metadata) if stored.metadata is not None else None,
            tenant=stored.tenant,
            timestamp=stored.timestamp,
            seq=stored.seq,
        )
        reference = events.OutgoingEnvelope(
            stored.id,
            "ledger.transfer.created",
            1,
            stored.timestamp,
            "acme",
            "ab" * 16,
            "key:abc",
            schema,
        )
        assert written == events.encode([reference])
        (envelope,) = decode_batch(written)
        assert payload(envelope) == schema
