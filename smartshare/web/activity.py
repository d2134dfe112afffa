"""Activity: published and failed posts per day over the last 30 days, drawn on
the server as an inline SVG bar chart."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from litestar import Request, get
from litestar.response import Template

from smartshare import clock
from smartshare.schedule import load_zone
from smartshare.web.helpers import page, require_user, viewer_zone

DAYS = 30
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 24, 16, 36
LABEL_EVERY = 5


@dataclass
class DayCount:
    day: date
    published: int
    failed: int


@get("/activity", sync_to_thread=True)
def activity_page(request: Request) -> Template:
    user = require_user(request)
    zone = load_zone(viewer_zone(request))
    today = clock.now().astimezone(zone).date()
    counts = daily_counts(request.app.state.db, user["id"], today, zone)
    return page(
        request,
        user,
        "activity.html",
        title="Activity",
        counts=counts,
        chart=chart(counts),
        published=sum(count.published for count in counts),
        failed=sum(count.failed for count in counts),
    )


def daily_counts(db, user_id: str, today: date, zone) -> list[DayCount]:
    """Count posts published, and posts that failed, on each of the last 30 days.

    A failed post counts on the day of its last change, when its final attempt
    failed.
    """
    first = today - timedelta(days=DAYS - 1)
    since = clock.to_db(datetime.combine(first - timedelta(days=1), time(), UTC))
    published = _local_days(
        db,
        "SELECT published_at FROM posts WHERE user_id = ? AND status = 'published' "
        "AND published_at >= ?",
        (user_id, since),
        zone,
    )
    failed = _local_days(
        db,
        "SELECT updated_at FROM posts WHERE user_id = ? AND status = 'failed' "
        "AND updated_at >= ?",
        (user_id, since),
        zone,
    )
    days = [first + timedelta(days=offset) for offset in range(DAYS)]
    return [DayCount(day, published[day], failed[day]) for day in days]


def _local_days(db, sql: str, params: tuple, zone) -> Counter:
    rows = db.conn.execute(sql, params).fetchall()
    return Counter(clock.parse(row[0]).astimezone(zone).date() for row in rows)


def chart(counts: list[DayCount]) -> dict:
    """Lay out the bars, the y-axis ticks and the date labels in SVG units."""
    top_value = max([1] + [max(c.published, c.failed) for c in counts])
    step = _tick_step(top_value)
    ceiling = step * math.ceil(top_value / step)
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(counts)
    bar = slot * 0.38

    def y(value: int) -> float:
        return TOP + plot_height * (1 - value / ceiling)

    bars = []
    for index, count in enumerate(counts):
        x = LEFT + index * slot + slot * 0.1
        label = f"{count.day:%a} {count.day.day} {count.day:%b}"
        bars.append(
            {
                "label_x": round(x + slot * 0.4, 1),
                "label": label,
                "show_label": index % LABEL_EVERY == 0 or index == len(counts) - 1,
                "published": _bar(x, y(count.published), count.published, bar),
                "failed": _bar(x + bar, y(count.failed), count.failed, bar),
                "count": count,
            }
        )
    ticks = [{"value": v, "y": y(v)} for v in range(0, ceiling + 1, step)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "base": TOP + plot_height,
        "bars": bars,
        "ticks": ticks,
        "slot": slot,
    }


def _bar(x: float, top: float, value: int, width: float) -> dict:
    base = HEIGHT - BOTTOM
    return {
        "x": round(x, 1),
        "y": round(top, 1),
        "w": round(width, 1),
        "h": round(base - top, 1),
        "value": value,
    }


def _tick_step(top_value: int) -> int:
    """Return a step of 1, 2 or 5 times a power of ten giving at most 5 ticks."""
    magnitude = 10 ** max(0, len(str(top_value)) - 1)
    for factor in (1, 2, 5, 10):
        if top_value / (factor * magnitude) <= 5:
            return factor * magnitude
    return 10 * magnitude
