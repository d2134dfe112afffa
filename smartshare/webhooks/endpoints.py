"""Webhook endpoints: a user's URLs, each with a secret, an event filter and an
enabled flag. Secrets are stored encrypted and shown once, at creation."""

from __future__ import annotations

import json
import uuid
from typing import Any

from smartshare import clock, events, secretbox
from smartshare.api.body import Field, parse_fields, spellings_of
from smartshare.config import Settings
from smartshare.db import Database, insert, update
from smartshare.errors import ValidationFailed, field_error
from smartshare.ids import find_owned, parse_id
from smartshare.webhooks import claims, signing
from smartshare.webhooks.urls import UnsafeURL, resolve_public

# Event types a filter may list. Test pings reach their endpoint whatever its
# filter, so listing webhook.test is allowed but changes nothing.
SUBSCRIBABLE = (*events.EVENT_TYPES, events.TEST)
FIELDS = [
    Field("url", str, required=True),
    Field("events", list, nullable=True),
    Field("description", str, max_length=500),
    Field("enabled", bool),
]
# Fields of the endpoint object that clients may echo back. They are ignored.
READ_ONLY = spellings_of("id", "user_id", "disabled_reason", "created_at", "updated_at")


def parse_endpoint_id(text: str) -> str:
    return parse_id(text, "webhook")


def get_endpoint(db: Database, user_id: str, endpoint_id: str) -> dict[str, Any]:
    return find_owned(db, "webhook_endpoints", user_id, endpoint_id, "webhook")


def list_endpoints(db: Database, user_id: str) -> list[dict[str, Any]]:
    return db.all(
        "SELECT * FROM webhook_endpoints WHERE user_id = ? ORDER BY created_at, id",
        (user_id,),
    )


def create_endpoint(
    db: Database, settings: Settings, user_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """Validate and store a new endpoint, and return its row and its plain secret."""
    values = _checked(settings, parse_fields(body, FIELDS, ignored=READ_ONLY))
    secret = signing.new_secret()
    moment = clock.now_db()
    row = {
        "id": str(uuid.uuid4()),
        "user_id": user_id,
        "url": values["url"],
        "secret": secretbox.encrypt(settings.secret_key, secret),
        "events": values.get("events"),
        "description": values.get("description", ""),
        "enabled": values.get("enabled", 1),
        "disabled_reason": None,
        "created_at": moment,
        "updated_at": moment,
    }

    with db.write() as conn:
        insert(conn, "webhook_endpoints", row)
    return row, secret


def update_endpoint(
    db: Database,
    settings: Settings,
    user_id: str,
    endpoint_id: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Apply a partial update. Disabling fails the endpoint's pending deliveries,
    and enabling clears the reason of an automatic disable."""
    current = get_endpoint(db, user_id, endpoint_id)
    changes = parse_fields(body, FIELDS, ignored=READ_ONLY, partial=True)
    changes = _checked(settings, changes)
    moment = clock.now_db()

    turned_on = changes.get("enabled") == 1 and not current["enabled"]
    turned_off = changes.get("enabled") == 0 and current["enabled"]
    if turned_on:
        changes.update(disabled_reason=None, consecutive_failures=0)

    with db.write() as conn:
        if turned_off:
            claims.fail_pending(conn, current["id"], claims.DISABLED_PENDING, moment)
        changes["updated_at"] = moment
        update(conn, "webhook_endpoints", current["id"], changes)
    return get_endpoint(db, user_id, current["id"])


def delete_endpoint(db: Database, user_id: str, endpoint_id: str) -> None:
    """Delete the endpoint with its deliveries and their attempts."""
    endpoint = get_endpoint(db, user_id, endpoint_id)
    with db.write() as conn:
        conn.execute("DELETE FROM webhook_endpoints WHERE id = ?", (endpoint["id"],))


def to_api(row: dict[str, Any]) -> dict[str, Any]:
    """Return the endpoint object of the API. The secret is left out."""
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "url": row["url"],
        "description": row["description"],
        "events": json.loads(row["events"]) if row["events"] else None,
        "enabled": bool(row["enabled"]),
        "disabled_reason": row["disabled_reason"],
        "created_at": clock.to_api(row["created_at"]),
        "updated_at": clock.to_api(row["updated_at"]),
    }


def _checked(settings: Settings, values: dict[str, Any]) -> dict[str, Any]:
    """Check the URL and event filter, and return the values as stored."""
    problems = []
    if "url" in values:
        problem = check_url(values["url"], settings["webhooks.allow_private_networks"])
        if problem:
            problems.append(field_error("url", problem))
    if values.get("events") is not None:
        problem = _check_event_types(values["events"])
        if problem:
            problems.append(field_error("events", problem))
    if problems:
        raise ValidationFailed(problems)

    return _as_stored(values)


def check_url(url: str, allow_private: bool) -> str | None:
    """Return why the URL may not receive webhooks, or None.

    The host is resolved now, and resolved again before every attempt, because
    its DNS records may change after it was saved.
    """
    try:
        resolve_public(url, allow_private)
    except UnsafeURL as error:
        return str(error)
    return None


def _check_event_types(names: list[Any]) -> str | None:
    if not names:
        return "Expected at least one event type. Send null to receive all events."
    for name in names:
        if not isinstance(name, str):
            return "Expected a list of event type strings."
        if name not in SUBSCRIBABLE:
            return f"Unknown event type {name[:64]!r}: use {', '.join(SUBSCRIBABLE)}."
    return None


def _as_stored(values: dict[str, Any]) -> dict[str, Any]:
    stored = dict(values)
    if "events" in values:
        names = values["events"]
        stored["events"] = json.dumps(list(dict.fromkeys(names))) if names else None
    if "enabled" in values:
        stored["enabled"] = int(values["enabled"])
    return stored
