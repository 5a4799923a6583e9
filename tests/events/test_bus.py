from __future__ import annotations

import json

import pytest

from strongroom.errors import ValidationError
from strongroom.events.bus import check_durable, deliver, subject_for, subject_matches
from strongroom.events.schemas import Envelope, decode_envelope
from strongroom.tracing import Actor, current_actor, current_trace_id


def test_subject_is_prefix_plus_event_type() -> None:
    assert subject_for("strongroom", "ledger.transfer.created") == (
        "strongroom.ledger.transfer.created"
    )
    with pytest.raises(ValidationError):
        subject_for("strongroom", "has space.created")
    with pytest.raises(ValidationError):
        subject_for("strongroom", "ledger..created")


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("s.>", "s.ledger.transfer.created", True),
        ("s.>", "s", False),
        ("s.ledger.*.created", "s.ledger.transfer.created", True),
        ("s.ledger.*", "s.ledger.transfer.created", False),
        ("s.ledger.transfer.created", "s.ledger.transfer.created", True),
        ("s.ledger.transfer.created", "s.ledger.transfer", False),
        ("s.ledger.transfer", "s.ledger.transfer.created", False),
        ("t.>", "s.ledger.transfer.created", False),
        ("*.ledger.>", "s.ledger.account.created", True),
    ],
)
def test_nats_wildcards(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


def test_durable_names_exclude_dots() -> None:
    assert check_durable("audit-v2_x") == "audit-v2_x"
    with pytest.raises(ValidationError):
        check_durable("audit.v2")


async def test_handlers_run_under_the_events_trace_and_actor(make_event) -> None:
    event = decode_envelope(json.dumps(make_event(trace_id="cd" * 16, actor="key_9")).encode())
    seen: list[tuple[str | None, Actor | None]] = []

    async def handler(_: Envelope) -> None:
        seen.append((current_trace_id(), current_actor()))

    await deliver(handler, event)
    assert seen == [("cd" * 16, Actor("acme", "key_9"))]
    assert current_trace_id() is None
