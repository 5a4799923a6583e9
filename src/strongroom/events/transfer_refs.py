"""The `ledger.transfer.created` events an outbox row refers to instead of holding them.

A ledger batch writes its transfers and one outbox row in the same transaction. The row names
the inclusive `seq` range of those transfers (a batch numbers from a block of its own, so the
range holds exactly them) and `origins`: a JSON array of `[count, trace_id, actor, span_id]`
runs, in seq order, saying which call caused each transfer (rows written before span ids were
kept hold `[count, trace_id, actor]` runs, read as having none). The relay rebuilds each
envelope from the log, field for field what a copy in the row would have held (docs/events.md).
The ledger imports this module to encode `origins`: it holds no SQL, and reads the log through
the TransferLog port.

Imports strongroom.events (schemas, ports) and errors only.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from strongroom.errors import ValidationError
from strongroom.events.ports import LoggedTransfer, TransferLog
from strongroom.events.schemas import TRANSFER_CREATED, Envelope

#: (transfers, trace_id, actor, span_id): consecutive transfers caused by the same call.
Origin = tuple[int, str | None, str | None, str | None]

_encode = msgspec.json.Encoder().encode
_decode_origins = msgspec.json.Decoder(list[Origin]).decode
_decode_unspanned = msgspec.json.Decoder(list[tuple[int, str | None, str | None]]).decode
_decode_metadata = msgspec.json.Decoder().decode


def encode_origins(origins: Sequence[Origin]) -> bytes:
    return _encode(origins)


async def transfer_events(
    log: TransferLog, first_seq: int, last_seq: int, origins: bytes
) -> list[Envelope]:
    """The envelopes of the transfers with `first_seq <= seq <= last_seq`, in seq order.

    ValidationError when `origins` is malformed or does not account for exactly those
    transfers: the row and the log disagree, and nothing of the row may be published."""
    runs = _runs(origins)
    if any(run[0] < 1 for run in runs):
        raise ValidationError("origins", "a run must name at least one transfer")
    rows = await log.transfers_between(first_seq, last_seq)
    named = sum(run[0] for run in runs)
    if named != len(rows):
        raise ValidationError(
            "origins", f"{len(rows)} transfers in seq {first_seq}..{last_seq}, origins name {named}"
        )
    envelopes: list[Envelope] = []
    position = 0
    for count, trace_id, actor, span_id in runs:
        envelopes.extend(
            _envelope(row, trace_id, actor, span_id) for row in rows[position : position + count]
        )
        position += count
    return envelopes


def _runs(origins: bytes) -> list[Origin]:
    try:
        return _decode_origins(origins)
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError as exc:
        raise ValidationError("origins", str(exc)) from None
    try:
        return [(count, trace, actor, None) for count, trace, actor in _decode_unspanned(origins)]
    except msgspec.DecodeError as exc:
        raise ValidationError("origins", str(exc)) from None


def _envelope(
    row: LoggedTransfer, trace_id: str | None, actor: str | None, span_id: str | None
) -> Envelope:
    (seq, id, tenant, debit, credit, amount, ledger, code, flags, pending, timeout, meta, ts) = row
    # Exactly what decoding a JSON copy of the stored transfer gives (TransferCreatedV1's
    # fields, in its order): ids as strings, metadata as the stored JSON object.
    data = {
        "id": str(id),
        "debit_account_id": str(debit),
        "credit_account_id": str(credit),
        "amount": amount,
        "ledger": ledger,
        "code": code,
        "flags": flags,
        "pending_id": str(pending) if pending is not None else None,
        "timeout": timeout,
        "metadata": _decode_metadata(meta) if meta is not None else None,
        "tenant": tenant,
        "timestamp": ts,
        "seq": seq,
    }
    return Envelope(
        id=id,
        type=TRANSFER_CREATED,
        version=1,
        occurred_at=ts,
        tenant=tenant,
        trace_id=trace_id,
        actor=actor,
        data=data,
        span_id=span_id,
    )
