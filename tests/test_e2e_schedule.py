"""End to end against a real `smartshare serve` process: a scheduled slot becomes
a published sandbox post, and a SIGKILL during a run neither loses nor doubles it."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import automation_body
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.server import serve
from tests.served import Served


def wait_for(check, timeout: float, what: str):
    """Poll `check` until it returns a truthy value or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def next_minute_slot() -> datetime:
    """Return the next whole UTC minute at least 15 seconds away."""
    slot = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (slot - datetime.now(UTC)).total_seconds() < 15:
        slot += timedelta(minutes=1)
    return slot


def published_posts(server: Served, headers: dict) -> list[dict]:
    response = httpx.get(server.url + "/api/v1/posts?status=published", headers=headers)
    return response.json()["posts"]


def event_types(server: Served) -> list[str]:
    conn = sqlite3.connect(server.data_dir / "app.db")
    rows = conn.execute("SELECT event_type FROM events ORDER BY created_at").fetchall()
    conn.close()
    return [row[0] for row in rows]


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path / "data")
    yield server
    server.stop()


def test_scheduled_slot_publishes_to_outbox(served):
    key = served.start().setup_owner()
    headers = {"Authorization": f"Bearer {key}"}
    slot = next_minute_slot()
    schedule = {"type": "daily", "time": slot.strftime("%H:%M"), "timezone": "UTC"}
    created = httpx.post(
        served.url + "/api/v1/automations",
        json=automation_body(schedule=schedule),
        headers=headers,
    ).json()

    [post] = wait_for(lambda: published_posts(served, headers), 120, "a published post")
    runs = httpx.get(
        f"{served.url}/api/v1/automations/{created['id']}/runs", headers=headers
    ).json()["runs"]

    assert created["next_scheduled_at"] == slot.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [run["scheduled_for"] for run in runs] == [created["next_scheduled_at"]]
    assert runs[0]["started_at"] >= runs[0]["scheduled_for"]
    assert post["created_at"] >= created["next_scheduled_at"]
    assert (served.data_dir / "outbox" / "owner_shop" / f"{post['id']}.jpg").exists()
    assert event_types(served) == [
        "automation.instagram.post.created",
        "instagram.post.published",
    ]


def test_sigkill_during_run_creates_one_post(served):
    fake = FakeOpenAI(delay_seconds=8)
    with serve(fake.app()) as fake_url:
        served.env = {
            "SMARTSHARE_GENERATION__IMAGE_PROVIDER": "openai",
            "SMARTSHARE_GENERATION__OPENAI__BASE_URL": fake_url + "/v1",
            "SMARTSHARE_GENERATION__OPENAI__API_KEY": fake.api_key,
        }
        key = served.start().setup_owner()
        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(
            served.url + "/api/v1/automations", json=automation_body(), headers=headers
        ).json()
        httpx.post(
            f"{served.url}/api/v1/automations/{created['id']}/run", headers=headers
        )
        wait_for(
            lambda: fake.requests_to("/v1/images/generations"), 30, "an image call"
        )

        served.kill()
        fake.delay_seconds = 0
        served.start()
        [post] = wait_for(lambda: published_posts(served, headers), 60, "the post")
        time.sleep(3)  # two scheduler ticks, to let a duplicate show up if there is one

        runs = httpx.get(
            f"{served.url}/api/v1/automations/{created['id']}/runs", headers=headers
        ).json()["runs"]
        everything = httpx.get(served.url + "/api/v1/posts", headers=headers).json()

    assert [run["status"] for run in runs] == ["succeeded"]
    assert runs[0]["post_id"] == post["id"]
    assert [item["id"] for item in everything["posts"]] == [post["id"]]
    assert len(fake.requests_to("/v1/images/generations")) == 2
    assert event_types(served) == [
        "automation.instagram.post.created",
        "instagram.post.published",
    ]
    outbox = list((served.data_dir / "outbox" / "owner_shop").glob("*.jpg"))
    assert len(outbox) == 1
