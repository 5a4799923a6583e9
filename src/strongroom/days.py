"""UTC days and instants: the periods of the bank and of billing (limits per day and month,
statements, interest, billing cycles) are UTC days; instants are nanoseconds since the epoch, as
everywhere in Strongroom."""

from __future__ import annotations

from datetime import UTC, date, datetime

NS = 10**9


def day_of(ns: int) -> date:
    """The UTC date of an instant."""
    return datetime.fromtimestamp(ns / NS, UTC).date()


def day_start(day: date) -> int:
    """The instant 00:00 UTC of `day` begins."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * NS


def month_start(day: date) -> int:
    """The instant 00:00 UTC of the first of `day`'s month begins."""
    return day_start(day.replace(day=1))
