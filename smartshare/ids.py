"""Resource ids: UUIDs in paths and query strings."""

from __future__ import annotations

import uuid

from smartshare.errors import BadRequest


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
