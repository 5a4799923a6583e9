"""strongroom.workflows.schedules: parsing schedule texts and computing their fire times."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.errors import ValidationError
from strongroom.workflows.schedules import MAX_TIME_NS, ScheduleSpec, parse_schedule

S = 10**9
MINUTE = 60 * S
DAY = 86_400 * S
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNITS = {"s": S, "m": MINUTE, "h": 3_600 * S, "d": DAY}


def _ns(text: str) -> int:
    moment = datetime.fromisoformat(text)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1_000


def _rfc3339(ns: int) -> str:
    """An instant with all nine fractional digits, so that parsing it back loses nothing."""
    seconds, fraction = divmod(ns, S)
    moment = _EPOCH + timedelta(seconds=seconds)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{fraction:09d}Z"


def _fires(spec: ScheduleSpec, after_ns: int, count: int) -> list[int]:
    fires = []
    for _ in range(count):
        fire = spec.next_after(after_ns)
        assert fire is not None
        fires.append(fire)
        after_ns = fire
    return fires


# Instants from 2000 to 2100, to the nanosecond.
instants = st.integers(_ns("2000-01-01T00:00:00+00:00"), _ns("2100-01-01T00:00:00+00:00"))
periods = st.tuples(st.integers(1, 1_000), st.sampled_from(sorted(_UNITS)))


@st.composite
def every_specs(draw: st.DrawFn) -> tuple[ScheduleSpec, int, int]:
    """An `every` spec, with and without an anchor, and its period and anchor in ns."""
    count, unit = draw(periods)
    anchor = draw(st.one_of(st.none(), instants))
    text = f"every {count}{unit}" + ("" if anchor is None else f" from {_rfc3339(anchor)}")
    return parse_schedule(text), count * _UNITS[unit], anchor or 0


@given(every_specs(), instants)
def test_every_fires_on_its_phase_within_one_period_after_any_time(
    every: tuple[ScheduleSpec, int, int], after: int
) -> None:
    spec, period, anchor = every
    fire = spec.next_after(after)
    assert fire is not None
    assert fire > after
    assert (fire - anchor) % period == 0
    if after >= anchor:
        assert fire - after <= period
    else:
        assert fire == anchor


@given(every_specs(), instants)
def test_every_fires_one_period_apart_for_ever(
    every: tuple[ScheduleSpec, int, int], after: int
) -> None:
    spec, period, anchor = every
    fires = _fires(spec, max(after, anchor), 20)
    assert all(later - earlier == period for earlier, later in itertools.pairwise(fires))


@given(every_specs(), instants)
def test_every_first_is_the_first_fire_time_at_or_after_creation(
    every: tuple[ScheduleSpec, int, int], created: int
) -> None:
    spec, _, _ = every
    first = spec.first(created)
    assert first is not None
    assert first >= created
    assert first == spec.next_after(created - 1)
    assert spec.first(first) == first


def test_every_without_an_anchor_keeps_the_epochs_phase() -> None:
    assert parse_schedule("every 1d").next_after(_ns("2026-05-05T13:14:15+00:00")) == _ns(
        "2026-05-06T00:00:00+00:00"
    )
    assert parse_schedule("every 5m").next_after(_ns("2026-05-05T13:14:15+00:00")) == _ns(
        "2026-05-05T13:15:00+00:00"
    )


def test_every_with_an_anchor_fires_from_the_anchor_on() -> None:
    spec = parse_schedule("every 1d from 2026-01-01T02:00:00Z")
    assert spec.first(_ns("2025-06-01T00:00:00+00:00")) == _ns("2026-01-01T02:00:00+00:00")
    assert spec.next_after(_ns("2026-03-04T05:00:00+00:00")) == _ns("2026-03-05T02:00:00+00:00")


def test_every_stops_where_a_64_bit_nanosecond_count_ends() -> None:
    assert parse_schedule("every 1d").next_after(MAX_TIME_NS - DAY // 2) is None


@given(instants, instants)
def test_at_fires_once(instant: int, created: int) -> None:
    spec = parse_schedule(f"at {_rfc3339(instant)}")
    assert spec.kind == "at"
    # Created after its instant, it still fires once, straight away.
    assert spec.first(created) == instant
    assert spec.next_after(instant - 1) == instant
    assert spec.next_after(instant) is None


def test_at_reads_offsets_and_fractions_to_the_nanosecond() -> None:
    at = parse_schedule("at 2026-12-31T23:00:00.000000001+01:30")
    assert at.first(0) == _ns("2026-12-31T21:30:00+00:00") + 1


@st.composite
def cron_fields(
    draw: st.DrawFn, low: int, high: int, field_high: int | None = None
) -> tuple[str, set[int]]:
    """One simple cron field naming values from `low` to `high`, and the values it allows; a
    star and its steps run to the field's own end, `field_high` (31 for days of month)."""
    field_high = high if field_high is None else field_high
    every = set(range(low, field_high + 1))
    shape = draw(st.sampled_from(["*", "n", "step", "range", "list"]))
    if shape == "*":
        return "*", every
    if shape == "n":
        n = draw(st.integers(low, high))
        return str(n), {n}
    if shape == "step":
        step = draw(st.integers(1, high - low))
        return f"*/{step}", set(range(low, field_high + 1, step))
    if shape == "range":
        first, last = sorted(
            draw(st.lists(st.integers(low, high), min_size=2, max_size=2, unique=True))
        )
        return f"{first}-{last}", set(range(first, last + 1))
    values = draw(st.lists(st.integers(low, high), min_size=2, max_size=4, unique=True))
    return ",".join(map(str, sorted(values))), set(values)


