"""Secrets shown once: kept in memory between a form post and the page the
browser is redirected to, so reloading that page cannot create a second one.

SmartShare is one process, so memory is enough. A value not picked up within
five minutes, or lost in a restart, is never shown, and the user creates
another key.
"""

from __future__ import annotations

import threading
import time
from typing import Any

TTL_SECONDS = 300
_values: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def keep(session_id: str, **values: Any) -> None:
    """Keep `values` for the next settings page of this session."""
    with _lock:
        _forget_expired()
        _values[session_id] = (time.monotonic() + TTL_SECONDS, values)


def take(session_id: str) -> dict[str, Any]:
    """Return and forget the values kept for this session, if any."""
    with _lock:
        expires, values = _values.pop(session_id, (0.0, {}))
    return values if expires > time.monotonic() else {}


def _forget_expired() -> None:
    now = time.monotonic()
    for session_id, (expires, _) in list(_values.items()):
        if expires <= now:
            del _values[session_id]
