"""How the bank names a refused field: its requests are the payloads of the intents they submit,
so the engine's `payload.` prefix would name a field the caller never sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from strongroom.errors import ValidationError


@contextmanager
def as_sent() -> Iterator[None]:
    """Re-raise a ValidationError of a payload with the field named as the request named it."""
    try:
        yield
    except ValidationError as error:
        raise ValidationError(error.field.removeprefix("payload."), error.reason) from None
