"""One delivery attempt: start the claimed attempt, send it, store its outcome.

No transaction is open during the network call. The states a delivery goes
through are described in `smartshare.webhooks.claims`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from smartshare import clock, secretbox
from smartshare.config import Settings
from smartshare.db import Database, insert
from smartshare.webhooks import signing
from smartshare.webhooks.backoff import next_delay
from smartshare.webhooks.claims import GONE_PENDING, fail_pending
from smartshare.webhooks.sender import AttemptResult, send_attempt

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One claimed attempt with what it sends, read before the network call."""

    delivery_id: str
    attempt: int
    endpoint_id: str
    url: str
    stored_secret: str
    msg_id: str
    body: bytes
    attempted_at: str


def deliver(db: Database, settings: Settings, delivery_id: str, attempt: int) -> None:
    """Send the claimed attempt and store its outcome. A stale claim sends nothing."""
    outgoing = start_attempt(db, delivery_id, attempt)
    if outgoing is None:
        return

    result = send(settings, outgoing)
    changes = finish_attempt(db, outgoing, result, clock.now())
    if changes is not None:
        _log_outcome(outgoing, result, changes)


def start_attempt(db: Database, delivery_id: str, attempt: int) -> Outgoing | None:
    """Mark the claimed delivery as sending and read what the attempt sends."""
    with db.write() as conn:
        started = conn.execute(
            "UPDATE deliveries SET status = 'sending' "
            "WHERE id = ? AND status = 'queued' AND attempt_count = ? "
            "RETURNING event_id, endpoint_id",
            (delivery_id, attempt),
        ).fetchone()
        if started is None:
            return None
        endpoint = conn.execute(
            "SELECT url, secret FROM webhook_endpoints WHERE id = ?",
            (started["endpoint_id"],),
        ).fetchone()
        event = conn.execute(
            "SELECT * FROM events WHERE id = ?", (started["event_id"],)
        ).fetchone()

    return Outgoing(
        delivery_id=delivery_id,
        attempt=attempt,
        endpoint_id=started["endpoint_id"],
        url=endpoint["url"],
        stored_secret=endpoint["secret"],
        msg_id=f"msg_{event['id']}",
        body=_body(dict(event)),
        attempted_at=clock.now_db(),
    )


def send(settings: Settings, outgoing: Outgoing) -> AttemptResult:
    """Sign and POST the body once. Errors are returned in the result."""
    try:
        secret = secretbox.decrypt(settings.secret_key, outgoing.stored_secret)
    except secretbox.SecretUnreadable as error:
        return AttemptResult(
            status_code=None,
            duration_ms=0,
            error=f"{error} Delete the endpoint and create it again.",
        )

    # webhook-timestamp is the time of this attempt, because receivers reject a
    # signature whose timestamp is minutes old. The payload keeps the event's time.
    headers = signing.headers(secret, outgoing.msg_id, int(time.time()), outgoing.body)
    return send_attempt(
        outgoing.url,
        outgoing.body,
        headers,
        settings["webhooks.timeout"],
        settings["webhooks.allow_private_networks"],
    )


def finish_attempt(
    db: Database, outgoing: Outgoing, result: AttemptResult, moment: datetime
) -> dict[str, Any] | None:
    """Store the attempt, move the delivery on and return the delivery's changes.

    Returns None when the delivery is no longer this attempt's, for example
    because its endpoint was deleted meanwhile.
    """
    with db.write() as conn:
        enabled = conn.execute(
            "SELECT enabled FROM webhook_endpoints WHERE id = ?",
            (outgoing.endpoint_id,),
        ).fetchone()
        retry_in = _retry_in(result, outgoing.attempt, bool(enabled and enabled[0]))
        changes = _changes(result, retry_in, moment)
        changed = conn.execute(
            "UPDATE deliveries SET status = :status, "
            "next_attempt_at = :next_attempt_at, last_status_code = :last_status_code, "
            "last_error = :last_error, finished_at = :finished_at "
            "WHERE id = :id AND status = 'sending' AND attempt_count = :attempt",
            {**changes, "id": outgoing.delivery_id, "attempt": outgoing.attempt},
        ).rowcount
        if not changed:
            return None
        _insert_attempt(conn, outgoing, result)
        _update_endpoint(conn, outgoing.endpoint_id, result, moment)
    return changes


