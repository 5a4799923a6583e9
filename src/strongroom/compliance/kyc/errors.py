"""Why a stated fact cannot be accepted. Each error names the field it was given as, so the API
renders it like any `ValidationError`, and its `code` becomes a KYC finding's code."""

from __future__ import annotations

import enum

from strongroom.errors import ValidationError


class Required(ValidationError):
    """A field left empty or blank."""

    code = "required"


class InvalidIdentifier(ValidationError):
    """An identity number, bank identifier or country code that is malformed or fails its
    check digits."""

    code = "invalid_identifier"


class InvalidBirthDate(ValidationError):
    """A birth date in the future, or longer ago than anyone alive was born."""

    code = "invalid_birth_date"


class UnderMinimumAge(ValidationError):
    code = "under_minimum_age"


class DocumentExpired(ValidationError):
    code = "document_expired"


class DocumentExpiresTooSoon(ValidationError):
    """A document valid today that expires before the date it must still be valid on."""

    code = "document_expires_too_soon"


class NricProblem(enum.StrEnum):
    LENGTH = "length"
    SERIES = "series"
    DIGITS = "digits"
    CHECK_LETTER = "check_letter"


class InvalidNric(InvalidIdentifier):
    """A Singapore NRIC or FIN that is not one; `problem` says which part is wrong."""

    code = "invalid_nric"

    def __init__(self, field: str, problem: NricProblem, reason: str) -> None:
        super().__init__(field, reason)
        self.problem = problem
