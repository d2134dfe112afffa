"""The calendar: upcoming runs of the next 30 days and past posts, by day in the
viewer's timezone."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from litestar import Request, get
from litestar.response import Template

from smartshare import automations, clock
from smartshare.errors import BadRequest
from smartshare.schedule import load_zone, next_occurrence
from smartshare.web.helpers import page, require_user, viewer_zone

UPCOMING_DAYS = 30
WEEKS_SHOWN = 6
POSTS_SHOWN = 1000
# Computing every slot costs about 30 schedule steps per daily automation, so
# the calendar covers the first automations only.
AUTOMATIONS_SHOWN = 200


@get("/calendar", sync_to_thread=True)
def calendar_page(request: Request, start: str = "") -> Template:
    user = require_user(request)
    zone = load_zone(viewer_zone(request))
    now = clock.now()
    today = now.astimezone(zone).date()
    first = _monday(_parse_start(start) if start else today - timedelta(days=7))
    last = first + timedelta(weeks=WEEKS_SHOWN) - timedelta(days=1)

    db = request.app.state.db
    active = [
        row for row in automations.list_automations(db, user["id"]) if row["active"]
    ]
    runs = _upcoming_runs(active[:AUTOMATIONS_SHOWN], now, zone)
    posts = _posts_by_day(db, user["id"], first, last, zone)
    days = [
        _day(first + timedelta(days=offset), today, runs, posts)
        for offset in range((last - first).days + 1)
    ]
    return page(
        request,
        user,
        "calendar.html",
        title="Calendar",
        days=days,
        earlier=(first - timedelta(weeks=WEEKS_SHOWN)).isoformat(),
        later=(first + timedelta(weeks=WEEKS_SHOWN)).isoformat(),
        first=first,
        last=last,
        omitted=max(0, len(active) - AUTOMATIONS_SHOWN),
        shown_limit=AUTOMATIONS_SHOWN,
    )


def _parse_start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            f"Invalid start date {text[:20]!r}: use YYYY-MM-DD, such as 2026-01-05."
        ) from None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _upcoming_runs(rows: list[dict[str, Any]], now: datetime, zone) -> dict:
    """Group the slots of the automations in the next 30 days by local date."""
    end = now + timedelta(days=UPCOMING_DAYS)
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        schedule = json.loads(row["schedule"])
        slot = next_occurrence(schedule, now)
        while slot <= end:
            local = slot.astimezone(zone)
            by_day[local.date()].append({"at": local, "automation": row})
            slot = next_occurrence(schedule, slot)
    for entries in by_day.values():
        entries.sort(key=lambda entry: entry["at"])
    return by_day


def _posts_by_day(db, user_id: str, first: date, last: date, zone) -> dict:
    # Widen the UTC range by a day on each side, because local dates straddle it.
    since = clock.to_db(datetime.combine(first - timedelta(days=1), time(), UTC))
    until = clock.to_db(datetime.combine(last + timedelta(days=2), time(), UTC))
    rows = db.all(
        "SELECT id, instagram_username, status, created_at, "
        "COALESCE(published_at, created_at) AS shown_at FROM posts "
        "WHERE user_id = ? AND created_at >= ? AND created_at < ? "
        "ORDER BY created_at LIMIT ?",
        (user_id, since, until, POSTS_SHOWN),
    )
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        local = clock.parse(row["shown_at"]).astimezone(zone)
        by_day[local.date()].append({**row, "at": local})
    return by_day


def _day(day: date, today: date, runs: dict, posts: dict) -> dict[str, Any]:
    return {
        "date": day,
        "today": day == today,
        "past": day < today,
        "runs": runs.get(day, []),
        "posts": posts.get(day, []),
    }
