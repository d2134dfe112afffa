"""Reading deliveries with their attempts, for the API and the dashboard."""

from __future__ import annotations

from typing import Any

from smartshare import clock
from smartshare.db import Database
from smartshare.ids import parse_id

MAX_PAGE = 100
DELIVERY_COLUMNS = (
    "d.id, d.event_id, e.event_type, d.status, d.attempt_count, d.next_attempt_at, "
    "d.last_status_code, d.last_error, d.created_at, d.finished_at"
)


def parse_delivery_id(text: str) -> str:
    return parse_id(text, "delivery")


def list_deliveries(
    db: Database, endpoint_id: str, limit: int = 20
) -> list[dict[str, Any]]:
    """Return the endpoint's deliveries, newest first, each with its attempts."""
    rows = db.all(
        f"SELECT {DELIVERY_COLUMNS} FROM deliveries AS d "
        "JOIN events AS e ON e.id = d.event_id WHERE d.endpoint_id = ? "
        "ORDER BY d.created_at DESC, d.id DESC LIMIT ?",
        (endpoint_id, limit),
    )
    return _with_attempts(db, rows)


def get_delivery(db: Database, delivery_id: str) -> dict[str, Any]:
    """Return one delivery with its attempts. The caller has checked the owner."""
    rows = db.all(
        f"SELECT {DELIVERY_COLUMNS} FROM deliveries AS d "
        "JOIN events AS e ON e.id = d.event_id WHERE d.id = ?",
        (delivery_id,),
    )
    return _with_attempts(db, rows)[0]


def to_api(delivery: dict[str, Any]) -> dict[str, Any]:
    """Return the delivery object of the API, attempts oldest first."""
    return {
        "id": delivery["id"],
        "event_id": delivery["event_id"],
        "event_type": delivery["event_type"],
        "status": delivery["status"],
        "attempt_count": delivery["attempt_count"],
        "next_attempt_at": clock.to_api(delivery["next_attempt_at"]),
        "last_status_code": delivery["last_status_code"],
        "last_error": delivery["last_error"],
        "created_at": clock.to_api(delivery["created_at"]),
        "finished_at": clock.to_api(delivery["finished_at"]),
        "attempts": [_attempt_to_api(attempt) for attempt in delivery["attempts"]],
    }


def _with_attempts(db: Database, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_delivery: dict[str, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if not rows:
        return rows

    marks = ", ".join("?" for _ in rows)
    attempts = db.all(
        "SELECT delivery_id, attempted_at, status_code, duration_ms, error "
        f"FROM delivery_attempts WHERE delivery_id IN ({marks}) "
        "ORDER BY attempted_at, rowid",
        tuple(by_delivery),
    )
    for attempt in attempts:
        by_delivery[attempt["delivery_id"]].append(attempt)

    return [{**row, "attempts": by_delivery[row["id"]]} for row in rows]


def _attempt_to_api(attempt: dict[str, Any]) -> dict[str, Any]:
    return {
        "attempted_at": clock.to_api(attempt["attempted_at"]),
        "status_code": attempt["status_code"],
        "duration_ms": attempt["duration_ms"],
        "error": attempt["error"],
    }
