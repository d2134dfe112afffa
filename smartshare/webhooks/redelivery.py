"""Sending deliveries again: on request, and after a process stopped mid-attempt."""

from __future__ import annotations

import uuid
from typing import Any

from smartshare import clock
from smartshare.db import Database, insert
from smartshare.errors import Conflict, NotFound
from smartshare.webhooks.claims import DISABLED_PENDING, fail_pending
from smartshare.webhooks.history import parse_delivery_id

INTERRUPTED = (
    "SmartShare stopped before this attempt finished, so the receiver may or may "
    "not have received it. The delivery is sent again."
)


def redeliver(
    db: Database, endpoint: dict[str, Any], delivery_id: str
) -> dict[str, Any]:
    """Make the delivery due now with a fresh attempt budget.

    The row is reused, so the receiver gets the same webhook-id and body, and
    the earlier attempts stay in its history.
    """
    delivery_id = parse_delivery_id(delivery_id)
    if not endpoint["enabled"]:
        raise Conflict(
            f"Webhook {endpoint['id']} is disabled. Enable it with PATCH "
            '{"enabled": true} before redelivering.'
        )

    with db.write() as conn:
        row = conn.execute(
            "UPDATE deliveries SET status = 'pending', attempt_count = 0, "
            "next_attempt_at = ?, finished_at = NULL "
            "WHERE id = ? AND endpoint_id = ? AND status NOT IN ('queued', 'sending') "
            "RETURNING *",
            (clock.now_db(), delivery_id, endpoint["id"]),
        ).fetchone()
        if row is None:
            _raise_missing_or_busy(conn, endpoint["id"], delivery_id)
    return dict(row)


def recover_in_flight(db: Database) -> int:
    """Make deliveries that a stopped process left claimed due again.

    Returns how many were re-armed. A queued delivery was never sent, so its
    claim is undone. A sending one may have reached the receiver, so its attempt
    is recorded as interrupted and counts toward the attempt budget.
    """
    moment = clock.now_db()
    with db.write() as conn:
        queued = conn.execute(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, "
            "attempt_count = attempt_count - 1 WHERE status = 'queued'",
            (moment,),
        ).rowcount
        sending = conn.execute(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, "
            "last_status_code = NULL, last_error = ? WHERE status = 'sending' "
            "RETURNING id, endpoint_id",
            (moment, INTERRUPTED),
        ).fetchall()
        for row in sending:
            _insert_interrupted(conn, row["id"], moment)
        _fail_disabled(conn, {row["endpoint_id"] for row in sending}, moment)
    return queued + len(sending)


def _raise_missing_or_busy(conn, endpoint_id: str, delivery_id: str) -> None:
    found = conn.execute(
        "SELECT status FROM deliveries WHERE id = ? AND endpoint_id = ?",
        (delivery_id, endpoint_id),
    ).fetchone()
    if found is None:
        raise NotFound(f"Delivery {delivery_id} not found for webhook {endpoint_id}.")
    raise Conflict(
        f"Delivery {delivery_id} is being sent now. Redeliver it after this "
        "attempt finishes."
    )


def _insert_interrupted(conn, delivery_id: str, moment: str) -> None:
    row = {
        "id": str(uuid.uuid4()),
        "delivery_id": delivery_id,
        "attempted_at": moment,
        "status_code": None,
        "duration_ms": 0,
        "error": INTERRUPTED,
    }
    insert(conn, "delivery_attempts", row)


def _fail_disabled(conn, endpoint_ids: set[str], moment: str) -> None:
    # An endpoint disabled while its attempt was cut short still has that
    # delivery pending, and pending deliveries of disabled endpoints never run.
    for endpoint_id in endpoint_ids:
        enabled = conn.execute(
            "SELECT enabled FROM webhook_endpoints WHERE id = ?", (endpoint_id,)
        ).fetchone()
        if enabled is not None and not enabled[0]:
            fail_pending(conn, endpoint_id, DISABLED_PENDING, moment)
