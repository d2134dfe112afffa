"""The scheduler tick: claim due automations, record one run per slot, recover.

The database is the source of truth. The queue only carries ids, so a task
lost on shutdown is found again here from the rows it left behind.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from smartshare import clock
from smartshare.db import Database
from smartshare.schedule import next_occurrence

logger = logging.getLogger(__name__)
CLAIM_BATCH = 1000
MAX_MISSED_SLOTS = 1000


def plan_slots(
    slots: list[datetime], moment: datetime, catch_up_minutes: int
) -> tuple[datetime | None, list[datetime]]:
    """Split past-due slots into the one to run and the ones to record as missed.

    Only the latest slot may run, and only when it is within the catch-up
    window, so a long outage never produces a burst of posts.
    """
    if not slots:
        return None, []
    latest = slots[-1]
    if moment - latest <= timedelta(minutes=catch_up_minutes):
        return latest, slots[:-1]
    return None, slots


def due_slots(schedule: dict, first: datetime, moment: datetime) -> list[datetime]:
    slots = []
    slot = first
    while slot <= moment and len(slots) < MAX_MISSED_SLOTS:
        slots.append(slot)
        slot = next_occurrence(schedule, slot)
    return slots


def claim_due(db: Database, catch_up_minutes: int, moment: datetime) -> list[str]:
    """Record runs for every due automation and advance it; return runs to queue."""
    queued: list[str] = []
    while True:
        with db.write() as conn:
            due = conn.execute(
                "SELECT id, user_id, schedule, next_scheduled_at FROM automations "
                "WHERE active = 1 AND next_scheduled_at <= ? "
                "ORDER BY next_scheduled_at LIMIT ?",
                (clock.to_db(moment), CLAIM_BATCH),
            ).fetchall()
            for automation in due:
                queued += _claim_one(conn, dict(automation), catch_up_minutes, moment)
        if len(due) < CLAIM_BATCH:
            return queued


def _claim_one(conn, automation: dict[str, Any], catch_up_minutes: int, moment):
    schedule = json.loads(automation["schedule"])
    slots = due_slots(schedule, clock.parse(automation["next_scheduled_at"]), moment)
    to_run, missed = plan_slots(slots, moment, catch_up_minutes)
    for slot in missed:
        _insert_run(conn, automation, slot, "missed", moment)
    if missed:
        logger.warning(
            "automation %s missed %d slot(s) while SmartShare was down",
            automation["id"],
            len(missed),
        )
    conn.execute(
        "UPDATE automations SET next_scheduled_at = ? WHERE id = ?",
        (clock.to_db(next_occurrence(schedule, moment)), automation["id"]),
    )
    if to_run is None:
        return []
    run_id = _insert_run(conn, automation, to_run, "queued", moment)
    return [run_id] if run_id else []


def _insert_run(conn, automation, slot: datetime, status: str, moment) -> str | None:
    run_id = str(uuid.uuid4())
    inserted = conn.execute(
        "INSERT OR IGNORE INTO runs (id, automation_id, user_id, scheduled_for, "
        "trigger, status, error, created_at) VALUES (?, ?, ?, ?, 'schedule', ?, ?, ?)",
        (
            run_id,
            automation["id"],
            automation["user_id"],
            clock.to_db(slot),
            status,
            "SmartShare was not running at this time." if status == "missed" else None,
            clock.to_db(moment),
        ),
    ).rowcount
    return run_id if inserted else None


def recover_after_restart(db: Database) -> list[str]:
    """Return the runs to queue again after the process stopped mid-task.

    A run left `running` starts over (generation has no outside effect until the
    post is stored). A post left `publishing` is attempted again; the publisher
    resumes from the container and media ids already committed.
    """
    moment = clock.now_db()
    with db.write() as conn:
        conn.execute(
            "UPDATE runs SET status = 'queued', started_at = NULL "
            "WHERE status = 'running'"
        )
        conn.execute("UPDATE automations SET status = 'idle' WHERE status = 'running'")
        conn.execute(
            "UPDATE posts SET next_attempt_at = ? "
            "WHERE status = 'publishing' AND next_attempt_at IS NULL",
            (moment,),
        )
        runs = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM runs WHERE status = 'queued' ORDER BY created_at"
            )
        ]
    return runs


def claim_due_posts(db: Database, moment: datetime) -> list[tuple[str, int]]:
    """Claim posts whose publish attempt is due; return (post id, attempt number)."""
    with db.write() as conn:
        rows = conn.execute(
            "UPDATE posts SET status = 'publishing', next_attempt_at = NULL, "
            "publish_attempts = publish_attempts + 1, updated_at = ? "
            "WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? "
            "AND status IN ('ready', 'publishing', 'failed') "
            "RETURNING id, publish_attempts",
            (clock.to_db(moment), clock.to_db(moment)),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]
