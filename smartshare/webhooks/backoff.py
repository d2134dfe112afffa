"""When to retry a failed delivery: about three days of exponential backoff."""

from __future__ import annotations

import random

MINUTE = 60
HOUR = 60 * MINUTE

# Waits after the failed attempt 1, 2, ... before the next attempt. The first
# retry comes quickly for a receiver that was restarting. The waits sum to 2.98
# days, so a receiver that is down for up to about three days still gets the event.
RETRY_DELAYS = (
    5,
    5 * MINUTE,
    30 * MINUTE,
    2 * HOUR,
    5 * HOUR,
    10 * HOUR,
    10 * HOUR,
    20 * HOUR,
    24 * HOUR,
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# Each wait varies by up to this fraction either way, so that deliveries that
# failed in the same outage do not all retry in the same second.
JITTER = 0.15

# A Retry-After value is honoured up to this limit. A longer value would use up
# the whole schedule on one wait.
MAX_RETRY_AFTER = 24 * HOUR


def next_delay(
    attempt_number: int,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Return the seconds to wait after failed attempt `attempt_number` (from 1).

    Returns None when that attempt was the last one. A Retry-After value from the
    receiver is the minimum wait, capped at MAX_RETRY_AFTER.
    """
    if attempt_number < 1:
        raise ValueError(
            f"Invalid attempt number {attempt_number}: attempts start at 1."
        )
    if attempt_number >= MAX_ATTEMPTS:
        return None

    base = RETRY_DELAYS[attempt_number - 1]
    delay = base * (rng or random).uniform(1 - JITTER, 1 + JITTER)

    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay
