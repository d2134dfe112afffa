"""In-memory fixed-window rate limits (per process, which is the whole service)."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """Allow `limit` hits per `window` seconds for each key."""

    def __init__(self, limit: int, window: float = 60.0):
        self.limit = limit
        self.window = window
        self._hits: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one hit; return None when allowed, else seconds to wait."""
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            started, count = self._hits.get(key, (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            if count >= self.limit:
                return max(1, math.ceil(self.window - (now - started)))
            self._hits[key] = (started, count + 1)
            if len(self._hits) > 10_000:
                self._forget_old(now)
        return None

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _forget_old(self, now: float) -> None:
        for key, (started, _) in list(self._hits.items()):
            if now - started >= self.window:
                del self._hits[key]
