import calendar
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from smartshare.errors import ValidationFailed
from smartshare.schedule import (
    describe,
    load_zone,
    next_occurrence,
    upcoming,
    validate_schedule,
)

NOW = datetime(2025, 6, 4, 12, 0, tzinfo=UTC)  # a Wednesday
# Spelled out here rather than taken from calendar.day_name, which follows the locale.
WEEKDAY_NAMES = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def daily(clock: str, zone: str) -> dict:
    return {"type": "daily", "time": clock, "timezone": zone}


def weekly(clock: str, zone: str, *days: str) -> dict:
    return {
        "type": "weekly",
        "time": clock,
        "timezone": zone,
        "days_of_week": list(days),
    }


def monthly(clock: str, zone: str, day: int) -> dict:
    return {"type": "monthly", "time": clock, "timezone": zone, "day_of_month": day}


def chain(schedule: dict, after: str, count: int) -> list[datetime]:
    """Call next_occurrence repeatedly, each time from the slot it returned."""
    slots = []
    slot = utc(after)
    for _ in range(count):
        slot = next_occurrence(schedule, slot)
        slots.append(slot)
    return slots


def problems(raw: object, prefix: str = "schedule") -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_schedule(raw, NOW, prefix)
    return {item["field"]: item["message"] for item in caught.value.details}


# Fall back and short months.


def test_fall_back_noon_runs_once_a_day():
    slots = chain(daily("12:00", "America/New_York"), "2025-11-01T16:00:00Z", 2)

    assert slots == [utc("2025-11-02T17:00:00Z"), utc("2025-11-03T17:00:00Z")]


def test_fall_back_repeated_time_runs_first():
    slots = chain(daily("01:30", "America/New_York"), "2025-11-01T05:30:00Z", 2)

    assert slots[0] == utc("2025-11-02T05:30:00Z")
    assert slots[1] == utc("2025-11-03T06:30:00Z")
    assert utc("2025-11-02T06:30:00Z") not in slots


def test_fall_back_weekly_amsterdam_monday():
    schedule = weekly("12:00", "Europe/Amsterdam", "monday")

    slots = chain(schedule, "2025-10-20T10:00:00Z", 1)

    assert slots == [utc("2025-10-27T11:00:00Z")]


def test_monthly_31st_keeps_anchor():
    schedule = monthly("09:00", "Europe/Berlin", 31)

    slots = chain(schedule, "2025-01-31T08:00:00Z", 3)

    assert slots == [
        utc("2025-02-28T08:00:00Z"),
        utc("2025-03-31T07:00:00Z"),
        utc("2025-04-30T07:00:00Z"),
    ]


# DST transitions.


def test_spring_forward_runs_hour_later():
    schedule = daily("02:30", "America/New_York")

    slots = chain(schedule, "2025-03-08T12:00:00Z", 3)

    assert slots == [
        utc("2025-03-09T07:30:00Z"),
        utc("2025-03-10T06:30:00Z"),
        utc("2025-03-11T06:30:00Z"),
    ]
    local = slots[0].astimezone(load_zone("America/New_York"))
    assert local.replace(tzinfo=None) == datetime(2025, 3, 9, 3, 30)


def test_spring_forward_half_hour_gap():
    # Lord Howe Island moves its clocks forward by 30 minutes, from 02:00 to
    # 02:30, so 02:15 runs at 02:45.
    schedule = daily("02:15", "Australia/Lord_Howe")

    slot = next_occurrence(schedule, utc("2025-10-04T00:00:00Z"))

    assert slot == utc("2025-10-04T15:45:00Z")
    local = slot.astimezone(load_zone("Australia/Lord_Howe"))
    assert local.replace(tzinfo=None) == datetime(2025, 10, 5, 2, 45)


def test_spring_forward_midnight_gap():
    # Santiago moves from 00:00 to 01:00 on 2025-09-07.
    schedule = daily("00:00", "America/Santiago")

    slots = chain(schedule, "2025-09-06T12:00:00Z", 2)

    assert slots == [utc("2025-09-07T04:00:00Z"), utc("2025-09-08T03:00:00Z")]


