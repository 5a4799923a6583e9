from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.clock import ManualClock
from strongroom.compliance.kyc.errors import (
    DocumentExpired,
    DocumentExpiresTooSoon,
    InvalidBirthDate,
    UnderMinimumAge,
)
from strongroom.compliance.kyc.person import (
    MAX_AGE,
    age_on,
    today,
    validate_birth_date,
    validate_document_expiry,
)

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2080, 12, 31))


def birthday(birth: date, age: int) -> date:
    """The day the person born on `birth` turns `age`: 1 March for 29 February in common years."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return date(birth.year + age, 3, 1)


@given(births, st.integers(1, 100))
def test_minimum_age_is_reached_on_the_birthday(birth: date, minimum_age: int) -> None:
    day = birthday(birth, minimum_age)
    assert validate_birth_date(birth, today=day, minimum_age=minimum_age) == birth
    with pytest.raises(UnderMinimumAge) as raised:
        validate_birth_date(birth, today=day - timedelta(days=1), minimum_age=minimum_age)
    assert raised.value.field == "birth_date"


@pytest.mark.parametrize(
    ("birth", "minimum_age", "day_before", "day_of"),
    [
        (date(2008, 2, 29), 18, date(2026, 2, 28), date(2026, 3, 1)),
        # A leap-day birth whose birthday falls in a leap year is on 29 February.
        (date(2004, 2, 29), 20, date(2024, 2, 28), date(2024, 2, 29)),
        (date(2008, 3, 1), 18, date(2026, 2, 28), date(2026, 3, 1)),
        (date(2008, 2, 28), 18, date(2026, 2, 27), date(2026, 2, 28)),
    ],
)
def test_29_february(birth: date, minimum_age: int, day_before: date, day_of: date) -> None:
    with pytest.raises(UnderMinimumAge):
        validate_birth_date(birth, today=day_before, minimum_age=minimum_age)
    validate_birth_date(birth, today=day_of, minimum_age=minimum_age)
    assert age_on(birth, day_of) == minimum_age


def test_birth_dates_in_the_future_or_too_long_ago_are_refused() -> None:
    day = date(2025, 6, 30)
    assert validate_birth_date(day, today=day, minimum_age=0) == day
    with pytest.raises(InvalidBirthDate, match="future"):
        validate_birth_date(date(2025, 7, 1), today=day, minimum_age=0)
    oldest = date(2025 - MAX_AGE - 1, 7, 1)
    assert validate_birth_date(oldest, today=day, minimum_age=18) == oldest
    with pytest.raises(InvalidBirthDate, match="years ago") as raised:
        validate_birth_date(oldest - timedelta(days=1), today=day, minimum_age=18, field="dob")
    assert raised.value.field == "dob"


def test_today_is_the_date_in_the_given_zone() -> None:
    instant = datetime(2024, 2, 28, 20, 0, tzinfo=UTC)
    clock = ManualClock(int(instant.timestamp()) * 10**9)
    assert today(clock) == date(2024, 2, 28)
    assert today(clock, timezone(timedelta(hours=8))) == date(2024, 2, 29)


def test_documents_are_valid_through_their_expiry_date() -> None:
    day = date(2025, 6, 30)
    assert validate_document_expiry(day, today=day) == day
    with pytest.raises(DocumentExpired) as raised:
        validate_document_expiry(date(2025, 6, 29), today=day)
    assert raised.value.field == "document_expiry"


def test_documents_can_be_required_valid_until_a_later_date() -> None:
    day = date(2025, 6, 30)
    until = date(2025, 12, 31)
    assert validate_document_expiry(until, today=day, valid_until=until) == until
    with pytest.raises(DocumentExpiresTooSoon) as raised:
        validate_document_expiry(date(2025, 12, 30), today=day, valid_until=until, field="passport")
    assert raised.value.field == "passport"
    with pytest.raises(DocumentExpired):
        validate_document_expiry(date(2025, 6, 1), today=day, valid_until=until)
