"""`Fields`: the checks a gRPC servicer makes on a request's scalar fields before the service
sees them, collecting every refusal so one INVALID_ARGUMENT names every bad field, as the HTTP
edge's 422 does. proto3 cannot say "1 to 200 characters" or "upper-case ISO code", so these
bounds are spelled out here, the same as the HTTP models spell them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from strongroom.errors import ValidationError
from strongroom.money import AMOUNT_MAX

#: As over HTTP (strongroom.api.http.compliance): a version is a signed 32-bit integer there.
VERSION_MAX = 2**31 - 1
TEXT_MAX = 200
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class InvalidFields(ValidationError):
    """Several fields of one request refused together. Nothing was done."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__(*errors[0])

    def field_errors(self) -> list[tuple[str, str]]:
        return list(self.errors)


class Fields:
    """Check fields one by one (each check returns its value, checked or not), then `done()`
    raises `InvalidFields` naming every field refused."""

    def __init__(self) -> None:
        self._errors: list[tuple[str, str]] = []

    def refuse(self, field: str, reason: str) -> None:
        self._errors.append((field, reason))

    def done(self) -> None:
        if self._errors:
            raise InvalidFields(self._errors)

    def text(self, value: str, field: str) -> str:
        """1 to TEXT_MAX characters, no NUL (PostgreSQL cannot store one)."""
        if not 1 <= len(value) <= TEXT_MAX or "\x00" in value:
            self.refuse(field, f"must be 1 to {TEXT_MAX} characters, without NUL")
        return value

    def optional_text(self, message: Any, name: str, field: str) -> str | None:
        """The `optional string` field `name` of `message`: None when unset, else a text."""
        return self.text(getattr(message, name), field) if message.HasField(name) else None

    def matching(self, value: str, pattern: re.Pattern[str], field: str, reason: str) -> str:
        if pattern.fullmatch(value) is None:
            self.refuse(field, reason)
        return value

    def not_blank(self, value: str, maximum: int, field: str) -> str:
        """1 to `maximum` characters, not all blank, no NUL: as the HTTP models' NOT_BLANK."""
        if not 1 <= len(value) <= maximum or not value.strip() or "\x00" in value:
            self.refuse(field, f"must be 1 to {maximum} characters, not blank, without NUL")
        return value

    def date(self, value: str, field: str) -> dt.date | None:
        """`value` as a YYYY-MM-DD date (None when refused)."""
        if _DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.refuse(field, f"must be a date as YYYY-MM-DD, not {value!r}")
        return None

    def optional_date(self, message: Any, name: str, field: str) -> dt.date | None:
        """The `optional string` field `name` of `message` as a YYYY-MM-DD date, or None."""
        if not message.HasField(name):
            return None
        return self.date(getattr(message, name), field)

    def amount(self, value: int, field: str) -> int:
        """An amount that moves something: 1 to AMOUNT_MAX minor units."""
        if not 1 <= value <= AMOUNT_MAX:
            self.refuse(field, f"must be 1 to {AMOUNT_MAX} minor units")
        return value

    def at_most(self, value: int, maximum: int, field: str) -> int:
        if value > maximum:
            self.refuse(field, f"must be at most {maximum}")
        return value

    def version(self, value: int, field: str) -> int:
        if not 1 <= value <= VERSION_MAX:
            self.refuse(field, f"must be a version, 1 to {VERSION_MAX}")
        return value


def checked_version(value: int, field: str = "version") -> int:
    """`value` as a rule-set version, or a ValidationError naming `field`."""
    fields = Fields()
    fields.version(value, field)
    fields.done()
    return value
