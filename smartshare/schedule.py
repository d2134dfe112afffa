"""Schedules: validation of client input, the next occurrence and a description.

A schedule is `{"type", "time", "timezone"}` plus `days_of_week` (weekly) or
`day_of_month` (monthly). A slot is the schedule's wall-clock time on one
matching local date. Every function here is pure.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from smartshare.errors import ValidationFailed, field_error

TYPES = ("daily", "weekly", "monthly")
# Listed in `date.weekday()` order, so Monday sorts first.
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
FIELDS = ("type", "time", "timezone", "days_of_week", "day_of_month")
ALIASES = {"daysOfWeek": "days_of_week", "dayOfMonth": "day_of_month"}
DAY_FIELD_TYPES = {"days_of_week": "weekly", "day_of_month": "monthly"}

# [0-9] rather than \d, which also matches non-ASCII digits.
TIME_PATTERN = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
SHORT_TIME_PATTERN = re.compile(r"([0-9]{1,2}):([0-9]{1,2})")
FIELD_HINTS = {
    "type": "Use daily, weekly or monthly.",
    "time": "Use 24-hour HH:MM, for example 09:00.",
    "timezone": "Use an IANA timezone name such as Europe/London or UTC.",
}

# Local dates that next_occurrence checks before it gives up. The maximum
# interval between two slots is 31 days (monthly on the 31st, from Feb 28 to
# Mar 31). The search starts one day before `after`, so 64 leaves a wide margin.
SEARCH_DAYS = 64

FieldErrors = list[dict[str, str]]


@functools.cache
def timezone_names() -> frozenset[str]:
    """Return the accepted timezone keys, cached because listing them reads files.

    `localtime` (the host's own zone) and `Factory` are left out: they are not
    places, and `localtime` would make installs disagree.
    """
    return frozenset(available_timezones()) - {"localtime", "Factory"}


@functools.cache
def _timezone_names_by_casefold() -> dict[str, str]:
    return {name.casefold(): name for name in timezone_names()}


@functools.cache
def load_zone(key: str) -> ZoneInfo:
    """Load `key` from the tzdata package, so that every install uses the same
    rules whatever its system database contains.

    Keys that tzdata lacks, such as the system's `localtime`, come from the
    system database.
    """
    resource = files("tzdata.zoneinfo").joinpath(*key.split("/"))
    if not resource.is_file():
        return ZoneInfo(key)

    with resource.open("rb") as data:
        return ZoneInfo.from_file(data, key=key)


def validate_schedule(
    raw: object, now: datetime, field_prefix: str = "schedule"
) -> dict[str, Any]:
    """Check a client's schedule and return it normalised with defaults filled.

    A weekly schedule without days defaults to the weekday of `now` in the
    schedule's timezone, and a monthly one to the day of the month of `now`.
    Raises ValidationFailed listing every problem found.
    """
    if not isinstance(raw, dict):
        message = "Must be an object with type, time and timezone."
        raise ValidationFailed([field_error(field_prefix, message)])

    errors: FieldErrors = []
    fields_by_name = _read_keys(raw, field_prefix, errors)
    schedule = _read_required(fields_by_name, field_prefix, errors)
    schedule |= _read_day_fields(fields_by_name, schedule["type"], errors)

    if errors:
        raise ValidationFailed(errors)
    _fill_defaults(schedule, now)
    return schedule


def _read_keys(
    raw: dict, prefix: str, errors: FieldErrors
) -> dict[str, tuple[str, Any]]:
    """Map each snake_case field name to the path the client used and its value."""
    fields_by_name: dict[str, tuple[str, Any]] = {}
    for key, value in raw.items():
        name = ALIASES.get(key, key)
        path = f"{prefix}.{key}"
        if name not in FIELDS:
            message = f"Unknown field. Allowed fields: {', '.join(FIELDS)}."
            errors.append(field_error(path, message))
        elif name in fields_by_name:
            message = (
                f"Same field as {fields_by_name[name][0]}. Send only one spelling."
            )
            errors.append(field_error(path, message))
        else:
            fields_by_name[name] = (path, value)
    return fields_by_name


def _read_required(
    fields_by_name: dict, prefix: str, errors: FieldErrors
) -> dict[str, Any]:
    checks = {"type": _check_type, "time": _check_time, "timezone": _check_timezone}
    values = {}
    for name, check in checks.items():
        if name in fields_by_name:
            values[name] = check(*fields_by_name[name], errors)
        else:
            message = f"Missing {name}. {FIELD_HINTS[name]}"
            errors.append(field_error(f"{prefix}.{name}", message))
            values[name] = None
    return values


def _check_type(path: str, value: object, errors: FieldErrors) -> str | None:
    if isinstance(value, str) and value in TYPES:
        return value

    message = f"Invalid schedule type {value!r}. {FIELD_HINTS['type']}"
    errors.append(field_error(path, message))
    return None


def _check_time(path: str, value: object, errors: FieldErrors) -> str | None:
    if isinstance(value, str) and TIME_PATTERN.fullmatch(value):
        return value

    message = f"Invalid time {value!r}. Use 24-hour HH:MM from 00:00 to 23:59."
    short = SHORT_TIME_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if short and int(short[1]) < 24 and int(short[2]) < 60:
        example = f"{int(short[1]):02d}:{int(short[2]):02d}"
        message = f"Invalid time {value!r}. Use two digits, for example {example}."
    errors.append(field_error(path, message))
    return None


def _check_timezone(path: str, value: object, errors: FieldErrors) -> str | None:
    if isinstance(value, str) and value in timezone_names():
        return value

    message = f"Timezone {value!r} not found. {FIELD_HINTS['timezone']}"
    if isinstance(value, str):
        match = _timezone_names_by_casefold().get(value.strip().casefold())
        if match:
            message = f"Invalid timezone {value!r}. Did you mean {match}?"
    errors.append(field_error(path, message))
    return None


def _read_day_fields(
    fields_by_name: dict, kind: str | None, errors: FieldErrors
) -> dict[str, Any]:
    """Check days_of_week and day_of_month, each only on its own schedule type."""
    checks = {"days_of_week": _check_days_of_week, "day_of_month": _check_day_of_month}
    checked = {}
    for name, check in checks.items():
        if name not in fields_by_name:
            continue
        path, value = fields_by_name[name]
        owner = DAY_FIELD_TYPES[name]
        if kind is not None and kind != owner:
            key = path.rpartition(".")[2]
            message = (
                f"{key} is not allowed on a {kind} schedule, only on a {owner} one. "
                "Remove it or change the type."
            )
            errors.append(field_error(path, message))
        else:
            checked[name] = check(path, value, errors)
    return checked


def _check_days_of_week(
    path: str, value: object, errors: FieldErrors
) -> list[str] | None:
    if not isinstance(value, list) or not value:
        message = 'Must be a non-empty list of weekday names, such as ["monday"].'
        errors.append(field_error(path, message))
        return None

    days = set()
    for index, item in enumerate(value):
        day = item.lower() if isinstance(item, str) else None
        if day in WEEKDAYS:
            days.add(day)
        else:
            message = f"Invalid weekday {item!r}. Use {_join_names(WEEKDAYS, 'or')}."
            errors.append(field_error(f"{path}[{index}]", message))
    return sorted(days, key=WEEKDAYS.index)


def _check_day_of_month(path: str, value: object, errors: FieldErrors) -> int | None:
    # bool is a subclass of int, and JSON true is not a day.
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 31:
        return value

    message = f"Invalid day of month {value!r}. Use a whole number from 1 to 31."
    errors.append(field_error(path, message))
    return None


def _fill_defaults(schedule: dict[str, Any], now: datetime) -> None:
    local_now = now.astimezone(load_zone(schedule["timezone"]))
    if schedule["type"] == "weekly":
        schedule.setdefault("days_of_week", [WEEKDAYS[local_now.weekday()]])
    if schedule["type"] == "monthly":
        schedule.setdefault("day_of_month", local_now.day)


def next_occurrence(schedule: dict[str, Any], after: datetime) -> datetime:
    """Return the first slot strictly after the aware instant `after`, in UTC.

    Each slot's wall time is read with fold=0. For a time that occurs twice
    (fall back) that is the first occurrence. For a time inside a spring-forward
    gap it applies the offset from before the gap, which moves the slot forward
    by the gap's length: 02:30 in a one-hour gap runs at 03:30.
    """
    if after.utcoffset() is None:
        raise ValueError(f"after must be an aware datetime, got {after!r}")

    zone = load_zone(schedule["timezone"])
    wall_time = time.fromisoformat(schedule["time"])
    # A gap that starts before midnight pushes the slot of the previous local
    # date into the local date of `after`.
    first_day = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if not _runs_on(schedule, day):
            continue
        slot = datetime.combine(day, wall_time, tzinfo=zone).astimezone(UTC)
        if slot > after:
            return slot

    raise ValueError(f"schedule {schedule!r} has no slot within {SEARCH_DAYS} days")


def _runs_on(schedule: dict[str, Any], day: date) -> bool:
    kind = schedule["type"]
    if kind == "weekly":
        return WEEKDAYS[day.weekday()] in schedule["days_of_week"]
    if kind == "monthly":
        last_day = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(schedule["day_of_month"], last_day)
    return True


def upcoming(schedule: dict[str, Any], after: datetime, count: int) -> list[datetime]:
    """Return the next `count` slots after `after`, in UTC and in order."""
    slots = []
    slot = after
    for _ in range(count):
        slot = next_occurrence(schedule, slot)
        slots.append(slot)
    return slots


def describe(schedule: dict[str, Any]) -> str:
    """Return a sentence such as "Daily at 09:00 (Europe/London)"."""
    at = f"at {schedule['time']} ({schedule['timezone']})"
    kind = schedule["type"]
    if kind == "weekly":
        days = [day.capitalize() for day in schedule["days_of_week"]]
        return f"Weekly on {_join_names(days, 'and')} {at}"
    if kind == "monthly":
        day = schedule["day_of_month"]
        text = f"Monthly on day {day} {at}"
        return f"{text}; on the last day in shorter months" if day > 28 else text
    return f"Daily {at}"


def _join_names(names: Sequence[str], conjunction: str) -> str:
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
