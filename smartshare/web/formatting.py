"""Template filters: the words for states and the format of instants."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from smartshare import clock
from smartshare.schedule import describe, load_zone

POST_STATUS_WORDS = {
    "ready": "Waiting to be published",
    "publishing": "Publishing",
    "published": "Published",
    "failed": "Failed",
}
RUN_STATUS_WORDS = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Post created",
    "failed": "Failed",
    "missed": "Missed while the server was down",
}

DELIVERY_STATUS_WORDS = {
    "pending": "Waiting to be sent",
    "queued": "Queued",
    "sending": "Sending",
    "succeeded": "Delivered",
    "failed": "Failed",
}


def instant(text: str | None, zone: str = "UTC") -> str:
    """Format a stored UTC instant as a short date and time in `zone`."""
    if not text:
        return "—"
    return format_moment(clock.parse(text).astimezone(load_zone(zone)))


def format_moment(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} {moment.tzname()}"


def api_time(text: str | None) -> str:
    """Return the ISO 8601 form for a `<time datetime>` attribute."""
    return clock.to_api(text) or ""


def schedule_text(schedule: str | dict[str, Any]) -> str:
    if isinstance(schedule, str):
        schedule = json.loads(schedule)
    return describe(schedule)


def automation_state(automation: dict[str, Any]) -> tuple[str, str]:
    """Return the words and the CSS modifier for an automation's state."""
    if not automation["active"]:
        return "Stopped", "stopped"
    if automation["status"] == "running":
        return "Running", "running"
    if automation["status"] == "error":
        return "Last run failed", "failed"
    return "Active", "active"


def post_status(status: str) -> str:
    return POST_STATUS_WORDS.get(status, status)


def run_status(status: str) -> str:
    return RUN_STATUS_WORDS.get(status, status)


def delivery_status(status: str) -> str:
    return DELIVERY_STATUS_WORDS.get(status, status)


def event_list(stored: str | None) -> str:
    """Return an endpoint's event filter as text, where no filter means every event."""
    if not stored:
        return "All events"
    return ", ".join(json.loads(stored))


def shorten(text: str | None, length: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


FILTERS = {
    "instant": instant,
    "api_time": api_time,
    "schedule_text": schedule_text,
    "automation_state": automation_state,
    "post_status": post_status,
    "run_status": run_status,
    "delivery_status": delivery_status,
    "event_list": event_list,
    "shorten": shorten,
}
