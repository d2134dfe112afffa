"""SIGKILL a real `smartshare serve` in the middle of a publish and of a webhook
delivery, start it again, and check that each completes exactly once.

A kill in the middle of a run is in test_e2e_schedule.py.
"""

from __future__ import annotations

import json
import sqlite3

import httpx

from tests.conftest import automation_body
from tests.fakes.graph_api import TOKEN
from tests.fakes.receiver import Receiver, Reply
from tests.fakes.server import serve
from tests.test_e2e_instagram import (  # noqa: F401 (fixtures)
    EMAIL,
    graph,
    make_slot_due,
    served,
    wait_for_post,
)
from tests.test_e2e_schedule import wait_for


def published_events(data_dir) -> int:
    conn = sqlite3.connect(data_dir / "app.db")
    count = conn.execute(
        "SELECT COUNT(*) FROM events WHERE event_type = 'instagram.post.published'"
    ).fetchone()[0]
    conn.close()
    return count


def test_kill_during_media_publish(served, graph, data_dir):  # noqa: F811
    state, _ = graph
    state.delays["media_publish"] = 4
    served.cli("user", "create", EMAIL, "--password-stdin", stdin="correct horse\n")
    served.cli(
        "account", "add", EMAIL, "harbor_cafe", "--access-token-stdin", stdin=TOKEN
    )
    key = served.cli("apikey", "create", EMAIL)
    headers = {"Authorization": f"Bearer {key}"}
    automation = httpx.post(
        f"{served.url}/api/v1/automations",
        json=automation_body("harbor_cafe"),
        headers=headers,
    ).json()
    make_slot_due(data_dir, automation["id"])
    wait_for(lambda: state.count("media_publish"), 30, "the media_publish call")

    served.kill()
    wait_for(lambda: state.media, 10, "Instagram to finish publishing")
    state.delays.clear()
    served.start()
    post = wait_for_post(served, headers)

    assert post["status"] == "published", post["error"]
    assert state.count("media_publish") == 1
    assert len(state.media) == 1
    assert published_events(data_dir) == 1


def test_kill_during_webhook_delivery(tmp_path):
    from tests.served import Served

    receiver = Receiver(Reply(200, delay=6), Reply(200))
    server = Served(
        tmp_path / "data", env={"SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true"}
    )
    with serve(receiver) as receiver_url:
        key = server.start().setup_owner()
        headers = {"Authorization": f"Bearer {key}"}
        endpoint = httpx.post(
            server.url + "/api/v1/webhooks",
            json={"url": receiver_url + "/hook"},
            headers=headers,
        ).json()
        httpx.post(
            f"{server.url}/api/v1/webhooks/{endpoint['id']}/test", headers=headers
        )
        wait_for(lambda: receiver.requests, 30, "the first delivery attempt")

        server.kill()
        server.start()
        try:
            wait_for(lambda: len(receiver.requests) >= 2, 40, "the delivery again")
            [delivery] = wait_for(
                lambda: succeeded(server, endpoint["id"], headers), 20, "success"
            )
        finally:
            server.stop()

    first, second = receiver.requests[:2]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert json.loads(second.body)["event_type"] == "webhook.test"
    assert len(receiver.requests) == 2
    assert delivery["attempt_count"] == 2
    assert [attempt["status_code"] for attempt in delivery["attempts"]].count(200) == 1


def succeeded(server, endpoint_id: str, headers: dict) -> list[dict]:
    deliveries = httpx.get(
        f"{server.url}/api/v1/webhooks/{endpoint_id}/deliveries", headers=headers
    ).json()["deliveries"]
    return [item for item in deliveries if item["status"] == "succeeded"]
