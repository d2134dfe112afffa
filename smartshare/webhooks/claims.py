"""Claiming deliveries for an attempt, and failing those that wait.

A delivery goes from `pending` to `queued` (claimed, its task enqueued) to
`sending` (the task started), then to `succeeded`, `failed`, or `pending` again
with a later next_attempt_at. The claimed attempt number is a token: a task
whose number no longer matches the row does nothing, so a duplicated task sends
nothing twice.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from smartshare import clock
from smartshare.db import Database

DISABLED_PENDING = "Not sent: the endpoint was disabled before this delivery was sent."
GONE_PENDING = "Not sent: the endpoint was disabled after its receiver responded 410."

# The earliest due delivery of each enabled endpoint that has none in flight.
# Endpoints whose last attempt failed come last, so a dead receiver takes a
# free slot only when no healthy endpoint is waiting.
DUE_DELIVERIES = """
SELECT d.id FROM webhook_endpoints AS w
JOIN deliveries AS d ON d.id = (
    SELECT c.id FROM deliveries AS c
    WHERE c.endpoint_id = w.id AND c.status = 'pending' AND c.next_attempt_at <= ?
    ORDER BY c.next_attempt_at, c.created_at LIMIT 1
)
WHERE w.enabled = 1 AND NOT EXISTS (
    SELECT 1 FROM deliveries AS b
    WHERE b.endpoint_id = w.id AND b.status IN ('queued', 'sending')
)
ORDER BY w.consecutive_failures > 0, d.next_attempt_at
LIMIT ?
"""


def claim_due(
    db: Database, moment: datetime, max_in_flight: int
) -> list[tuple[str, int]]:
    """Claim due deliveries and return (delivery id, attempt number) pairs.

    At most one delivery per endpoint and `max_in_flight` in all are queued or
    sending at a time.
    """
    with db.write() as conn:
        busy = conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE status IN ('queued', 'sending')"
        ).fetchone()[0]
        if busy >= max_in_flight:
            return []
        due = conn.execute(DUE_DELIVERIES, (clock.to_db(moment), max_in_flight - busy))
        return [_claim(conn, row[0]) for row in due.fetchall()]


def fail_pending(
    conn: sqlite3.Connection, endpoint_id: str, reason: str, moment: str
) -> None:
    """Fail the endpoint's deliveries that wait for an attempt.

    A queued delivery has not been sent, so its claim is undone, and its task
    then finds the row changed and sends nothing.
    """
    conn.execute(
        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, "
        "attempt_count = attempt_count - (status = 'queued'), last_error = ?, "
        "finished_at = ? WHERE endpoint_id = ? AND status IN ('pending', 'queued')",
        (reason, moment, endpoint_id),
    )


def _claim(conn: sqlite3.Connection, delivery_id: str) -> tuple[str, int]:
    row = conn.execute(
        "UPDATE deliveries SET status = 'queued', next_attempt_at = NULL, "
        "attempt_count = attempt_count + 1 WHERE id = ? RETURNING attempt_count",
        (delivery_id,),
    ).fetchone()
    return delivery_id, row[0]
