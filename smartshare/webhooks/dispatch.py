"""Dispatch: one delivery row per event and matching endpoint.

Events are recorded in the transaction that made them happen, with
`dispatched = 0`. The tick turns them into deliveries later, so that no
publish or run waits for webhook bookkeeping.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime
from typing import Any

from smartshare import clock, events
from smartshare.db import Database
from smartshare.errors import Conflict, NotFound

BATCH = 500
TEST_MESSAGE = "This is a test event from SmartShare."


def dispatch_events(db: Database, moment: datetime) -> int:
    """Create the deliveries of undispatched events and return the event count."""
    total = 0
    while True:
        with db.write() as conn:
            batch = conn.execute(
                "SELECT id, user_id, event_type, data FROM events "
                "WHERE dispatched = 0 ORDER BY created_at LIMIT ?",
                (BATCH,),
            ).fetchall()
            _dispatch_batch(conn, [dict(row) for row in batch], moment)
        total += len(batch)
        if len(batch) < BATCH:
            return total


def record_test(db: Database, endpoint_id: str) -> str:
    """Record a webhook.test event for one endpoint and return its delivery id.

    The event is dispatched in the same transaction, to that endpoint only.
    Raises Conflict when the endpoint is disabled.
    """
    with db.write() as conn:
        endpoint = conn.execute(
            "SELECT * FROM webhook_endpoints WHERE id = ?", (endpoint_id,)
        ).fetchone()
        if endpoint is None:
            raise NotFound(f"Webhook {endpoint_id} not found.")
        if not endpoint["enabled"]:
            raise Conflict(
                f"Webhook {endpoint_id} is disabled. Enable it with PATCH "
                '{"enabled": true} before sending a test event.'
            )
        data = {"endpointId": endpoint_id, "message": TEST_MESSAGE}
        event = events.record(conn, endpoint["user_id"], events.TEST, data)
        [delivery_id] = dispatch_event(conn, event, [dict(endpoint)], clock.now())
        _mark_dispatched(conn, [event["id"]])
    return delivery_id


def dispatch_event(
    conn: sqlite3.Connection,
    event: dict[str, Any],
    endpoints: list[dict[str, Any]],
    moment: datetime,
) -> list[str]:
    """Insert a due delivery for each endpoint the event matches, and return their ids.

    An existing delivery of the same event and endpoint is kept as it is.
    """
    created = []
    for endpoint in endpoints:
        if not matches(endpoint, event):
            continue
        delivery_id = str(uuid.uuid4())
        inserted = conn.execute(
            "INSERT OR IGNORE INTO deliveries (id, event_id, endpoint_id, status, "
            "attempt_count, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, 'pending', 0, ?, ?)",
            (
                delivery_id,
                event["id"],
                endpoint["id"],
                clock.to_db(moment),
                clock.now_db(),
            ),
        ).rowcount
        if inserted:
            created.append(delivery_id)
    return created


def matches(endpoint: dict[str, Any], event: dict[str, Any]) -> bool:
    """Tell whether the endpoint receives the event.

    A test event goes only to the endpoint it names. Other events go to every
    endpoint with no filter, or with the event type in its filter.
    """
    if event["event_type"] == events.TEST:
        return json.loads(event["data"]).get("endpointId") == endpoint["id"]
    if endpoint["events"] is None:
        return True
    return event["event_type"] in json.loads(endpoint["events"])


def _dispatch_batch(
    conn: sqlite3.Connection, batch: list[dict[str, Any]], moment: datetime
) -> None:
    endpoints_of: dict[str, list[dict[str, Any]]] = {}
    for event in batch:
        user_id = event["user_id"]
        if user_id not in endpoints_of:
            endpoints_of[user_id] = _enabled_endpoints(conn, user_id)
        dispatch_event(conn, event, endpoints_of[user_id], moment)
    _mark_dispatched(conn, [event["id"] for event in batch])


def _enabled_endpoints(conn: sqlite3.Connection, user_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, events FROM webhook_endpoints WHERE user_id = ? AND enabled = 1",
        (user_id,),
    ).fetchall()
    return [dict(row) for row in rows]


def _mark_dispatched(conn: sqlite3.Connection, event_ids: list[str]) -> None:
    conn.executemany(
        "UPDATE events SET dispatched = 1 WHERE id = ?",
        [(event_id,) for event_id in event_ids],
    )
