"""Resource ids: UUIDs in paths and query strings."""

from __future__ import annotations

import uuid
from typing import Any

from smartshare.db import Database
from smartshare.errors import BadRequest, NotFound


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def parse_id(text: str, noun: str) -> str:
    """Return `text` as a canonical UUID, or raise a 400 naming the `noun`."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise BadRequest(
            f"Invalid {noun} id {text[:64]!r}: expected a UUID such as "
            "3f2b8c1e-6d4a-4c39-9a51-0b7e2d8f1c44."
        ) from None


def find_owned(
    db: Database, table: str, user_id: str, text: str, noun: str
) -> dict[str, Any]:
    """Return the user's row of `table` with the id `text`.

    A row of another user is reported exactly like a missing one, so ids of
    other users' rows cannot be probed.
    """
    row = db.one(
        f"SELECT * FROM {table} WHERE id = ? AND user_id = ?",
        (parse_id(text, noun), user_id),
    )
    if row is None:
        raise NotFound(f"{noun.capitalize()} {text} not found.")
    return row
