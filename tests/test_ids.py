"""strongroom.ids: UUIDv7 identifiers as standard-library UUIDs."""

from __future__ import annotations

import pickle
import uuid

import pytest

from strongroom.errors import ValidationError
from strongroom.ids import NIL, new_id, parse_id


def test_new_ids_are_time_ordered_standard_uuids() -> None:
    ids = [new_id() for _ in range(5_000)]
    assert all(type(i) is uuid.UUID and i.version == 7 for i in ids)
    assert len(set(ids)) == len(ids)
    # Monotonic within this process, so new rows land at the right edge of indexes.
    assert ids == sorted(ids)
    first = ids[0]
    assert uuid.UUID(str(first)) == first
    assert pickle.loads(pickle.dumps(first)) == first
    assert first.is_safe is uuid.SafeUUID.unknown


def test_parse_id_names_the_field() -> None:
    assert parse_id(str(NIL), "id") == NIL
    with pytest.raises(ValidationError) as refused:
        parse_id("not-a-uuid", "debit_account_id")
    assert refused.value.field == "debit_account_id"
