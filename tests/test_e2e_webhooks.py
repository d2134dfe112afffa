"""End to end: a real `smartshare serve` delivers both documented events of a
scheduled post to a receiver on 127.0.0.1 that is down at first."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks import Webhook

from smartshare import clock
from tests.conftest import automation_body
from tests.fakes.receiver import Receiver, Reply
from tests.fakes.server import serve
from tests.served import Served
from tests.test_e2e_schedule import wait_for


@pytest.fixture
def served(tmp_path):
    server = Served(
        tmp_path / "data", env={"SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true"}
    )
    yield server
    server.stop()


def make_due_soon(server: Served, automation_id: str) -> None:
    """Move the automation's next slot two seconds ahead, as if it were scheduled so."""
    slot = datetime.now(UTC) + timedelta(seconds=2)
    conn = sqlite3.connect(server.data_dir / "app.db")
    conn.execute(
        "UPDATE automations SET next_scheduled_at = ? WHERE id = ?",
        (clock.to_db(slot), automation_id),
    )
    conn.commit()
    conn.close()


def test_receiver_gets_both_events_after_outage(served):
    # The receiver responds 503 to the first two requests, then 200.
    receiver = Receiver(Reply(503), Reply(503), Reply(200))
    with serve(receiver) as receiver_url:
        key = served.start().setup_owner()
        headers = {"Authorization": f"Bearer {key}"}
        endpoint = httpx.post(
            served.url + "/api/v1/webhooks",
            json={"url": receiver_url + "/hooks/smartshare"},
            headers=headers,
        ).json()
        automation = httpx.post(
            served.url + "/api/v1/automations", json=automation_body(), headers=headers
        ).json()
        make_due_soon(served, automation["id"])

        wait_for(lambda: len(delivered(receiver)) == 2, 60, "both events delivered")
        deliveries = httpx.get(
            f"{served.url}/api/v1/webhooks/{endpoint['id']}/deliveries", headers=headers
        ).json()["deliveries"]

    by_type = {}
    for request in receiver.requests:
        Webhook(endpoint["secret"]).verify(request.body, request.headers)
        payload = json.loads(request.body)
        by_type.setdefault(payload["event_type"], []).append(request)

    assert set(by_type) == {
        "automation.instagram.post.created",
        "instagram.post.published",
    }
    for requests in by_type.values():
        assert len(requests) == 2
        assert len({request.headers["webhook-id"] for request in requests}) == 1
        assert requests[0].body == requests[1].body
    created = json.loads(by_type["automation.instagram.post.created"][0].body)
    published = json.loads(by_type["instagram.post.published"][0].body)
    assert list(created) == ["event_type", "timestamp", "data"]
    assert created["data"]["automationId"] == automation["id"]
    assert published["data"] == {"postId": created["data"]["createdPostId"]}
    assert [delivery["status"] for delivery in deliveries] == ["succeeded", "succeeded"]
    assert all(delivery["attempt_count"] == 2 for delivery in deliveries)


def delivered(receiver: Receiver) -> list[str]:
    """Return the webhook ids that got a 200, counting requests after the two 503s."""
    return [request.headers["webhook-id"] for request in receiver.requests[2:]]
