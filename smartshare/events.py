"""Events: things that happened, recorded once, in the transaction that made them
happen. Webhook deliveries are created from these rows."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from smartshare import clock
from smartshare.webhooks.signing import payload_bytes

POST_CREATED = "automation.instagram.post.created"
POST_PUBLISHED = "instagram.post.published"
POST_FAILED = "instagram.post.failed"
RUN_FAILED = "automation.run.failed"
RECONNECT_REQUIRED = "instagram.account.reconnect_required"
TEST = "webhook.test"
EVENT_TYPES = (
    POST_CREATED,
    POST_PUBLISHED,
    POST_FAILED,
    RUN_FAILED,
    RECONNECT_REQUIRED,
)


def record(
    conn: sqlite3.Connection, user_id: str, event_type: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Insert an event in the caller's transaction, with its webhook payload.

    The payload is serialized once, here, so that every delivery attempt of the
    event sends the same bytes with the event's own timestamp.
    """
    created_at = clock.now_db()
    row = {
        "id": str(uuid.uuid4()),
        "user_id": user_id,
        "event_type": event_type,
        "data": json.dumps(data, separators=(",", ":")),
        "payload": payload_bytes(event_type, created_at, data).decode(),
        "created_at": created_at,
        "dispatched": 0,
    }
    conn.execute(
        "INSERT INTO events (id, user_id, event_type, data, payload, created_at, "
        "dispatched) VALUES (:id, :user_id, :event_type, :data, :payload, "
        ":created_at, :dispatched)",
        row,
    )
    return row
