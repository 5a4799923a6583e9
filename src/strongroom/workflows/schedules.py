"""Schedule specifications: the text a caller writes, parsed once, and its fire times.

The engine stores a schedule's canonical text and its next fire time; it asks this module for
the fire time after that. Everything here is pure: no clock, no I/O. Times are integer
nanoseconds since the Unix epoch, UTC, as everywhere in Strongroom (`strongroom.clock`).

Accepted texts (keywords in lower case; runs of whitespace count as one space, and the
canonical `text` has single spaces, so schedules that differ only in spacing compare equal):

- ``at 2026-12-31T23:00:00Z``: once, at an RFC 3339 instant. The UTC offset is required
  (``Z`` or ``+hh:mm``/``-hh:mm``); fractional seconds up to nanoseconds are kept. An instant
  already past when the schedule is created is accepted and fires once, straight away: a
  request that arrives late (a queue, clock skew) runs rather than silently never firing.
- ``every 30s``, ``every 5m``, ``every 2h``, ``every 1d``: a positive whole number of seconds,
  minutes, hours or days (a day is 86,400 s; for local calendar days use ``cron ... tz``). The
  fire times are the epoch plus whole periods, so ``every 1d`` fires at 00:00 UTC and
  ``every 5m`` on the five-minute marks, the same in every process.
- ``every 1d from 2026-01-01T02:00:00Z``: the same, anchored: the fire times are the anchor
  plus whole periods, never before the anchor.
- ``cron */5 * * * *``: five cron fields (minute, hour, day of month, month, day of week) as
  croniter reads them, in UTC; ``L`` for the last day of the month (``cron 0 2 L * *``), names
  (``jan``, ``mon``), and ranges, lists and steps work; a range may wrap (``fri-mon``), but
  one from a value to itself (``5-5``) is refused, croniter reading it as the whole field.
  When both the day of month and the day of week are restricted, a day matching either fires
  (classic cron). Hashed and random fields (``H``, ``R``) are refused: fire times must not
  depend on the process that computes them.
- ``cron 0 9 * * mon-fri tz Asia/Singapore``: the fields read as wall-clock time in an IANA
  zone. Across daylight-saving changes: a wall time the clocks skip fires once, at the first
  instant after the gap (croniter's choice: ``30 1 * * *`` in Europe/London fires at 02:00
  BST on the last Sunday of March); a wall time the clocks repeat fires once, at its first
  occurrence, when the hour field names hours (croniter alone would fire ``30 1 * * *`` twice
  on the last Sunday of October), and at both occurrences when the hour field is ``*``, so
  that ``*/20 * * * *`` keeps firing every 20 minutes of real time.

Fire times are bounded by what a signed 64-bit nanosecond count holds (`MAX_TIME_NS`, in
April 2262): a schedule whose next fire time would lie beyond it never fires again.

Input that is not one of these raises `ValidationError(field, reason)`, the reason starting
with the kind it concerns (``every: unit must be one of s, m, h, d``).

Imports strongroom.errors only; never strongroom.store, api, cli or bootstrap.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter

from strongroom.errors import ValidationError

__all__ = ["MAX_TIME_NS", "ScheduleKind", "ScheduleSpec", "parse_schedule"]

ScheduleKind = Literal["at", "every", "cron"]

#: The last instant a signed 64-bit count of nanoseconds since the epoch can hold.
MAX_TIME_NS = 2**63 - 1
_MIN_TIME_NS = -(2**63)

_SECOND_NS = 10**9
_UNIT_NS = {
    "s": _SECOND_NS,
    "m": 60 * _SECOND_NS,
    "h": 3_600 * _SECOND_NS,
    "d": 86_400 * _SECOND_NS,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)
_PERIOD = re.compile(r"(?P<count>\d*)(?P<unit>.*)", re.ASCII)
# croniter's own syntax for a hashed or random field element (H, R, H(0-29), R/5, ...).
_HASHED_OR_RANDOM = re.compile(r"[hr](?:\(\d+-\d+\))?(?:/\d+)?", re.ASCII | re.IGNORECASE)
# croniter reads a range from a value to itself ("5-5", "jan-jan") as the whole field, where a
# reader sees one value.
_EQUAL_RANGE = re.compile(r"(\w+)-\1(?:/\d+)?", re.ASCII | re.IGNORECASE)
_CRON_FIELDS = 5


@dataclass(frozen=True, slots=True)
class _At:
    instant_ns: int

    def next_after(self, after_ns: int) -> int | None:
        return self.instant_ns if self.instant_ns > after_ns else None

    def first(self, created_ns: int) -> int | None:
        # Past or not, the instant itself: see the module docstring.
        return self.instant_ns


@dataclass(frozen=True, slots=True)
class _Every:
    period_ns: int
    anchor_ns: int

    def next_after(self, after_ns: int) -> int | None:
        if after_ns < self.anchor_ns:
            fire = self.anchor_ns
        else:
            fire = after_ns - (after_ns - self.anchor_ns) % self.period_ns + self.period_ns
        return fire if fire <= MAX_TIME_NS else None

    def first(self, created_ns: int) -> int | None:
        return self.next_after(created_ns - 1)


@dataclass(frozen=True, slots=True)
class _Cron:
    expression: str
    zone: ZoneInfo | None
    # Whether a wall time the clocks repeat fires at both occurrences (see the docstring).
    every_hour: bool

    def next_after(self, after_ns: int) -> int | None:
        # Truncating to croniter's microseconds is safe: fire times are whole minutes, so the
        # first one after the truncated start is also the first one after `after_ns`.
        start = _EPOCH + timedelta(microseconds=after_ns // 1_000)
        times = croniter(self.expression, start.astimezone(self.zone or UTC))
        fire: datetime = times.get_next(datetime)
        while not self.every_hour and _is_repeated_wall_time(fire):
            fire = times.get_next(datetime)
        fire_ns = (fire - _EPOCH) // _MICROSECOND * 1_000
        return fire_ns if fire_ns <= MAX_TIME_NS else None

    def first(self, created_ns: int) -> int | None:
        return self.next_after(created_ns - 1)


def _is_repeated_wall_time(moment: datetime) -> bool:
    """The second occurrence of a wall time the clocks went back over."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """A parsed schedule; make one with `parse_schedule`. Equal texts make equal specs."""

    #: The canonical text, as stored: the input with its whitespace normalised.
    text: str
    kind: ScheduleKind
    _rule: _At | _Every | _Cron = dataclasses.field(repr=False, compare=False)

    def next_after(self, after_ns: int) -> int | None:
        """The first fire time strictly after `after_ns`, or None if it will not fire again."""
        return self._rule.next_after(after_ns)

    def first(self, created_ns: int) -> int | None:
        """The first fire time of a schedule created at `created_ns`: the first at or after it,
        except that an `at` instant already past is returned as it is, to fire once at once."""
        return self._rule.first(created_ns)


def parse_schedule(text: str, *, field: str = "schedule") -> ScheduleSpec:
    """Parse one of the texts the module docstring lists; ValidationError(field, ...) if not."""
    words = text.split()
    canonical = " ".join(words)
    match words:
        case ["at", *rest]:
            return ScheduleSpec(canonical, "at", _parse_at(rest, field))
        case ["every", *rest]:
            return ScheduleSpec(canonical, "every", _parse_every(rest, field))
        case ["cron", *rest]:
            return ScheduleSpec(canonical, "cron", _parse_cron(rest, field))
    raise ValidationError(field, "must start with at, every or cron")


def _parse_at(words: list[str], field: str) -> _At:
    if len(words) != 1:
        raise ValidationError(field, "at: needs one RFC 3339 time, as in at 2026-12-31T23:00:00Z")
    return _At(_parse_instant(words[0], field, "at"))


def _parse_every(words: list[str], field: str) -> _Every:
    match words:
        case [period]:
            anchor_ns = 0
        case [period, "from", anchor]:
            anchor_ns = _parse_instant(anchor, field, "every")
        case _:
            raise ValidationError(
                field, "every: needs a period and optionally from <time>, as in every 5m"
            )
    parts = _PERIOD.fullmatch(period)
    assert parts is not None  # the pattern matches every string
    if parts["unit"] not in _UNIT_NS:
        raise ValidationError(field, "every: unit must be one of s, m, h, d")
    if not parts["count"]:
        raise ValidationError(field, "every: needs a whole number before the unit, as in 5m")
    period_ns = int(parts["count"]) * _UNIT_NS[parts["unit"]]
    if period_ns == 0:
        raise ValidationError(field, "every: the period must be positive")
    if period_ns > MAX_TIME_NS:
        raise ValidationError(field, "every: the period must fit in 2**63 - 1 nanoseconds")
    return _Every(period_ns, anchor_ns)


def _parse_cron(words: list[str], field: str) -> _Cron:
    match words:
        case [*fields, "tz", zone_name] if len(fields) == _CRON_FIELDS:
            zone: ZoneInfo | None = _parse_zone(zone_name, field)
        case fields if len(fields) == _CRON_FIELDS:
            zone = None
        case _:
            raise ValidationError(
                field,
                "cron: needs 5 fields (minute hour day-of-month month day-of-week),"
                " optionally followed by tz <zone>",
            )
    for element in ",".join(fields).split(","):
        if _HASHED_OR_RANDOM.fullmatch(element):
            raise ValidationError(field, "cron: hashed and random fields (H, R) are not accepted")
        if _EQUAL_RANGE.fullmatch(element):
            raise ValidationError(
                field, f"cron: {element} is ambiguous (croniter reads it as the whole field)"
            )
    expression = " ".join(fields)
    try:
        times = croniter(expression, _EPOCH)
        # A valid expression that names no real date (31 February) is refused here rather than
        # failing on every later call. Any date five fields can name recurs within 8 years
        # (29 February across 2100), well inside croniter's 50-year search.
        times.get_next(datetime)
    except CroniterBadDateError:
        raise ValidationError(field, "cron: names no date that exists") from None
    except CroniterError as error:
        raise ValidationError(field, f"cron: {error}") from None
    return _Cron(expression, zone, every_hour=times.expanded[1] == ["*"])


def _parse_zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError: a key zoneinfo refuses outright, such as a path ("../etc/passwd").
        raise ValidationError(field, f"cron: unknown time zone {name!r}") from None


def _parse_instant(word: str, field: str, kind: str) -> int:
    parts = _RFC3339.fullmatch(word)
    if parts is None:
        raise ValidationError(
            field, f"{kind}: {word!r} is not an RFC 3339 time, as in 2026-12-31T23:00:00Z"
        )
    if parts["offset"] is None:
        raise ValidationError(field, f"{kind}: needs a UTC offset (Z or +hh:mm), as in {word}Z")
    offset = parts["offset"]
    if offset == "Z":
        zone = UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValidationError(field, f"{kind}: {offset} is not a UTC offset")
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        moment = datetime.fromisoformat(f"{parts['date']}T{parts['time']}").replace(tzinfo=zone)
    except ValueError as error:
        raise ValidationError(field, f"{kind}: {word!r}: {error}") from None
    fraction_ns = int((parts["fraction"] or "").ljust(9, "0"))
    instant_ns = (moment - _EPOCH) // _MICROSECOND * 1_000 + fraction_ns
    if not _MIN_TIME_NS <= instant_ns <= MAX_TIME_NS:
        raise ValidationError(field, f"{kind}: {word!r} is outside the 64-bit nanosecond range")
    return instant_ns
