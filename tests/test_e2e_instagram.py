"""A scheduled post goes to Instagram end to end: a real `smartshare serve`
process, the CLI, the JSON API and the fake Graph API, all over real HTTP.

The fake downloads each image from SmartShare's /media. Its download_rewrite
plays the reverse proxy that makes the public address
https://smartshare.example.com reach the server's local port.
"""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest

from smartshare import clock
from tests.conftest import automation_body
from tests.fakes.graph_api import TOKEN, GraphState, create_app
from tests.fakes.server import serve
from tests.served import Served

PUBLIC_URL = "https://smartshare.example.com"
EMAIL = "owner@example.com"


@pytest.fixture
def graph():
    state = GraphState()
    with serve(create_app(state)) as url:
        yield state, url


@pytest.fixture
def served(data_dir, graph):
    state, graph_url = graph
    server = Served(
        data_dir,
        env={
            "SMARTSHARE_INSTAGRAM__GRAPH_URL": graph_url,
            "SMARTSHARE_INSTAGRAM__APP_SECRET": state.app_secret,
            "SMARTSHARE_SERVER__PUBLIC_URL": PUBLIC_URL,
            "SMARTSHARE_SCHEDULER__TICK_SECONDS": "0.5",
        },
    )
    state.download_rewrite = {PUBLIC_URL: server.url}
    server.start()
    try:
        yield server
    finally:
        server.stop()


def make_slot_due(data_dir, automation_id: str) -> None:
    """Move the automation's next slot to now, as if its time had come."""
    with sqlite3.connect(data_dir / "app.db", timeout=30) as conn:
        conn.execute(
            "UPDATE automations SET next_scheduled_at = ? WHERE id = ?",
            (clock.now_db(), automation_id),
        )
    conn.close()


def stored_token(data_dir) -> str:
    with sqlite3.connect(data_dir / "app.db", timeout=30) as conn:
        row = conn.execute("SELECT access_token FROM accounts").fetchone()
    conn.close()
    return row[0]


def wait_for_post(served, headers, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = httpx.get(f"{served.url}/api/v1/posts", headers=headers).json()
        if found["posts"] and found["posts"][0]["status"] in ("published", "failed"):
            return found["posts"][0]
        time.sleep(0.2)
    raise AssertionError(f"no post was published in {timeout} s:\n{served.log()}")


def test_scheduled_post_published_to_instagram(served, graph, data_dir):
    state, _ = graph
    served.cli("user", "create", EMAIL, "--password-stdin", stdin="correct horse\n")
    added = served.cli(
        "account", "add", EMAIL, "harbor_cafe", "--access-token-stdin", stdin=TOKEN
    )
    key = served.cli("apikey", "create", EMAIL)
    headers = {"Authorization": f"Bearer {key}"}
    accounts = httpx.get(f"{served.url}/api/v1/accounts", headers=headers).json()
    created = httpx.post(
        f"{served.url}/api/v1/automations",
        json=automation_body("harbor_cafe"),
        headers=headers,
    )
    automation = created.json()

    make_slot_due(data_dir, automation["id"])
    post = wait_for_post(served, headers)
    runs = httpx.get(
        f"{served.url}/api/v1/automations/{automation['id']}/runs", headers=headers
    ).json()["runs"]

    assert added.startswith("@harbor_cafe ")
    assert added.endswith(" instagram")
    assert accounts["accounts"][0]["kind"] == "instagram"
    assert accounts["accounts"][0]["state"] == "connected"
    assert accounts["accounts"][0]["token_expires_at"] is not None
    assert created.status_code == 201
    assert post["status"] == "published", post["error"]
    assert post["instagram_media_id"] == "17800000000000001"
    assert post["permalink"] == state.media["17800000000000001"]["permalink"]
    assert post["image_url"].startswith(PUBLIC_URL + "/media/")
    assert state.containers["17900000000000001"].image_url == post["image_url"]
    assert state.count("media_publish") == 1
    assert [run["trigger"] for run in runs] == ["schedule"]
    assert stored_token(data_dir).startswith("enc1:")
    assert TOKEN not in served.log()
    assert TOKEN not in added