@st.composite
def cron_expressions(draw: st.DrawFn) -> tuple[str, list[tuple[str, set[int]]]]:
    minute = draw(cron_fields(0, 59))
    hour = draw(cron_fields(0, 23))
    # Days of month up to 28 exist in every month. Only one of the two day fields is ever
    # restricted: when both are, cron's either-or rule is croniter's to define, not this model's.
    day = draw(cron_fields(1, 28, field_high=31))
    month = draw(cron_fields(1, 12))
    weekday = draw(cron_fields(0, 6)) if day[0] == "*" else ("*", set(range(7)))
    fields = [minute, hour, day, month, weekday]
    return " ".join(text for text, _ in fields), fields


def _reference_next_after(fields: list[tuple[str, set[int]]], after_ns: int) -> int:
    """The first matching minute after `after_ns`, day by day, then hour by hour, minute by
    minute: slow, and too simple to be wrong."""
    (_, minutes), (_, hours), (_, days), (_, months), (_, weekdays) = fields
    earliest = (after_ns // MINUTE + 1) * MINUTE
    day = (_EPOCH + timedelta(microseconds=earliest // 1_000)).date()
    while True:
        cron_weekday = (day.weekday() + 1) % 7  # cron counts from Sunday, Python from Monday
        if day.day in days and day.month in months and cron_weekday in weekdays:
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    fire = _ns((midnight + timedelta(hours=hour, minutes=minute)).isoformat())
                    if fire >= earliest:
                        return fire
        day += timedelta(days=1)


@given(cron_expressions(), instants)
def test_cron_agrees_with_a_minute_by_minute_reference(
    cron: tuple[str, list[tuple[str, set[int]]]], after: int
) -> None:
    expression, fields = cron
    assert parse_schedule(f"cron {expression}").next_after(after) == _reference_next_after(
        fields, after
    )


@given(cron_expressions(), instants)
def test_cron_first_is_the_first_fire_time_at_or_after_creation(
    cron: tuple[str, list[tuple[str, set[int]]]], created: int
) -> None:
    spec = parse_schedule(f"cron {cron[0]}")
    first = spec.first(created)
    assert first is not None
    assert first >= created
    assert spec.next_after(first) != first
    assert spec.first(first) == first


def test_cron_fires_strictly_after_a_fire_time() -> None:
    spec = parse_schedule("cron */5 * * * *")
    fire = _ns("2026-01-01T00:05:00+00:00")
    assert spec.next_after(fire - 1) == fire
    assert spec.next_after(fire) == fire + 5 * MINUTE


def test_cron_l_is_the_last_day_of_the_month() -> None:
    spec = parse_schedule("cron 0 2 L * *")
    assert _fires(spec, _ns("2028-01-15T00:00:00+00:00"), 3) == [
        _ns("2028-01-31T02:00:00+00:00"),
        _ns("2028-02-29T02:00:00+00:00"),
        _ns("2028-03-31T02:00:00+00:00"),
    ]


def test_cron_ranges_may_wrap_around_the_end_of_the_field() -> None:
    spec = parse_schedule("cron 0 0 * * fri-mon")
    # 2026-05-01 is a Friday.
    assert _fires(spec, _ns("2026-04-30T12:00:00+00:00"), 5) == [
        _ns(f"2026-05-{day:02d}T00:00:00+00:00") for day in (1, 2, 3, 4, 8)
    ]


def test_cron_in_a_zone_fires_at_its_wall_clock_time() -> None:
    spec = parse_schedule("cron 0 9 * * mon-fri tz Asia/Singapore")
    # Friday 2026-05-01 10:00 in Singapore: the next is Monday 09:00 there, 01:00 UTC.
    assert spec.next_after(_ns("2026-05-01T02:00:00+00:00")) == _ns("2026-05-04T01:00:00+00:00")


def _london_days(fires: list[int]) -> list[date]:
    london = ZoneInfo("Europe/London")
    return [(_EPOCH + timedelta(microseconds=f // 1_000)).astimezone(london).date() for f in fires]


@pytest.mark.parametrize("wall_time", ["30 2", "30 1"])
def test_a_daily_london_schedule_fires_once_a_day_across_the_march_change(wall_time: str) -> None:
    # Clocks go from 01:00 GMT to 02:00 BST on 2026-03-29: 01:30 that day never happens.
    minute, hour = wall_time.split()
    spec = parse_schedule(f"cron {minute} {hour} * * * tz Europe/London")
    fires = _fires(spec, _ns("2026-03-27T12:00:00+00:00"), 4)
    assert _london_days(fires) == [date(2026, 3, d) for d in (28, 29, 30, 31)]
    march_29 = {"30 2": "2026-03-29T01:30:00+00:00", "30 1": "2026-03-29T01:00:00+00:00"}
    # The skipped 01:30 fires at the first instant after the gap, 02:00 BST.
    assert fires[1] == _ns(march_29[wall_time])


def test_a_daily_london_schedule_fires_once_in_the_hour_october_repeats() -> None:
    # Clocks go from 02:00 BST back to 01:00 GMT on 2026-10-25: 01:30 happens twice.
    spec = parse_schedule("cron 30 1 * * * tz Europe/London")
    fires = _fires(spec, _ns("2026-10-23T12:00:00+00:00"), 4)
    assert _london_days(fires) == [date(2026, 10, d) for d in (24, 25, 26, 27)]
    assert fires[1] == _ns("2026-10-25T00:30:00+00:00")
    # Asked from inside the repeated hour, it does not fire at its second 01:30 either.
    assert spec.next_after(_ns("2026-10-25T01:10:00+00:00")) == _ns("2026-10-26T01:30:00+00:00")


def test_an_every_hour_london_schedule_keeps_real_time_in_the_hour_october_repeats() -> None:
    spec = parse_schedule("cron */20 * * * * tz Europe/London")
    fires = _fires(spec, _ns("2026-10-24T23:50:00+00:00"), 9)
    assert fires[0] == _ns("2026-10-25T00:00:00+00:00")
    assert all(later - earlier == 20 * MINUTE for earlier, later in itertools.pairwise(fires))


def test_cron_stops_where_a_64_bit_nanosecond_count_ends() -> None:
    assert parse_schedule("cron 0 0 1 1 *").next_after(MAX_TIME_NS - DAY) is None


def test_whitespace_is_normalised_so_equal_schedules_compare_equal() -> None:
    spaced = parse_schedule("  every\t5m   from 2026-01-01T00:00:00Z\n")
    assert spaced.text == "every 5m from 2026-01-01T00:00:00Z"
    assert spaced == parse_schedule("every 5m from 2026-01-01T00:00:00Z")
    assert hash(spaced) == hash(parse_schedule("every 5m from 2026-01-01T00:00:00Z"))
    assert parse_schedule("cron  */5 * * * *   tz  UTC").text == "cron */5 * * * * tz UTC"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "must start with at, every or cron"),
        ("often", "must start with at, every or cron"),
        ("At 2026-12-31T23:00:00Z", "must start with at, every or cron"),
        ("at", "at: needs one RFC 3339 time"),
        ("at 2026-12-31 23:00:00Z", "at: needs one RFC 3339 time"),
        ("at tomorrow", "at: 'tomorrow' is not an RFC 3339 time"),
        ("at 2026-12-31T23:00:00", "at: needs a UTC offset"),
        ("at 2026-12-31T23:00:00.1234567891Z", "is not an RFC 3339 time"),
        ("at 2026-02-30T00:00:00Z", "at: '2026-02-30T00:00:00Z': day is out of range"),
        ("at 2026-12-31T23:00:00+24:00", "at: +24:00 is not a UTC offset"),
        ("at 2300-01-01T00:00:00Z", "at: '2300-01-01T00:00:00Z' is outside the 64-bit"),
        ("every", "every: needs a period"),
        ("every 5m since 2026-01-01T00:00:00Z", "every: needs a period"),
        ("every 5", "every: unit must be one of s, m, h, d"),
        ("every 5w", "every: unit must be one of s, m, h, d"),
        ("every -5m", "every: unit must be one of s, m, h, d"),
        ("every m", "every: needs a whole number before the unit"),
        ("every 0s", "every: the period must be positive"),
        ("every 200000d", "every: the period must fit in 2**63 - 1 nanoseconds"),
        ("every 5m from 2026-01-01T00:00:00", "every: needs a UTC offset"),
        ("cron * * * *", "cron: needs 5 fields"),
        ("cron * * * * * *", "cron: needs 5 fields"),
        ("cron @daily", "cron: needs 5 fields"),
        ("cron 61 * * * *", "cron: [61 * * * *] is not acceptable, out of range"),
        ("cron 0 0 31 2 *", "cron: names no date that exists"),
        ("cron 5-5 * * * *", "cron: 5-5 is ambiguous"),
        ("cron 0 0 * jan-JAN/2 *", "cron: jan-JAN/2 is ambiguous"),
        ("cron H * * * *", "cron: hashed and random fields (H, R) are not accepted"),
        ("cron 0 R(1-5) * * *", "cron: hashed and random fields (H, R) are not accepted"),
        ("cron * * * * * tz Mars/Olympus", "cron: unknown time zone 'Mars/Olympus'"),
        ("cron * * * * * tz ../etc/passwd", "cron: unknown time zone '../etc/passwd'"),
    ],
)
def test_bad_schedules_are_refused_naming_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_schedule(text)
    assert refused.value.field == "schedule"
    assert reason in refused.value.reason


def test_the_error_names_the_field_it_is_given() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_schedule("every 5w", field="recurrence")
    assert str(refused.value) == "recurrence: every: unit must be one of s, m, h, d"
