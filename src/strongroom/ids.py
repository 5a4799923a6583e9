"""Identifiers: UUIDv7, time-ordered so that new rows land at the right edge of indexes."""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7

NIL = uuid.UUID(int=0)


def new_id() -> uuid.UUID:
    """A fresh UUIDv7 as a standard-library `uuid.UUID`."""
    return uuid7()


def parse_id(value: object, field: str) -> uuid.UUID:
    """Accept a UUID or its string form; anything else is a ValidationError naming `field`."""
    from strongroom.errors import ValidationError

    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise ValidationError(field, f"not a UUID: {value!r}")