def test_spring_forward_weekly_and_monthly():
    london_weekly = weekly("01:30", "Europe/London", "sunday")
    new_york_monthly = monthly("02:30", "America/New_York", 9)

    london_slots = chain(london_weekly, "2025-03-25T00:00:00Z", 2)
    new_york_slots = chain(new_york_monthly, "2025-02-10T00:00:00Z", 2)

    assert london_slots == [utc("2025-03-30T01:30:00Z"), utc("2025-04-06T00:30:00Z")]
    assert new_york_slots == [utc("2025-03-09T07:30:00Z"), utc("2025-04-09T06:30:00Z")]


def test_gap_across_midnight_keeps_slot():
    # Nuuk moves from 23:00 on 2025-03-29 to 00:00 on 2025-03-30, so the
    # 23:30 slot of March 29 runs at 00:30 on March 30.
    schedule = daily("23:30", "America/Nuuk")

    slots = chain(schedule, "2025-03-30T01:10:00Z", 2)

    assert slots == [utc("2025-03-30T01:30:00Z"), utc("2025-03-31T00:30:00Z")]


def test_skipped_date_runs_once():
    # Samoa skipped 2011-12-30 entirely, so its shifted slot and the slot of
    # December 31 are the same instant, and it runs once.
    schedule = daily("09:00", "Pacific/Apia")

    slots = chain(schedule, "2011-12-29T00:00:00Z", 3)

    assert slots == [
        utc("2011-12-29T19:00:00Z"),
        utc("2011-12-30T19:00:00Z"),
        utc("2011-12-31T19:00:00Z"),
    ]


def test_fall_back_weekly_runs_first_time():
    schedule = weekly("01:30", "America/New_York", "sunday")

    slots = chain(schedule, "2025-10-27T00:00:00Z", 2)

    assert slots == [utc("2025-11-02T05:30:00Z"), utc("2025-11-09T06:30:00Z")]


def test_fall_back_monthly_runs_first_time():
    schedule = monthly("01:30", "America/New_York", 2)

    slots = chain(schedule, "2025-10-15T00:00:00Z", 2)

    assert slots == [utc("2025-11-02T05:30:00Z"), utc("2025-12-02T06:30:00Z")]


def test_fall_back_from_first_occurrence():
    schedule = daily("01:30", "America/New_York")

    slot = next_occurrence(schedule, utc("2025-11-02T05:30:00Z"))

    assert slot == utc("2025-11-03T06:30:00Z")


def test_fall_back_hour_before_midnight():
    # Santiago moves from 00:00 back to 23:00 on 2025-04-06, so 23:30 on
    # April 5 happens twice.
    schedule = daily("23:30", "America/Santiago")

    slots = chain(schedule, "2025-04-05T12:00:00Z", 2)

    assert slots == [utc("2025-04-06T02:30:00Z"), utc("2025-04-07T03:30:00Z")]


# A year of slots in zones with DST, checked against the calendar.

DST_ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Nuuk",
]
ZONES = [*DST_ZONES, "Asia/Tokyo", "UTC"]
CLOCKS = ["00:00", "00:30", "01:30", "02:00", "02:30", "12:00", "23:30", "23:59"]
YEAR_SCHEDULES = {
    "daily": {"type": "daily"},
    "weekly": {"type": "weekly", "days_of_week": ["wednesday", "sunday"]},
    "monthly 31": {"type": "monthly", "day_of_month": 31},
    "monthly 1": {"type": "monthly", "day_of_month": 1},
}


def calendar_dates(schedule: dict, year: int) -> list[date]:
    """List the local dates a schedule runs on, from the calendar alone."""
    dates = []
    day = date(year, 1, 1)
    while day.year == year:
        last_day = calendar.monthrange(year, day.month)[1]
        if schedule["type"] == "daily":
            dates.append(day)
        elif schedule["type"] == "weekly":
            if WEEKDAY_NAMES[day.weekday()] in schedule["days_of_week"]:
                dates.append(day)
        elif day.day == min(schedule["day_of_month"], last_day):
            dates.append(day)
        day += timedelta(days=1)
    return dates