def _body(event: dict[str, Any]) -> bytes:
    if event["payload"] is not None:
        return event["payload"].encode()
    # An event stored without its payload gets one built from its data, which
    # gives the same bytes on every attempt as well.
    data = json.loads(event["data"])
    return signing.payload_bytes(event["event_type"], event["created_at"], data)


def _retry_in(result: AttemptResult, attempt: int, enabled: bool) -> float | None:
    if result.ok or result.gone or not enabled:
        return None
    return next_delay(attempt, result.retry_after_seconds)


def _changes(
    result: AttemptResult, retry_in: float | None, moment: datetime
) -> dict[str, Any]:
    changes = {
        "status": "pending",
        "next_attempt_at": None,
        "last_status_code": result.status_code,
        "last_error": result.error,
        "finished_at": None,
    }
    if retry_in is not None:
        changes["next_attempt_at"] = clock.to_db(moment + timedelta(seconds=retry_in))
    else:
        changes["status"] = "succeeded" if result.ok else "failed"
        changes["finished_at"] = clock.to_db(moment)
    return changes


def _insert_attempt(
    conn: sqlite3.Connection, outgoing: Outgoing, result: AttemptResult
) -> None:
    row = {
        "id": str(uuid.uuid4()),
        "delivery_id": outgoing.delivery_id,
        "attempted_at": outgoing.attempted_at,
        "status_code": result.status_code,
        "duration_ms": result.duration_ms,
        "error": result.error,
    }
    insert(conn, "delivery_attempts", row)


def _update_endpoint(
    conn: sqlite3.Connection,
    endpoint_id: str,
    result: AttemptResult,
    moment: datetime,
) -> None:
    failures = "0" if result.ok else "consecutive_failures + 1"
    conn.execute(
        f"UPDATE webhook_endpoints SET consecutive_failures = {failures} WHERE id = ?",
        (endpoint_id,),
    )
    if result.gone:
        _disable_gone(conn, endpoint_id, clock.to_db(moment))


def _disable_gone(conn: sqlite3.Connection, endpoint_id: str, moment: str) -> None:
    reason = (
        f"Disabled at {clock.to_api(moment)} because the receiver responded with "
        "HTTP 410 Gone. Enable the endpoint again to resume deliveries."
    )
    conn.execute(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, "
        "updated_at = ? WHERE id = ? AND enabled = 1",
        (reason, moment, endpoint_id),
    )
    fail_pending(conn, endpoint_id, GONE_PENDING, moment)


def _log_outcome(
    outgoing: Outgoing, result: AttemptResult, changes: dict[str, Any]
) -> None:
    ids = (outgoing.delivery_id, outgoing.attempt, outgoing.endpoint_id)
    if changes["status"] == "succeeded":
        logger.info(
            "delivery %s attempt %d to endpoint %s succeeded with HTTP %s in %d ms",
            *ids,
            result.status_code,
            result.duration_ms,
        )
    elif changes["status"] == "pending":
        logger.warning(
            "delivery %s attempt %d to endpoint %s failed, retrying at %s: %s",
            *ids,
            changes["next_attempt_at"],
            result.error,
        )
    else:
        logger.warning(
            "delivery %s attempt %d to endpoint %s failed, not retrying: %s",
            *ids,
            result.error,
        )
    if result.gone:
        logger.warning(
            "endpoint %s disabled because its receiver responded with HTTP 410",
            outgoing.endpoint_id,
        )
