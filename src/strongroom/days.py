"""UTC days and instants: the periods of the bank and of billing (limits per day and month,
statements, interest, billing cycles) are UTC days; instants are nanoseconds since the epoch, as
everywhere in Strongroom."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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


def business_day(asked: date | None, created_at: int) -> date:
    """A periodic run's day: the one asked for, else the UTC day its intent was created on (a
    schedule's fire time)."""
    return asked if asked is not None else day_of(created_at)


def not_over(day: date, now: int) -> str | None:
    """Why a run up to (not including) `day` cannot happen at `now`, if it cannot: the day
    before it is not over yet, so its closing figures are not known."""
    latest = day_of(now) + timedelta(days=1)
    if day > latest:
        return (
            f"{day.isoformat()} is after {latest.isoformat()}: days not over cannot be closed yet"
        )
    return None
