from __future__ import annotations

import json
import uuid

import pytest

from strongroom.errors import ValidationError
from strongroom.events.schemas import (
    SCHEMAS,
    AccountCreatedV1,
    AccountStatusChangedV1,
    Envelope,
    PendingExpiredV1,
    TransferCreatedV1,
    decode_batch,
    decode_envelope,
    encode_batch,
    encode_envelope,
    payload,
)


def test_outbox_batch_round_trips_with_amounts_beyond_2_53(make_event) -> None:
    big = 2**63 - 1
    raw = json.dumps([make_event(amount=big), make_event()]).encode()
    events = decode_batch(raw)
    assert events[0].data["amount"] == big
    assert decode_batch(encode_batch(events)) == events
    transfer = payload(events[0])
    assert isinstance(transfer, TransferCreatedV1)
    assert transfer.amount == big
    assert transfer.pending_id is None


def test_single_envelope_round_trips(make_event) -> None:
    event = decode_batch(json.dumps([make_event(trace_id="ab" * 16)]).encode())[0]
    assert decode_envelope(encode_envelope(event)) == event
    assert event.trace_id == "ab" * 16


@pytest.mark.parametrize(
    ("event_type", "data", "schema"),
    [
        (
            "ledger.account.created",
            {
                "id": str(uuid.uuid4()),
                "ledger": "EUR",
                "code": 10,
                "flags": 1,
                "overdraft_limit": 0,
                "status": "open",
                "metadata": None,
                "tenant": "acme",
                "timestamp": 5,
            },
            AccountCreatedV1,
        ),
        (
            "ledger.pending.expired",
            {
                "id": str(uuid.uuid4()),
                "debit_account_id": str(uuid.uuid4()),
                "credit_account_id": str(uuid.uuid4()),
                "amount": 9,
                "ledger": "EUR",
                "expires_at": 77,
            },
            PendingExpiredV1,
        ),
        (
            "ledger.account.status_changed",
            {"id": str(uuid.uuid4()), "before": "open", "after": "frozen"},
            AccountStatusChangedV1,
        ),
    ],
)
def test_each_ledger_event_decodes_into_its_schema(make_event, event_type, data, schema) -> None:
    event = decode_envelope(json.dumps(make_event(event_type=event_type, data=data)).encode())
    decoded = payload(event)
    assert isinstance(decoded, schema)
    assert decoded.id == uuid.UUID(data["id"])
    assert SCHEMAS[(event_type, 1)] is schema


def test_unknown_type_or_version_is_a_validation_error(make_event) -> None:
    event = decode_envelope(json.dumps(make_event(event_type="ledger.thing.done")).encode())
    with pytest.raises(ValidationError, match=r"no schema for ledger\.thing\.done v1"):
        payload(event)


def test_malformed_data_names_the_event(make_event) -> None:
    raw = make_event()
    raw["data"]["amount"] = "lots"
    with pytest.raises(ValidationError) as caught:
        payload(decode_envelope(json.dumps(raw).encode()))
    assert caught.value.field == "data"
    assert "ledger.transfer.created v1" in caught.value.reason


@pytest.mark.parametrize(
    "raw", [b"not json", b'{"id": "x"}', b'[{"type": "t"}]', json.dumps([{}]).encode()]
)
def test_bad_outbox_bytes_are_validation_errors(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        decode_batch(raw)


def test_envelope_unknown_fields_are_ignored_for_forward_compatibility(make_event) -> None:
    raw = make_event()
    raw["added_in_a_later_version"] = True
    assert isinstance(decode_envelope(json.dumps(raw).encode()), Envelope)
