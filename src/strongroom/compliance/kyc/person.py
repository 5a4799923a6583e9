"""A person's birth date and identity document, judged on a given day.

"Today" is a parameter, never read here: the caller takes it from the injectable clock
(`today(clock, zone)`), so that tests can stand on any day, birthdays and leap days included.

A person born on 29 February has their birthday on 1 March in years without one, as Hong Kong's
Age of Majority (Related Provisions) Ordinance states outright; where 28 February counts
instead, the minimum-age check is one day stricter, never laxer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from strongroom.clock import Clock
from strongroom.compliance.kyc.errors import (
    DocumentExpired,
    DocumentExpiresTooSoon,
    InvalidBirthDate,
    UnderMinimumAge,
)

#: Older than anyone whose age has been verified (122), so a birth date before it is a typo.
MAX_AGE = 130


def today(clock: Clock, zone: tzinfo = UTC) -> date:
    """The calendar day it is in `zone` now: ages change at midnight where the person is."""
    return datetime.fromtimestamp(clock.now_ns() // 1_000_000_000, zone).date()


def age_on(birth_date: date, day: date) -> int:
    """Whole years lived on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def validate_birth_date(
    birth_date: date, *, today: date, minimum_age: int, field: str = "birth_date"
) -> date:
    """`birth_date`, if it is not after `today`, not more than `MAX_AGE` years ago, and the
    person is at least `minimum_age` on `today`."""
    if birth_date > today:
        raise InvalidBirthDate(field, f"{birth_date.isoformat()} is in the future")
    age = age_on(birth_date, today)
    if age > MAX_AGE:
        raise InvalidBirthDate(field, f"{birth_date.isoformat()} is over {MAX_AGE} years ago")
    if age < minimum_age:
        raise UnderMinimumAge(field, f"the person is {age}, under the minimum age of {minimum_age}")
    return birth_date


def validate_document_expiry(
    expiry: date, *, today: date, valid_until: date | None = None, field: str = "document_expiry"
) -> date:
    """`expiry`, if the document is still valid `today` (a document is valid through its expiry
    date) and, when `valid_until` is given, still valid on that day."""
    if expiry < today:
        raise DocumentExpired(field, f"the document expired on {expiry.isoformat()}")
    if valid_until is not None and expiry < valid_until:
        raise DocumentExpiresTooSoon(
            field,
            f"the document expires on {expiry.isoformat()}, "
            f"before {valid_until.isoformat()} when it must still be valid",
        )
    return expiry