def expected_slot(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """Find the slot for `day` by trying each offset the zone uses around it."""
    wall = datetime.combine(day, clock)
    nearby = [wall + timedelta(hours=hours) for hours in (-36, 0, 36)]
    offsets = {moment.replace(tzinfo=zone).utcoffset() for moment in nearby}
    matches = []
    for offset in offsets:
        instant = (wall - offset).replace(tzinfo=UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            matches.append(instant)

    if matches:
        # A repeated wall time matches twice and runs at the earlier instant.
        return min(matches)

    # Inside a gap, the wall time is read with the offset from before the gap.
    before_gap = (wall - timedelta(hours=36)).replace(tzinfo=zone).utcoffset()
    return (wall - before_gap).replace(tzinfo=UTC)


@pytest.mark.parametrize("kind", YEAR_SCHEDULES)
@pytest.mark.parametrize("zone_name", ZONES)
def test_year_has_no_doubled_or_skipped_slot(zone_name, kind):
    zone = load_zone(zone_name)
    for clock in CLOCKS:
        schedule = YEAR_SCHEDULES[kind] | {"time": clock, "timezone": zone_name}
        wall_clock = time.fromisoformat(clock)
        expected_dates = calendar_dates(schedule, 2025)
        start = datetime(2025, 1, 1, tzinfo=zone) - timedelta(seconds=1)

        slots = upcoming(schedule, start, len(expected_dates))

        assert len(slots) == len(expected_dates), clock
        assert all(a < b for a, b in zip(slots, slots[1:], strict=False)), clock
        for slot, day in zip(slots, expected_dates, strict=True):
            assert slot == expected_slot(day, wall_clock, zone), (clock, day)


def test_year_zones_change_offset():
    # The year loop above proves little unless its DST zones change offset in 2025.
    for zone_name in DST_ZONES:
        zone = load_zone(zone_name)
        days = [
            datetime(2025, 1, 1, tzinfo=zone) + timedelta(days=n) for n in range(365)
        ]
        offsets = {day.utcoffset() for day in days}
        assert len(offsets) == 2, zone_name


# Strictly-after semantics, leap years and input instants.


def test_after_equal_to_slot_returns_next():
    schedule = daily("09:00", "Europe/London")

    assert next_occurrence(schedule, utc("2025-06-10T08:00:00Z")) == utc(
        "2025-06-11T08:00:00Z"
    )
    assert next_occurrence(schedule, utc("2025-06-10T07:59:59.999999Z")) == utc(
        "2025-06-10T08:00:00Z"
    )


def test_after_in_other_offset():
    schedule = daily("09:00", "Europe/London")
    after = datetime(2025, 6, 10, 3, 0, tzinfo=timezone(timedelta(hours=-5)))

    slot = next_occurrence(schedule, after)

    assert slot == utc("2025-06-11T08:00:00Z")
    assert slot.tzinfo is UTC


def test_naive_after_raises():
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(daily("09:00", "UTC"), datetime(2025, 6, 10, 8, 0))


@pytest.mark.parametrize(
    ("day", "after", "expected"),
    [
        (29, "2024-01-29T10:00:00Z", ["2024-02-29", "2024-03-29", "2024-04-29"]),
        (29, "2025-01-29T10:00:00Z", ["2025-02-28", "2025-03-29", "2025-04-29"]),
        (30, "2024-01-30T10:00:00Z", ["2024-02-29", "2024-03-30", "2024-04-30"]),
        (30, "2025-01-30T10:00:00Z", ["2025-02-28", "2025-03-30", "2025-04-30"]),
        (31, "2024-01-31T10:00:00Z", ["2024-02-29", "2024-03-31", "2024-04-30"]),
        (31, "2025-01-31T10:00:00Z", ["2025-02-28", "2025-03-31", "2025-04-30"]),
        (29, "2100-01-29T10:00:00Z", ["2100-02-28", "2100-03-29", "2100-04-29"]),
        (29, "2000-01-29T10:00:00Z", ["2000-02-29", "2000-03-29", "2000-04-29"]),
    ],
)
def test_monthly_leap_years(day, after, expected):
    slots = chain(monthly("09:00", "UTC", day), after, 3)

    assert [slot.date().isoformat() for slot in slots] == expected
    assert all(slot.time() == time(9, 0) for slot in slots)


def test_monthly_31st_full_year():
    slots = upcoming(monthly("09:00", "UTC", 31), utc("2025-01-01T00:00:00Z"), 12)

    assert [slot.day for slot in slots] == [
        31,
        28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]


def test_weekly_several_days_in_order():
    schedule = weekly("09:00", "UTC", "monday", "friday")

    slots = upcoming(schedule, utc("2025-06-04T12:00:00Z"), 4)

    assert slots == [
        utc("2025-06-06T09:00:00Z"),
        utc("2025-06-09T09:00:00Z"),
        utc("2025-06-13T09:00:00Z"),
        utc("2025-06-16T09:00:00Z"),
    ]


def test_weekly_local_weekday_not_utc():
    # 08:00 on Monday in Tokyo is 23:00 on Sunday in UTC.
    schedule = weekly("08:00", "Asia/Tokyo", "monday")

    slot = next_occurrence(schedule, utc("2025-06-04T12:00:00Z"))

    assert slot == utc("2025-06-08T23:00:00Z")


def test_upcoming_zero_is_empty():
    assert upcoming(daily("09:00", "UTC"), NOW, 0) == []


def test_upcoming_matches_chained_calls():
    schedule = monthly("09:00", "Europe/Berlin", 31)

    assert upcoming(schedule, utc("2025-01-31T08:00:00Z"), 3) == chain(
        schedule, "2025-01-31T08:00:00Z", 3
    )


# Validation: accepted input and defaults.


def test_validate_daily_returns_fields():
    raw = {"type": "daily", "time": "09:00", "timezone": "Europe/London"}

    assert validate_schedule(raw, NOW) == raw


def test_validate_accepts_utc_link():
    raw = {"type": "daily", "time": "00:00", "timezone": "UTC"}

    assert validate_schedule(raw, NOW)["timezone"] == "UTC"


def test_validate_weekday_names_normalised():
    raw = weekly("09:00", "UTC", "Friday", "MONDAY", "friday", "sunday")

    schedule = validate_schedule(raw, NOW)

    assert schedule["days_of_week"] == ["monday", "friday", "sunday"]


def test_validate_weekly_default_local_weekday():
    # 23:30 UTC on Sunday is already Monday in Berlin, still Sunday in New York.
    now = utc("2025-06-01T23:30:00Z")
    berlin = {"type": "weekly", "time": "09:00", "timezone": "Europe/Berlin"}
    new_york = berlin | {"timezone": "America/New_York"}

    assert validate_schedule(berlin, now) == berlin | {"days_of_week": ["monday"]}
    assert validate_schedule(new_york, now)["days_of_week"] == ["sunday"]


def test_validate_monthly_default_local_day():
    now = utc("2025-01-31T23:30:00Z")
    berlin = {"type": "monthly", "time": "09:00", "timezone": "Europe/Berlin"}
    new_york = berlin | {"timezone": "America/New_York"}

    assert validate_schedule(berlin, now) == berlin | {"day_of_month": 1}
    assert validate_schedule(new_york, now)["day_of_month"] == 31


def test_validate_accepts_camel_case_aliases():
    weekly_raw = {"type": "weekly", "time": "09:00", "timezone": "UTC"}
    monthly_raw = {"type": "monthly", "time": "09:00", "timezone": "UTC"}

    weekly_schedule = validate_schedule(weekly_raw | {"daysOfWeek": ["Tuesday"]}, NOW)
    monthly_schedule = validate_schedule(monthly_raw | {"dayOfMonth": 15}, NOW)

    assert weekly_schedule == weekly_raw | {"days_of_week": ["tuesday"]}
    assert monthly_schedule == monthly_raw | {"day_of_month": 15}


@pytest.mark.parametrize("day", [1, 28, 31])
def test_validate_day_of_month_bounds(day):
    raw = monthly("09:00", "UTC", day)

    assert validate_schedule(raw, NOW)["day_of_month"] == day


@pytest.mark.parametrize("clock", ["00:00", "09:05", "12:30", "23:59"])
def test_validate_time_accepted(clock):
    assert validate_schedule(daily(clock, "UTC"), NOW)["time"] == clock


# Validation: rejected input.


@pytest.mark.parametrize("raw", [None, [], "daily", 5, ["type", "daily"]])
def test_validate_non_object_rejected(raw):
    assert list(problems(raw)) == ["schedule"]


def test_validate_missing_fields_named():
    details = problems({})

    assert set(details) == {"schedule.type", "schedule.time", "schedule.timezone"}
    assert "daily, weekly or monthly" in details["schedule.type"]


@pytest.mark.parametrize("kind", ["hourly", "Daily", "", None, 1])
def test_validate_type_rejected(kind):
    details = problems(daily("09:00", "UTC") | {"type": kind})

    assert list(details) == ["schedule.type"]
    assert "daily, weekly or monthly" in details["schedule.type"]


@pytest.mark.parametrize(
    ("clock", "example"), [("9:00", "09:00"), ("9:5", "09:05"), ("09:5", "09:05")]
)
def test_validate_time_hints_two_digits(clock, example):
    details = problems(daily(clock, "UTC"))

    assert f"Use two digits, for example {example}." in details["schedule.time"]


@pytest.mark.parametrize(
    "clock",
    [
        "24:00",
        "12:60",
        "09:00:00",
        "0900",
        "",
        " 09:00",
        "09:00 ",
        "09:00\n",
        "09.00",
        "9am",
        "\u0660\u0669:\u0660\u0660",
        "-1:00",
        900,
        None,
        ["09:00"],
    ],
)
def test_validate_time_rejected(clock):
    details = problems(daily(clock, "UTC"))

    assert list(details) == ["schedule.time"]
    assert "HH:MM" in details["schedule.time"]


@pytest.mark.parametrize(
    ("zone", "suggestion"),
    [
        ("europe/london", "Europe/London"),
        ("EUROPE/LONDON", "Europe/London"),
        (" Europe/London", "Europe/London"),
        ("Europe/London\n", "Europe/London"),
        ("utc", "UTC"),
    ],
)
def test_validate_timezone_suggests_spelling(zone, suggestion):
    details = problems(daily("09:00", zone))

    assert list(details) == ["schedule.timezone"]
    assert f"Did you mean {suggestion}?" in details["schedule.timezone"]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", " ", "Europe", "GMT+25", None, 0])
def test_validate_timezone_unknown_rejected(zone):
    details = problems(daily("09:00", zone))

    assert list(details) == ["schedule.timezone"]
    assert "not found" in details["schedule.timezone"]
    assert "IANA" in details["schedule.timezone"]


def test_validate_unknown_field_rejected():
    details = problems(daily("09:00", "UTC") | {"interval": 5})

    assert list(details) == ["schedule.interval"]
    assert "Unknown field" in details["schedule.interval"]


def test_validate_days_on_daily_rejected():
    details = problems(daily("09:00", "UTC") | {"days_of_week": ["monday"]})

    assert list(details) == ["schedule.days_of_week"]
    assert "days_of_week is not allowed on a daily" in details["schedule.days_of_week"]


def test_validate_day_of_month_on_weekly_rejected():
    raw = {"type": "weekly", "time": "09:00", "timezone": "UTC", "dayOfMonth": 3}

    details = problems(raw)

    assert list(details) == ["schedule.dayOfMonth"]
    assert "dayOfMonth is not allowed on a weekly" in details["schedule.dayOfMonth"]


def test_validate_day_of_month_on_daily_rejected():
    details = problems(daily("09:00", "UTC") | {"day_of_month": 3})

    assert list(details) == ["schedule.day_of_month"]


def test_validate_days_on_monthly_rejected():
    details = problems(monthly("09:00", "UTC", 3) | {"days_of_week": ["monday"]})

    assert list(details) == ["schedule.days_of_week"]


def test_validate_both_spellings_rejected():
    raw = weekly("09:00", "UTC", "monday") | {"daysOfWeek": ["friday"]}

    details = problems(raw)

    assert list(details) == ["schedule.daysOfWeek"]
    assert "schedule.days_of_week" in details["schedule.daysOfWeek"]


@pytest.mark.parametrize("days", [[], "monday", None, {"monday": True}])
def test_validate_days_of_week_shape_rejected(days):
    details = problems(weekly("09:00", "UTC") | {"days_of_week": days})

    assert list(details) == ["schedule.days_of_week"]


def test_validate_bad_weekdays_named_by_index():
    raw = weekly("09:00", "UTC") | {"days_of_week": ["monday", "funday", 3, " friday"]}

    details = problems(raw)

    assert list(details) == [
        "schedule.days_of_week[1]",
        "schedule.days_of_week[2]",
        "schedule.days_of_week[3]",
    ]
    assert "funday" in details["schedule.days_of_week[1]"]


@pytest.mark.parametrize("day", [0, 32, -1, True, False, 1.0, "5", None])
def test_validate_day_of_month_rejected(day):
    details = problems(monthly("09:00", "UTC", 1) | {"day_of_month": day})

    assert list(details) == ["schedule.day_of_month"]
    assert "1 to 31" in details["schedule.day_of_month"]


def test_validate_collects_every_problem():
    raw = {
        "type": "hourly",
        "time": "9:00",
        "timezone": "europe/london",
        "color": "red",
        "days_of_week": ["funday"],
    }

    details = problems(raw)

    assert set(details) == {
        "schedule.type",
        "schedule.time",
        "schedule.timezone",
        "schedule.color",
        "schedule.days_of_week[0]",
    }


def test_validate_uses_field_prefix():
    details = problems({"type": "daily", "time": "9:00"}, "automation.schedule")

    assert set(details) == {"automation.schedule.time", "automation.schedule.timezone"}


def test_validate_error_message_names_fields():
    with pytest.raises(ValidationFailed) as caught:
        validate_schedule(daily("9:00", "UTC"), NOW)

    assert caught.value.status == 400
    assert "schedule.time" in caught.value.message


# Descriptions.


@pytest.mark.parametrize(
    ("schedule", "sentence"),
    [
        (daily("09:00", "Europe/London"), "Daily at 09:00 (Europe/London)"),
        (
            weekly("09:00", "UTC", "monday"),
            "Weekly on Monday at 09:00 (UTC)",
        ),
        (
            weekly("09:00", "UTC", "monday", "friday"),
            "Weekly on Monday and Friday at 09:00 (UTC)",
        ),
        (
            weekly("18:30", "Asia/Tokyo", "monday", "wednesday", "friday"),
            "Weekly on Monday, Wednesday and Friday at 18:30 (Asia/Tokyo)",
        ),
        (
            monthly("09:00", "Europe/Berlin", 15),
            "Monthly on day 15 at 09:00 (Europe/Berlin)",
        ),
        (
            monthly("09:00", "Europe/Berlin", 31),
            "Monthly on day 31 at 09:00 (Europe/Berlin); "
            "on the last day in shorter months",
        ),
        (
            monthly("09:00", "UTC", 29),
            "Monthly on day 29 at 09:00 (UTC); on the last day in shorter months",
        ),
    ],
)
def test_describe_sentences(schedule, sentence):
    assert describe(schedule) == sentence


def test_load_zone_cached_by_key():
    zone = load_zone("Europe/London")

    assert zone.key == "Europe/London"
    assert load_zone("Europe/London") is zone
