import random

import pytest

from smartshare.webhooks.backoff import (
    JITTER,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    RETRY_DELAYS,
    next_delay,
)

DAY = 24 * 60 * 60


def test_first_retry_within_ten_seconds():
    delays = [next_delay(1, rng=random.Random(seed)) for seed in range(50)]

    assert max(delays) <= 10


def test_schedule_spans_about_three_days():
    assert 2.5 * DAY <= sum(RETRY_DELAYS) <= 3.5 * DAY


def test_delays_grow_without_shrinking():
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)


def test_last_attempt_gives_none():
    assert next_delay(MAX_ATTEMPTS - 1) is not None
    assert next_delay(MAX_ATTEMPTS) is None
    assert next_delay(MAX_ATTEMPTS + 5) is None


def test_jitter_stays_within_bounds():
    rng = random.Random(7)

    for attempt, base in enumerate(RETRY_DELAYS, start=1):
        delay = next_delay(attempt, rng=rng)
        assert base * (1 - JITTER) <= delay <= base * (1 + JITTER)


def test_jitter_varies_delays():
    delays = {next_delay(3, rng=random.Random(seed)) for seed in range(10)}

    assert len(delays) > 1


def test_retry_after_is_minimum_wait():
    assert next_delay(1, retry_after=120) == 120


def test_retry_after_shorter_than_schedule_ignored():
    delay = next_delay(4, retry_after=60, rng=random.Random(1))

    assert delay >= RETRY_DELAYS[3] * (1 - JITTER)


def test_retry_after_is_capped():
    assert next_delay(1, retry_after=10 * DAY) == MAX_RETRY_AFTER


def test_retry_after_after_last_attempt_gives_none():
    assert next_delay(MAX_ATTEMPTS, retry_after=60) is None


def test_attempt_numbers_start_at_one():
    with pytest.raises(ValueError, match="attempts start at 1"):
        next_delay(0)
